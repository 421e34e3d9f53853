#include "api.h"

#include <algorithm>

#include "api_internal.h"
#include "crypto.h"
#include "zkwiki/workspace_record.h"

namespace zkwiki::server {

// ---------------------------------------------------------------------------------------------
// Workspaces, members, collections, keys

Response Api::create_workspace(Ctx& c) {
  Response err;
  if (!authenticate(c, err)) return err;
  if (c.who.token.scoped) return error(403, "forbidden", "scoped tokens cannot create workspaces");
  json j;
  std::string ws;
  Bytes record;
  if (!parse_body(c.req, j, err) || !get_id(j, "workspace_id", ws, err) ||
      !get_b64(j, "record", kMaxRecordBytes, record, err))
    return err;
  // The record is the owner's signed statement of the workspace (docs/FORMAT.md): it names this
  // workspace and the session's account, and is signed with the account's identity key.
  auto rec = WorkspaceRecord::decode(as_span(record));
  if (!rec) return error(400, "invalid_record", "record is not a valid signed workspace record: " + rec.error().message);
  if (rec->workspace.hex() != ws || rec->owner.hex() != c.who.token.account_id)
    return error(400, "invalid_record", "the record names another workspace or owner");
  if (!signed_by_session_account(c, rec->owner_key, "forbidden",
                                 "the record is not signed by the identity key of the session's account", err))
    return err;
  Status s = store_.create_workspace(Workspace{ws, c.who.token.account_id, record, 0});
  if (!s.ok()) return store_error(s);
  Response r = json_response(201, json{{"workspace_id", ws}, {"seq", 0}});
  r.set("Location", "/v1/workspaces/" + ws);
  return r;
}

Response Api::list_workspaces(Ctx& c) {
  Response err;
  if (!authenticate(c, err)) return err;
  int limit = kDefaultLimit;
  std::string cursor;
  if (!c.limit(limit, err) || !c.id_cursor(cursor, err)) return err;
  json arr = json::array();
  json next;
  if (c.who.token.scoped) {
    auto w = store_.get_workspace(c.who.token.workspace_id);
    if (w.ok() && w.value.id > cursor)
      arr.push_back(json{{"workspace_id", w.value.id}, {"seq", w.value.seq}});
  } else {
    auto r = store_.list_workspaces(c.who.token.account_id, cursor, limit);
    if (!r.ok()) return store_error(r.status);
    for (auto& w : r.value) arr.push_back(json{{"workspace_id", w.id}, {"seq", w.seq}});
    if (static_cast<int>(r.value.size()) == limit) next = r.value.back().id;
  }
  return json_response(200, json{{"workspaces", arr}, {"next", next}});
}

Response Api::get_workspace(Ctx& c, const std::string& ws) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::read, err)) return err;
  auto w = store_.get_workspace(ws);
  if (!w.ok()) return store_error(w.status);
  auto m = store_.get_member(ws, c.who.token.account_id);
  return json_response(200, json{{"workspace_id", ws},
                                 {"owner", w.value.owner},
                                 {"record", base64_of(w.value.record)},
                                 {"seq", w.value.seq},
                                 {"role", m.ok() ? m.value.role : ""}});
}

Response Api::list_members(Ctx& c, const std::string& ws) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::read, err)) return err;
  int limit = kDefaultLimit;
  std::string cursor;
  if (!c.limit(limit, err) || !c.id_cursor(cursor, err)) return err;
  auto r = store_.list_members(ws, cursor, limit);
  if (!r.ok()) return store_error(r.status);
  json arr = json::array();
  for (auto& m : r.value) arr.push_back(json{{"account_id", m.account_id}, {"role", m.role}});
  json next = static_cast<int>(r.value.size()) == limit ? json(r.value.back().account_id) : json();
  return json_response(200, json{{"members", arr}, {"next", next}});
}

Response Api::put_member(Ctx& c, const std::string& ws, const std::string& account) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::admin, err)) return err;
  json j;
  std::string role;
  if (!parse_body(c.req, j, err) || !get_string(j, "role", role, err)) return err;
  if (role != "admin" && role != "write" && role != "read")
    return error(400, "bad_request", "role must be \"admin\", \"write\" or \"read\"");
  auto a = store_.get_account(account);
  if (!a.ok()) return store_error(a.status);
  auto w = store_.get_workspace(ws);
  if (w.ok() && w.value.owner == account && role != "admin")
    return error(403, "forbidden", "the workspace owner stays an admin");
  auto r = store_.put_member(Member{ws, account, role});
  if (!r.ok()) return store_error(r.status);
  notifier_.notify(ws, r.value);
  return json_response(200, json{{"account_id", account}, {"role", role}, {"seq", r.value}});
}

