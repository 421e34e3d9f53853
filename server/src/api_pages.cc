#include "api.h"

#include <algorithm>

#include "api_internal.h"
#include "zkwiki/revision.h"

namespace zkwiki::server {

// ---------------------------------------------------------------------------------------------
// Pages, revisions, changes

Response Api::list_pages(Ctx& c, const std::string& ws, const std::string& coll) {
  Response err;
  if (!authorize(c, ws, &coll, Need::read, err)) return err;
  int limit = kDefaultLimit;
  std::string cursor;
  if (!c.limit(limit, err) || !c.id_cursor(cursor, err)) return err;
  auto r = store_.list_heads(ws, coll, cursor, limit);
  if (!r.ok()) return store_error(r.status);
  json arr = json::array();
  for (auto& h : r.value)
    arr.push_back(json{{"page_id", h.page_id}, {"revision", h.revision}, {"seq", h.seq}});
  json next = static_cast<int>(r.value.size()) == limit ? json(r.value.back().page_id) : json();
  return json_response(200, json{{"pages", arr}, {"next", next}});
}

Response Api::get_page(Ctx& c, const std::string& ws, const std::string& coll,
                       const std::string& page) {
  Response err;
  if (!authorize(c, ws, &coll, Need::read, err)) return err;
  auto h = store_.get_head(ws, coll, page);
  if (!h.ok()) return store_error(h.status);
  const std::string etag = quote(h.value.revision);
  if (c.req.header("if-none-match") == etag) {
    Response r;
    r.status = 304;
    r.set("ETag", etag);
    r.set("Cache-Control", "private, no-cache");
    r.set("Vary", "Authorization");
    return r;
  }
  auto rev = store_.get_revision(ws, coll, page, h.value.revision);
  if (!rev.ok()) return store_error(rev.status);
  Response r = json_response(200, json{{"page_id", page},
                                       {"revision", h.value.revision},
                                       {"record", base64_of(rev.value.record)},
                                       {"seq", h.value.seq}});
  // The head depends on the token (scope, revocation): only the token holder's own cache may
  // keep it, and only to revalidate it on every use.
  r.set("ETag", etag);
  r.set("Cache-Control", "private, no-cache");
  r.set("Vary", "Authorization");
  return r;
}

namespace {
Response invalid_record(std::string_view message) {
  return Api::error(400, "invalid_record", message);
}
}  // namespace

bool Api::check_revision(Ctx& c, const std::string& ws, const std::string& coll,
                         const std::string& page, const std::optional<std::string>& expected,
                         const Bytes& record, Response& err, RevisionRecord* decoded) {
  // Syntax and the signature under the record's own author key.
  auto rec = RevisionRecord::decode(as_span(record));
  if (!rec) {
    err = invalid_record("record is not a valid signed revision record: " + rec.error().message);
    return false;
  }
  if (decoded != nullptr) *decoded = *rec;
  if (rec->workspace.hex() != ws || rec->collection.hex() != coll || rec->page.hex() != page) {
    err = invalid_record("the record names another workspace, collection or page");
    return false;
  }
  // A session writes as its account: the author must be the account's identity key. A scoped
  // (agent) token writes as its grant's agent key; readers check the rest of the certificate
  // (path prefix, validity) themselves, since only they can open it.
  if (c.who.token.scoped) {
    auto g = store_.get_grant(ws, c.who.token.token_id);
    if (!g.ok() && g.status.code != Code::not_found) {
      err = store_error(g.status);
      return false;
    }
    if (!g.ok() || g.value.agent_key != Bytes(rec->author.begin(), rec->author.end())) {
      err = error(403, "author_not_member",
                  g.ok() ? "the record is not signed by the agent key of the token's grant"
                         : "the token has no grant on record: agent writes need one (PUT .../grants/{token_id})");
      return false;
    }
  } else {
    if (!signed_by_session_account(c, rec->author, "author_not_member",
                                   "the record is not signed by the identity key of the session's account", err))
      return false;
  }
  // The record must follow the head the precondition names: a new page starts at revision 1;
  // an update names the head as its parent and counts one up from it.
  if (!expected) {
    if (rec->revision != 1 || !rec->parent.is_zero()) {
      err = invalid_record("a new page starts at revision 1 with no parent");
      return false;
    }
    return true;
  }
  if (rec->parent.hex() != *expected) {
    err = invalid_record("the record does not follow the head: its parent is not If-Match");
    return false;
  }
  auto parent = store_.get_revision(ws, coll, page, *expected);
  if (!parent.ok()) {
    // A revision the page never had cannot be its head: the compare-and-swap answers 412.
    if (parent.status.code == Code::not_found) return true;
    err = store_error(parent.status);
    return false;
  }
  auto prev = RevisionRecord::decode(as_span(parent.value.record));
  if (!prev || rec->revision != prev->revision + 1) {
    err = invalid_record("the record does not follow the head: its revision is not the head's + 1");
    return false;
  }
  return true;
}

Response Api::put_page(Ctx& c, const std::string& ws, const std::string& coll,
                       const std::string& page) {
  Response err;
  if (!authorize(c, ws, &coll, Need::write, err)) return err;
  std::string_view if_match = c.req.header("if-match");
  std::string_view if_none = c.req.header("if-none-match");
  std::optional<std::string> expected;
  if (!if_match.empty() && !if_none.empty())
    return error(400, "bad_request", "send either If-Match or If-None-Match, not both");
  if (!if_none.empty()) {
    if (if_none != "*") return error(400, "bad_request", "If-None-Match must be *");
  } else if (!if_match.empty()) {
    std::string_view v = if_match;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (!is_hash_id(v))
      return error(400, "bad_request", "If-Match must be the quoted 64-hex current revision");
    expected = std::string(v);
  } else {
    return error(428, "precondition_required",
                 "send If-None-Match: * to create or If-Match: \"<revision>\" to update");
  }
  json j;
  std::string revision;
  Bytes record;
  if (!parse_body(c.req, j, err) || !get_string(j, "revision", revision, err) ||
      !get_b64(j, "record", kMaxRecordBytes, record, err))
    return err;
  if (!is_hash_id(revision)) return bad_id("revision");
  if (hash_hex(record) != revision)
    return error(400, "hash_mismatch", "revision is not the BLAKE2b-256 of the record");
  if (!check_revision(c, ws, coll, page, expected, record, err)) return err;
  auto r = store_.cas_head(ws, coll, page, expected, revision, record,
                           Charge{c.who.token.account_id, config_.quota_bytes});
  if (!r.ok()) {
    if (r.status.code != Code::conflict) return store_error(r.status);
    json cur;
    if (r.value.current)
      cur = json{{"revision", r.value.current->revision}, {"seq", r.value.current->seq}};
    Response e = json_response(
        412, json{{"error",
                   {{"code", "precondition_failed"},
                    {"message", "the page head is not what the precondition expected"}}},
                  {"current", cur}});
    if (r.value.current) e.set("ETag", quote(r.value.current->revision));
    return e;
  }
  notifier_.notify(ws, r.value.seq);
  Response out = json_response(r.value.created ? 201 : 200,
                               json{{"page_id", page}, {"revision", revision}, {"seq", r.value.seq}});
  out.set("ETag", quote(revision));
  return out;
}

Response Api::list_revisions(Ctx& c, const std::string& ws, const std::string& coll,
                             const std::string& page) {
  Response err;
  if (!authorize(c, ws, &coll, Need::read, err)) return err;
  int limit = kDefaultLimit;
  if (!c.limit(limit, err)) return err;
  std::int64_t after = 0;
  if (auto it = c.query.find("cursor"); it != c.query.end()) {
    auto v = parse_int(it->second);
    if (!v) return error(400, "bad_request", "cursor is not valid");
    after = *v;
  }
  auto r = store_.list_revisions(ws, coll, page, after, limit);
  if (!r.ok()) return store_error(r.status);
  json arr = json::array();
  for (auto& rev : r.value) arr.push_back(json{{"revision", rev.revision}, {"seq", rev.seq}});
  json next = static_cast<int>(r.value.size()) == limit ? json(r.value.back().seq) : json();
  return json_response(200, json{{"revisions", arr}, {"next", next}});
}

Response Api::get_revision(Ctx& c, const std::string& ws, const std::string& coll,
                           const std::string& page, const std::string& rev) {
  Response err;
  if (!authorize(c, ws, &coll, Need::read, err)) return err;
  auto r = store_.get_revision(ws, coll, page, rev);
  if (!r.ok()) return store_error(r.status);
  Response out = json_response(200, json{{"page_id", page},
                                         {"revision", rev},
                                         {"record", base64_of(r.value.record)},
                                         {"seq", r.value.seq}});
  // A revision record never changes; only the holder of a token may cache it.
  out.set("ETag", quote(rev));
  out.set("Cache-Control", "private, max-age=31536000, immutable");
  out.set("Vary", "Authorization");
  return out;
}

Response Api::batch_revisions(Ctx& c, const std::string& ws) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::read, err)) return err;
  json j;
  if (!parse_body(c.req, j, err)) return err;
  auto it = j.find("revisions");
  if (it == j.end()) return error(400, "missing_field", "missing field \"revisions\"");
  if (!it->is_array() || it->size() > static_cast<size_t>(kMaxBatchIds))
    return error(400, "wrong_type", "revisions must be an array of at most 1000 {collection_id, page_id, revision}");
  struct Wanted {
    std::string coll, page, rev;
  };
  std::vector<Wanted> wanted;
  for (auto& e : *it) {
    Wanted w;
    if (!e.is_object() || !get_string(e, "collection_id", w.coll, err) || !get_string(e, "page_id", w.page, err) ||
        !get_string(e, "revision", w.rev, err))
      return e.is_object() ? err : error(400, "wrong_type", "each entry must be {collection_id, page_id, revision}");
    if (!is_object_id(w.coll)) return bad_id("collection id");
    if (!is_object_id(w.page)) return bad_id("page id");
    if (!is_hash_id(w.rev)) return bad_id("revision");
    wanted.push_back(std::move(w));
  }
  // A scoped token reads only its collections: one entry outside them refuses the whole batch,
  // as the single route would refuse that entry.
  const TokenRecord& t = c.who.token;
  if (t.scoped)
    for (const Wanted& w : wanted)
      if (std::find(t.collections.begin(), t.collections.end(), w.coll) == t.collections.end())
        return error(403, "forbidden", "collection " + w.coll + " is outside the token's scope");
  json arr = json::array();
  std::size_t bytes = 0;
  for (const Wanted& w : wanted) {
    json e{{"collection_id", w.coll}, {"page_id", w.page}, {"revision", w.rev}};
    if (bytes >= kMaxRevisionBatchBytes) {
      e["status"] = "omitted";
    } else {
      auto r = store_.get_revision(ws, w.coll, w.page, w.rev);
      if (r.ok()) {
        bytes += r.value.record.size();
        e["status"] = "ok";
        e["record"] = base64_of(r.value.record);
        e["seq"] = r.value.seq;
      } else if (r.status.code == Code::not_found) {
        e["status"] = "not_found";
      } else {
        return store_error(r.status);
      }
    }
    arr.push_back(std::move(e));
  }
  return json_response(200, json{{"revisions", arr}});
}