Response Api::remove_member(Ctx& c, const std::string& ws, const std::string& account) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::admin, err)) return err;
  auto w = store_.get_workspace(ws);
  if (w.ok() && w.value.owner == account)
    return error(403, "forbidden", "the workspace owner cannot be removed");
  auto r = store_.remove_member(ws, account);
  if (!r.ok()) return store_error(r.status);
  notifier_.notify(ws, r.value);
  return json_response(200, json{{"account_id", account}, {"seq", r.value}});
}

Response Api::create_collection(Ctx& c, const std::string& ws) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::admin, err)) return err;
  json j;
  std::string id;
  Bytes record;
  if (!parse_body(c.req, j, err) || !get_id(j, "collection_id", id, err) ||
      !get_b64(j, "record", kMaxRecordBytes, record, err))
    return err;
  auto r = store_.create_collection(Collection{ws, id, record});
  if (!r.ok()) return store_error(r.status);
  notifier_.notify(ws, r.value);
  return json_response(201, json{{"collection_id", id}, {"seq", r.value}});
}

Response Api::list_collections(Ctx& c, const std::string& ws) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::read, err)) return err;
  int limit = kDefaultLimit;
  std::string cursor;
  if (!c.limit(limit, err) || !c.id_cursor(cursor, err)) return err;
  auto r = store_.list_collections(ws, cursor, limit);
  if (!r.ok()) return store_error(r.status);
  const TokenRecord& t = c.who.token;
  json arr = json::array();
  for (auto& col : r.value) {
    if (t.scoped && std::find(t.collections.begin(), t.collections.end(), col.id) ==
                        t.collections.end())
      continue;
    arr.push_back(json{{"collection_id", col.id}, {"record", base64_of(col.record)}});
  }
  json next = static_cast<int>(r.value.size()) == limit ? json(r.value.back().id) : json();
  return json_response(200, json{{"collections", arr}, {"next", next}});
}

Response Api::get_collection(Ctx& c, const std::string& ws, const std::string& coll) {
  Response err;
  if (!authorize(c, ws, &coll, Need::read, err)) return err;
  auto r = store_.get_collection(ws, coll);
  if (!r.ok()) return store_error(r.status);
  return json_response(200, json{{"collection_id", coll}, {"record", base64_of(r.value.record)}});
}

Response Api::list_keys(Ctx& c, const std::string& ws, const std::string& coll) {
  Response err;
  if (!authorize(c, ws, &coll, Need::read, err)) return err;
  const TokenRecord& t = c.who.token;
  // A scoped token reads the generations wrapped to its grant's agent key.
  std::string account = t.scoped ? t.token_id : t.account_id;
  auto it = c.query.find("account");
  if (it != c.query.end() && !t.scoped) {
    if (it->second != "*" && !is_object_id(it->second)) return bad_id("account");
    if (it->second != account) {
      Response e2;
      if (!authorize(c, ws, &coll, Need::admin, e2)) return e2;
      account = it->second == "*" ? "" : it->second;
    }
  }
  auto r = store_.list_wrapped_keys(ws, coll, account);
  if (!r.ok()) return store_error(r.status);
  json arr = json::array();
  for (auto& k : r.value)
    arr.push_back(json{{"account_id", k.account_id},
                       {"generation", k.generation},
                       {"wrapped", base64_of(k.wrapped)}});
  return json_response(200, json{{"keys", arr}});
}

Response Api::put_key(Ctx& c, const std::string& ws, const std::string& coll,
                      const std::string& account, std::string_view generation) {
  Response err;
  auto gen = parse_int(generation);
  if (!gen || *gen > 0xFFFFFFFFLL) return error(400, "bad_request", "generation must be 0..2^32-1");
  if (!authorize(c, ws, &coll, Need::admin, err)) return err;
  json j;
  Bytes wrapped;
  if (!parse_body(c.req, j, err) || !get_b64(j, "wrapped", kMaxWrappedKeyBytes, wrapped, err))
    return err;
  // The recipient is a member, or an agent grant of this workspace that is not revoked.
  auto m = store_.get_member(ws, account);
  if (!m.ok() && m.status.code != Code::not_found) return store_error(m.status);
  if (!m.ok()) {
    auto g = store_.get_grant(ws, account);
    if (!g.ok() && g.status.code != Code::not_found) return store_error(g.status);
    if (!g.ok()) return error(404, "not_found", "the account is not a member and no grant has this id");
    if (!g.value.revocation.empty()) return error(403, "forbidden", "the grant was revoked");
  }
  auto r = store_.put_wrapped_key(ws, coll, WrappedKey{account, *gen, wrapped});
  if (!r.ok()) return store_error(r.status);
  notifier_.notify(ws, r.value);
  return json_response(200, json{{"account_id", account}, {"generation", *gen}, {"seq", r.value}});
}

}  // namespace zkwiki::server