Response Api::changes(Ctx& c, const std::string& ws) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::read, err)) return err;
  int limit = kDefaultLimit;
  if (!c.limit(limit, err)) return err;
  std::int64_t since = 0;
  if (auto it = c.query.find("since"); it != c.query.end()) {
    auto v = parse_int(it->second);
    if (!v) return error(400, "bad_request", "since must be a non-negative integer");
    since = *v;
  }
  int wait = 0;
  if (auto it = c.query.find("wait"); it != c.query.end()) {
    auto v = parse_int(it->second);
    if (!v || *v > 60) return error(400, "bad_request", "wait must be 0..60 seconds");
    wait = static_cast<int>(*v);
  }
  auto r = store_.changes(ws, since, limit);
  if (!r.ok()) return store_error(r.status);
  const TokenRecord& t = c.who.token;
  json arr = json::array();
  std::int64_t next = since;
  for (auto& ch : r.value) {
    next = ch.seq;
    if (t.scoped && ch.kind != "grant" && (ch.collection_id.empty() ||
                     std::find(t.collections.begin(), t.collections.end(), ch.collection_id) ==
                         t.collections.end()))
      continue;
    json e{{"seq", ch.seq}, {"kind", ch.kind}};
    if (!ch.collection_id.empty()) e["collection_id"] = ch.collection_id;
    if (ch.kind == "page") {
      e["page_id"] = ch.page_id;
      e["revision"] = ch.ref;
    } else if (ch.kind == "member") {
      e["account_id"] = ch.ref;
    } else if (ch.kind == "grant") {
      e["grant_id"] = ch.ref;
    } else if (ch.kind == "key") {
      auto colon = ch.ref.find(':');
      e["account_id"] = ch.ref.substr(0, colon);
      e["generation"] = std::stoll(ch.ref.substr(colon + 1));
    }
    arr.push_back(std::move(e));
  }
  Response out = json_response(200, json{{"changes", arr},
                                         {"next", next},
                                         {"more", static_cast<int>(r.value.size()) == limit}});
  if (r.value.empty() && wait > 0 && c.req.allow_wait)
    out.long_poll = Response::LongPoll{ws, since, wait};
  return out;
}

}  // namespace zkwiki::server
