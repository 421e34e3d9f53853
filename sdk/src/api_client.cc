#include "zkwiki/api_client.h"

#include <nlohmann/json.hpp>

#include "api_client_internal.h"
#include "internal.h"
#include "zkwiki/encoding.h"

namespace zkwiki {
namespace {

using namespace api_internal;

std::string quoted(const Hash256& h) { return "\"" + h.hex() + "\""; }

// "blob_url" of a login or session answer: a string, or absent / null for none (older servers).
std::string blob_url_of(const json& j) {
  auto it = j.find("blob_url");
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A blob read sends no token (none is needed, and a shared cache must never see one).
HttpRequest blob_request(const Hash256& id) { return HttpRequest{"GET", "/v1/blobs/" + id.hex(), {}, {}}; }

std::string page_path(const WorkspaceId& ws, const CollectionId& c, const PageId& p) {
  return "/v1/workspaces/" + ws.hex() + "/collections/" + c.hex() + "/pages/" + p.hex();
}

}  // namespace

Error ApiClient::refused(const HttpResponse& r, std::string_view what) const {
  return http_error(r, what, refusal_advice_);
}

Result<HttpResponse> ApiClient::call(std::string method, std::string target, std::string body,
                                     std::vector<std::pair<std::string, std::string>> headers) {
  if (!token_.empty()) headers.emplace_back("Authorization", "Bearer " + token_);
  bool typed = false;
  for (const auto& [k, v] : headers) typed = typed || k == "Content-Type";
  if (!body.empty() && !typed) headers.emplace_back("Content-Type", "application/json");
  return transport_.send(HttpRequest{std::move(method), std::move(target), std::move(headers), std::move(body)});
}

Result<void> ApiClient::create_account(const AccountRecord& record) {
  json body{{"account_id", record.id.hex()}, {"login_public_key", b64(record.login_public_key)},
            {"record", b64(record.encode())}};
  ZKWIKI_ASSIGN(auto r, call("POST", "/v1/accounts", body.dump()));
  if (r.status != 201) return refused(r, "create account");
  return {};
}

Result<AccountRecord> ApiClient::get_account(const AccountId& id) {
  ZKWIKI_ASSIGN(auto r, call("GET", "/v1/accounts/" + id.hex()));
  if (r.status != 200) return refused(r, "get account");
  ZKWIKI_ASSIGN(json j, parse(r, "get account"));
  Fields f(j);
  Bytes rec = f.base64("record");
  ZKWIKI_TRY(f.done("get account"));
  ZKWIKI_ASSIGN(AccountRecord record, AccountRecord::decode(rec));
  if (record.id != id) return make_error(Errc::auth_failed, "the server returned another account's record");
  return record;
}

Result<void> ApiClient::update_account(const AccountRecord& record) {
  json body{{"login_public_key", b64(record.login_public_key)}, {"record", b64(record.encode())}};
  ZKWIKI_ASSIGN(auto r, call("PUT", "/v1/accounts/" + record.id.hex(), body.dump(),
                             {{"Content-Type", "application/json"}}));
  if (r.status != 200) return refused(r, "update account");
  return {};
}

Result<Bytes> ApiClient::challenge(const AccountId& id) {
  ZKWIKI_ASSIGN(auto c, call("POST", "/v1/auth/challenge", json{{"account_id", id.hex()}}.dump()));
  if (c.status != 200) return refused(c, "login challenge");
  ZKWIKI_ASSIGN(json cj, parse(c, "login challenge"));
  Fields cf(cj);
  Bytes challenge = cf.base64("challenge");
  ZKWIKI_TRY(cf.done("login challenge"));
  if (challenge.size() != 32) return make_error(Errc::malformed, "login challenge is not 32 bytes");
  return challenge;
}

Result<void> ApiClient::recover_account(const AccountRecord& record, const Secret& identity_secret) {
  token_.clear();
  ZKWIKI_ASSIGN(Bytes challenge, this->challenge(record.id));
  const Bytes encoded = record.encode();
  // "zkwiki recover v1" || 0x00 || account id || challenge || login public key ||
  // BLAKE2b-256(record) (docs/API.md)
  internal::ByteWriter msg(160);
  msg.bytes(internal::as_bytes("zkwiki recover v1"));
  msg.u8(0);
  msg.bytes(record.id.bytes);
  msg.bytes(challenge);
  msg.bytes(record.login_public_key);
  msg.bytes(blob_id(encoded).bytes);
  auto sig = primitives::ed25519_sign(identity_secret, msg.buffer());
  json body{{"challenge", b64(challenge)},
            {"login_public_key", b64(record.login_public_key)},
            {"record", b64(encoded)},
            {"signature", b64(sig)}};
  ZKWIKI_ASSIGN(auto r, call("POST", "/v1/accounts/" + record.id.hex() + "/recover", body.dump()));
  if (r.status != 200) return refused(r, "recover account");
  return {};
}

Result<ServerSession> ApiClient::login(const AccountId& id, const primitives::Ed25519KeyPair& login_key) {
  token_.clear();
  ZKWIKI_ASSIGN(Bytes challenge, this->challenge(id));
  // "zkwiki login v1" || 0x00 || account id || challenge (docs/API.md)
  internal::ByteWriter msg(64);
  msg.bytes(internal::as_bytes("zkwiki login v1"));
  msg.u8(0);
  msg.bytes(id.bytes);
  msg.bytes(challenge);
  auto sig = primitives::ed25519_sign(login_key.secret_key, msg.buffer());
  json body{{"account_id", id.hex()}, {"challenge", b64(challenge)}, {"signature", b64(sig)}};
  ZKWIKI_ASSIGN(auto l, call("POST", "/v1/auth/login", body.dump()));
  if (l.status != 200) return refused(l, "login");
  ZKWIKI_ASSIGN(json lj, parse(l, "login"));
  Fields lf(lj);
  ServerSession s{lf.str("token"), lf.str("token_id"), static_cast<std::int64_t>(lf.u64("expires_at")),
                  blob_url_of(lj)};
  ZKWIKI_TRY(lf.done("login"));
  token_ = s.token;
  return s;
}

Result<ServerSession> ApiClient::session() {
  ZKWIKI_ASSIGN(auto r, call("GET", "/v1/auth/session"));
  if (r.status != 200) return refused(r, "session");
  ZKWIKI_ASSIGN(json j, parse(r, "session"));
  Fields f(j);
  ServerSession s{{}, f.str("token_id"), static_cast<std::int64_t>(f.u64("expires_at")), blob_url_of(j)};
  ZKWIKI_TRY(f.done("session"));
  return s;
}

Result<void> ApiClient::logout() {
  ZKWIKI_ASSIGN(auto r, call("POST", "/v1/auth/logout"));
  if (r.status != 204) return refused(r, "logout");
  token_.clear();
  return {};
}

Result<void> ApiClient::create_workspace(const WorkspaceId& ws, std::span<const std::uint8_t> record) {
  ZKWIKI_ASSIGN(auto r, call("POST", "/v1/workspaces", json{{"workspace_id", ws.hex()}, {"record", b64(record)}}.dump()));
  if (r.status != 201) return refused(r, "create workspace");
  return {};
}

Result<Bytes> ApiClient::get_workspace_record(const WorkspaceId& ws) {
  ZKWIKI_ASSIGN(auto r, call("GET", "/v1/workspaces/" + ws.hex()));
  if (r.status != 200) return refused(r, "get workspace");
  ZKWIKI_ASSIGN(json j, parse(r, "get workspace"));
  Fields f(j);
  Bytes rec = f.base64("record");
  ZKWIKI_TRY(f.done("get workspace"));
  return rec;
}

Result<std::vector<WorkspaceId>> ApiClient::list_workspaces() {
  std::vector<WorkspaceId> out;
  std::string cursor;
  do {
    ZKWIKI_ASSIGN(auto r, call("GET", "/v1/workspaces?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    if (r.status != 200) return refused(r, "list workspaces");
    ZKWIKI_ASSIGN(json j, parse(r, "list workspaces"));
    if (!j.contains("workspaces") || !j["workspaces"].is_array())
      return make_error(Errc::malformed, "list workspaces: no 'workspaces' array");
    for (const auto& w : j["workspaces"]) {
      if (!w.is_object()) return make_error(Errc::malformed, "list workspaces: bad entry");
      Fields f(w);
      out.push_back(f.id<WorkspaceId>("workspace_id"));
      ZKWIKI_TRY(f.done("list workspaces"));
    }
    cursor = j.contains("next") && j["next"].is_string() ? j["next"].get<std::string>() : "";
  } while (!cursor.empty());
  return out;
}

Result<void> ApiClient::put_member(const WorkspaceId& ws, const AccountId& member, std::string_view role) {
  ZKWIKI_ASSIGN(auto r, call("PUT", "/v1/workspaces/" + ws.hex() + "/members/" + member.hex(),
                             json{{"role", std::string(role)}}.dump(), {{"Content-Type", "application/json"}}));
  if (r.status != 200) return refused(r, "add member");
  return {};
}

Result<void> ApiClient::remove_member(const WorkspaceId& ws, const AccountId& member) {
  ZKWIKI_ASSIGN(auto r, call("DELETE", "/v1/workspaces/" + ws.hex() + "/members/" + member.hex()));
  if (r.status != 200) return refused(r, "remove member");
  return {};
}

Result<void> ApiClient::create_collection(const WorkspaceId& ws, const CollectionId& c,
                                          std::span<const std::uint8_t> record) {
  ZKWIKI_ASSIGN(auto r, call("POST", "/v1/workspaces/" + ws.hex() + "/collections",
                             json{{"collection_id", c.hex()}, {"record", b64(record)}}.dump()));
  if (r.status != 201) return refused(r, "create collection");
  return {};
}

Result<std::vector<std::pair<CollectionId, Bytes>>> ApiClient::list_collections(const WorkspaceId& ws) {
  std::vector<std::pair<CollectionId, Bytes>> out;
  std::string cursor;
  do {
    ZKWIKI_ASSIGN(auto r, call("GET", "/v1/workspaces/" + ws.hex() + "/collections?limit=1000" +
                                          (cursor.empty() ? "" : "&cursor=" + cursor)));
    if (r.status != 200) return refused(r, "list collections");
    ZKWIKI_ASSIGN(json j, parse(r, "list collections"));
    if (!j.contains("collections") || !j["collections"].is_array())
      return make_error(Errc::malformed, "list collections: no 'collections' array");
    for (const auto& e : j["collections"]) {
      if (!e.is_object()) return make_error(Errc::malformed, "list collections: bad entry");
      Fields f(e);
      auto id = f.id<CollectionId>("collection_id");
      auto rec = f.base64("record");
      ZKWIKI_TRY(f.done("list collections"));
      out.emplace_back(id, std::move(rec));
    }
    cursor = j.contains("next") && j["next"].is_string() ? j["next"].get<std::string>() : "";
  } while (!cursor.empty());
  return out;
}

Result<void> ApiClient::put_wrapped_key(const WorkspaceId& ws, const CollectionId& c, const AccountId& member,
                                        std::uint32_t generation, std::span<const std::uint8_t> wrapped) {
  ZKWIKI_ASSIGN(auto r, call("PUT",
                             "/v1/workspaces/" + ws.hex() + "/collections/" + c.hex() + "/keys/" + member.hex() + "/" +
                                 std::to_string(generation),
                             json{{"wrapped", b64(wrapped)}}.dump(), {{"Content-Type", "application/json"}}));
  if (r.status != 200) return refused(r, "store wrapped key");
  return {};
}

Result<std::vector<WrappedKeyEntry>> ApiClient::list_wrapped_keys(const WorkspaceId& ws, const CollectionId& c) {
  ZKWIKI_ASSIGN(auto r, call("GET", "/v1/workspaces/" + ws.hex() + "/collections/" + c.hex() + "/keys"));
  if (r.status != 200) return refused(r, "list wrapped keys");
  ZKWIKI_ASSIGN(json j, parse(r, "list wrapped keys"));
  if (!j.contains("keys") || !j["keys"].is_array()) return make_error(Errc::malformed, "list wrapped keys: no 'keys'");
  std::vector<WrappedKeyEntry> out;
  for (const auto& e : j["keys"]) {
    if (!e.is_object()) return make_error(Errc::malformed, "list wrapped keys: bad entry");
    Fields f(e);
    WrappedKeyEntry k{f.id<AccountId>("account_id"), static_cast<std::uint32_t>(f.u64("generation")),
                      f.base64("wrapped")};
    ZKWIKI_TRY(f.done("list wrapped keys"));
    out.push_back(std::move(k));
  }
  return out;
}

Result<PageHead> ApiClient::get_head(const WorkspaceId& ws, const CollectionId& c, const PageId& p) {
  ZKWIKI_ASSIGN(auto r, call("GET", page_path(ws, c, p)));
  if (r.status != 200) return refused(r, "get page head");
  ZKWIKI_ASSIGN(json j, parse(r, "get page head"));
  Fields f(j);
  PageHead h{p, f.id<Hash256>("revision"), f.base64("record"), f.u64("seq")};
  ZKWIKI_TRY(f.done("get page head"));
  if (blob_id(h.record) != h.revision)
    return make_error(Errc::auth_failed, "page head: the record does not hash to the revision named");
  return h;
}

Result<PutHeadOutcome> ApiClient::put_head(const WorkspaceId& ws, const CollectionId& c, const PageId& p,
                                           std::span<const std::uint8_t> record,
                                           const std::optional<Hash256>& expected) {
  json body{{"revision", blob_id(record).hex()}, {"record", b64(record)}};
  std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
  if (expected) headers.emplace_back("If-Match", quoted(*expected));
  else headers.emplace_back("If-None-Match", "*");
  ZKWIKI_ASSIGN(auto r, call("PUT", page_path(ws, c, p), body.dump(), std::move(headers)));
  PutHeadOutcome out;
  if (r.status == 200 || r.status == 201) {
    ZKWIKI_ASSIGN(json j, parse(r, "write page head"));
    Fields f(j);
    out.accepted = true;
    out.seq = f.u64("seq");
    ZKWIKI_TRY(f.done("write page head"));
    return out;
  }
  if (r.status != 412) return refused(r, "write page head");
  ZKWIKI_ASSIGN(json j, parse(r, "write page head"));
  if (j.contains("current") && j["current"].is_object()) {
    Fields f(j["current"]);
    out.current = f.id<Hash256>("revision");
    out.current_seq = f.u64("seq");
    ZKWIKI_TRY(f.done("write page head (412)"));
  }
  return out;
}

Result<std::vector<Hash256>> ApiClient::list_revisions(const WorkspaceId& ws, const CollectionId& c, const PageId& p) {
  std::vector<Hash256> out;
  std::string cursor;
  do {
    ZKWIKI_ASSIGN(auto r, call("GET", page_path(ws, c, p) + "/revisions?limit=1000" +
                                          (cursor.empty() ? "" : "&cursor=" + cursor)));
    if (r.status != 200) return refused(r, "list revisions");
    ZKWIKI_ASSIGN(json j, parse(r, "list revisions"));
    if (!j.contains("revisions") || !j["revisions"].is_array())
      return make_error(Errc::malformed, "list revisions: no 'revisions' array");
    for (const auto& e : j["revisions"]) {
      if (!e.is_object()) return make_error(Errc::malformed, "list revisions: bad entry");
      Fields f(e);
      out.push_back(f.id<Hash256>("revision"));
      ZKWIKI_TRY(f.done("list revisions"));
    }
    cursor = j.contains("next") && !j["next"].is_null() ? j["next"].dump() : "";
    if (!cursor.empty() && cursor.front() == '"') cursor = j["next"].get<std::string>();
  } while (!cursor.empty());
  return out;
}

Result<Bytes> ApiClient::get_revision(const WorkspaceId& ws, const CollectionId& c, const PageId& p,
                                      const Hash256& rev) {
  ZKWIKI_ASSIGN(auto r, call("GET", page_path(ws, c, p) + "/revisions/" + rev.hex()));
  if (r.status != 200) return refused(r, "get revision");
  ZKWIKI_ASSIGN(json j, parse(r, "get revision"));
  Fields f(j);
  Bytes rec = f.base64("record");
  ZKWIKI_TRY(f.done("get revision"));
  if (blob_id(rec) != rev) return make_error(Errc::auth_failed, "revision record does not hash to its id");
  return rec;
}

Result<std::vector<std::optional<Bytes>>> ApiClient::get_revisions(const WorkspaceId& ws,
                                                                   std::span<const RevisionRef> refs) {
  constexpr std::size_t kPerRequest = 1000;  // the server's limit (docs/API.md)
  std::vector<std::optional<Bytes>> out(refs.size());
  std::vector<std::size_t> pending(refs.size());
  for (std::size_t i = 0; i < refs.size(); ++i) pending[i] = i;
  while (!pending.empty()) {
    const std::size_t n = std::min(pending.size(), kPerRequest);
    json list = json::array();
    for (std::size_t k = 0; k < n; ++k) {
      const RevisionRef& r = refs[pending[k]];
      list.push_back({{"collection_id", r.collection.hex()}, {"page_id", r.page.hex()}, {"revision", r.revision.hex()}});
    }
    ZKWIKI_ASSIGN(auto r, call("POST", "/v1/workspaces/" + ws.hex() + "/revisions/batch",
                               json{{"revisions", list}}.dump()));
    if (r.status != 200) return refused(r, "batch revision fetch");
    ZKWIKI_ASSIGN(json j, parse(r, "batch revision fetch"));
    auto it = j.find("revisions");
    if (it == j.end() || !it->is_array() || it->size() != n)
      return make_error(Errc::malformed, "batch revision fetch: the answer does not list every revision asked for");
    std::vector<std::size_t> omitted;
    for (std::size_t k = 0; k < n; ++k) {
      const json& e = (*it)[k];
      if (!e.is_object()) return make_error(Errc::malformed, "batch revision fetch: bad entry");
      const RevisionRef& want = refs[pending[k]];
      Fields f(e);
      if (f.id<CollectionId>("collection_id") != want.collection || f.id<PageId>("page_id") != want.page ||
          f.id<Hash256>("revision") != want.revision)
        return make_error(Errc::malformed, "batch revision fetch: entries out of order");
      const std::string status = f.str("status");
      ZKWIKI_TRY(f.done("batch revision fetch"));
      if (status == "ok") {
        Bytes rec = f.base64("record");
        ZKWIKI_TRY(f.done("batch revision fetch"));
        if (blob_id(rec) != want.revision)
          return make_error(Errc::auth_failed, "revision " + want.revision.hex() + " does not hash to its id");
        out[pending[k]] = std::move(rec);
      } else if (status == "omitted") {
        omitted.push_back(pending[k]);
      } else if (status != "not_found") {
        return make_error(Errc::malformed, "batch revision fetch: unknown status \"" + status + "\"");
      }
    }
    // A server that omits everything would never finish: it must send at least one.
    if (omitted.size() == n) return make_error(Errc::malformed, "batch revision fetch: the server sent none");
    omitted.insert(omitted.end(), pending.begin() + static_cast<std::ptrdiff_t>(n), pending.end());
    pending = std::move(omitted);
  }
  return out;
}

Result<std::vector<PageHead>> ApiClient::list_pages(const WorkspaceId& ws, const CollectionId& c) {
  std::vector<PageHead> out;
  std::string cursor;
  do {
    ZKWIKI_ASSIGN(auto r, call("GET", "/v1/workspaces/" + ws.hex() + "/collections/" + c.hex() + "/pages?limit=1000" +
                                          (cursor.empty() ? "" : "&cursor=" + cursor)));
    if (r.status != 200) return refused(r, "list pages");
    ZKWIKI_ASSIGN(json j, parse(r, "list pages"));
    if (!j.contains("pages") || !j["pages"].is_array()) return make_error(Errc::malformed, "list pages: no 'pages'");
    for (const auto& e : j["pages"]) {
      if (!e.is_object()) return make_error(Errc::malformed, "list pages: bad entry");
      Fields f(e);
      out.push_back(PageHead{f.id<PageId>("page_id"), f.id<Hash256>("revision"), {}, f.u64("seq")});
      ZKWIKI_TRY(f.done("list pages"));
    }
    cursor = j.contains("next") && j["next"].is_string() ? j["next"].get<std::string>() : "";
  } while (!cursor.empty());
  return out;
}

Result<ChangeBatch> ApiClient::changes(const WorkspaceId& ws, std::uint64_t since, std::uint32_t limit) {
  ZKWIKI_ASSIGN(auto r, call("GET", "/v1/workspaces/" + ws.hex() + "/changes?since=" + std::to_string(since) +
                                        "&limit=" + std::to_string(limit)));
  if (r.status != 200) return refused(r, "change feed");
  ZKWIKI_ASSIGN(json j, parse(r, "change feed"));
  if (!j.contains("changes") || !j["changes"].is_array()) return make_error(Errc::malformed, "change feed: no 'changes'");
  ChangeBatch b;
  for (const auto& e : j["changes"]) {
    if (!e.is_object()) return make_error(Errc::malformed, "change feed: bad entry");
    Fields f(e);
    Change ch;
    ch.seq = f.u64("seq");
    ch.kind = f.str("kind");
    if (ch.kind == "page") {
      ch.collection = f.id<CollectionId>("collection_id");
      ch.page = f.id<PageId>("page_id");
      ch.revision = f.id<Hash256>("revision");
    } else if (ch.kind == "collection") {
      ch.collection = f.id<CollectionId>("collection_id");
    } else if (ch.kind == "member") {
      ch.account = f.id<AccountId>("account_id");
    } else if (ch.kind == "grant") {
      ch.grant = f.id<GrantId>("grant_id");
    } else if (ch.kind == "key") {
      ch.collection = f.id<CollectionId>("collection_id");
      ch.account = f.id<AccountId>("account_id");
      ch.generation = static_cast<std::uint32_t>(f.u64("generation"));
    }
    ZKWIKI_TRY(f.done("change feed"));
    b.changes.push_back(std::move(ch));
  }
  Fields f(j);
  b.next = f.u64("next");
  ZKWIKI_TRY(f.done("change feed"));
  b.more = j.contains("more") && j["more"].is_boolean() && j["more"].get<bool>();
  return b;
}

Result<std::vector<CreatePageOutcome>> ApiClient::create_pages(const WorkspaceId& ws, const CollectionId& c,
                                                               std::span<const NewPageUpload> pages) {
  // Frames: page id[16] | record length u32 big-endian | record | blob length u32 | blob
  // (docs/API.md, "Creating many pages").
  std::string body;
  std::size_t total = 0;
  for (const auto& p : pages) total += 24 + p.record.size() + p.envelope.size();
  body.reserve(total);
  auto put_u32 = [&](std::size_t n) {
    for (int shift = 24; shift >= 0; shift -= 8) body.push_back(static_cast<char>((n >> shift) & 0xff));
  };
  auto put_bytes = [&](std::span<const std::uint8_t> b) {
    body.append(reinterpret_cast<const char*>(b.data()), b.size());
  };
  for (const auto& p : pages) {
    put_bytes(p.page.bytes);
    put_u32(p.record.size());
    put_bytes(p.record);
    put_u32(p.envelope.size());
    put_bytes(p.envelope);
  }
  ZKWIKI_ASSIGN(auto r, call("POST", "/v1/workspaces/" + ws.hex() + "/collections/" + c.hex() + "/pages",
                             std::move(body), {{"Content-Type", "application/vnd.zkwiki.page-batch"}}));
  if (r.status != 200) return refused(r, "create pages");
  ZKWIKI_ASSIGN(json j, parse(r, "create pages"));
  if (!j.contains("pages") || !j["pages"].is_array() || j["pages"].size() != pages.size())
    return make_error(Errc::malformed, "create pages: the answer does not list every page");
  std::vector<CreatePageOutcome> out;
  out.reserve(pages.size());
  for (std::size_t i = 0; i < pages.size(); ++i) {
    Fields f(j["pages"][i]);
    PageId id = f.id<PageId>("page_id");
    CreatePageOutcome o;
    o.created = f.boolean("created");
    o.head = f.id<Hash256>("revision");
    o.seq = f.u64("seq");
    ZKWIKI_TRY(f.done("create pages"));
    if (id != pages[i].page) return make_error(Errc::malformed, "create pages: answers out of order");
    if (o.created && o.head != blob_id(pages[i].record))
      return make_error(Errc::malformed, "create pages: the server names another revision as created");
    out.push_back(o);
  }
  return out;
}

Result<Hash256> ApiClient::put_blob(const WorkspaceId& ws, std::span<const std::uint8_t> bytes) {
  Hash256 id = blob_id(bytes);
  ZKWIKI_ASSIGN(auto r, call("PUT", "/v1/workspaces/" + ws.hex() + "/blobs/" + id.hex(),
                             std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                             {{"Content-Type", "application/octet-stream"}}));
  if (r.status != 200 && r.status != 201) return refused(r, "upload blob");
  return id;
}

std::optional<Bytes> ApiClient::blob_from_cache(const Hash256& id) {
  if (blob_transport_ == nullptr) return std::nullopt;
  auto r = blob_transport_->send(blob_request(id));
  if (!r) {
    blob_transport_ = nullptr;  // the cache does not answer: read from the server from now on
    return std::nullopt;
  }
  if (r->status != 200) return std::nullopt;
  Bytes b(r->body.begin(), r->body.end());
  if (blob_id(b) != id) return std::nullopt;  // a poisoned or broken cache: the server decides
  return b;
}

Result<Bytes> ApiClient::get_blob(const Hash256& id) {
  if (auto cached = blob_from_cache(id)) return std::move(*cached);
  ZKWIKI_ASSIGN(auto r, transport_.send(blob_request(id)));
  if (r.status != 200) return refused(r, "get blob");
  Bytes b(r.body.begin(), r.body.end());
  if (blob_id(b) != id) return make_error(Errc::auth_failed, "blob " + id.hex() + " does not hash to its id");
  return b;
}

Result<std::vector<std::optional<Bytes>>> ApiClient::get_blobs(std::span<const Hash256> ids) {
  std::vector<std::optional<Bytes>> out(ids.size());
  std::vector<Hash256> rest;
  std::vector<std::size_t> rest_at;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (auto cached = blob_from_cache(ids[i])) {
      out[i] = std::move(*cached);
    } else {
      rest.push_back(ids[i]);
      rest_at.push_back(i);
    }
  }
  if (rest.empty()) return out;
  ZKWIKI_ASSIGN(auto from_server, batch_from_server(rest));
  for (std::size_t k = 0; k < rest.size(); ++k) out[rest_at[k]] = std::move(from_server[k]);
  return out;
}

Result<std::vector<std::optional<Bytes>>> ApiClient::batch_from_server(std::span<const Hash256> ids) {
  std::vector<std::optional<Bytes>> out(ids.size());
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < ids.size(); ++i) pending.push_back(i);
  while (!pending.empty()) {
    std::size_t n = std::min<std::size_t>(pending.size(), 1000);
    json list = json::array();
    for (std::size_t k = 0; k < n; ++k) list.push_back(ids[pending[k]].hex());
    ZKWIKI_ASSIGN(auto r, call("POST", "/v1/blobs/batch", json{{"ids", list}}.dump()));
    if (r.status != 200) return refused(r, "batch blob fetch");
    // Frames: id[32] | status u8 | length u32 big-endian | bytes (docs/API.md).
    std::span<const std::uint8_t> body(reinterpret_cast<const std::uint8_t*>(r.body.data()), r.body.size());
    std::vector<std::size_t> again;
    std::size_t at = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (body.size() - at < 37) return make_error(Errc::truncated, "batch blob fetch: answer cut short");
      const Hash256& want = ids[pending[k]];
      if (!std::equal(want.bytes.begin(), want.bytes.end(), body.begin() + static_cast<std::ptrdiff_t>(at)))
        return make_error(Errc::malformed, "batch blob fetch: frames out of order");
      std::uint8_t status = body[at + 32];
      std::uint32_t len = std::uint32_t{body[at + 33]} << 24 | std::uint32_t{body[at + 34]} << 16 |
                          std::uint32_t{body[at + 35]} << 8 | body[at + 36];
      at += 37;
      if (body.size() - at < len) return make_error(Errc::truncated, "batch blob fetch: blob cut short");
      if (status == 0) {
        Bytes b(body.begin() + static_cast<std::ptrdiff_t>(at), body.begin() + static_cast<std::ptrdiff_t>(at + len));
        if (blob_id(b) != want) return make_error(Errc::auth_failed, "blob " + want.hex() + " does not hash to its id");
        out[pending[k]] = std::move(b);
      } else if (status == 2) {
        again.push_back(pending[k]);
      } else if (status != 1) {
        return make_error(Errc::malformed, "batch blob fetch: unknown frame status");
      }
      at += len;
    }
    if (at != body.size()) return make_error(Errc::trailing_data, "batch blob fetch: bytes after the last frame");
    if (again.size() == pending.size() && n == pending.size()) break;  // no progress: leave them missing
    again.insert(again.end(), pending.begin() + static_cast<std::ptrdiff_t>(n), pending.end());
    pending.swap(again);
  }
  return out;
}

}  // namespace zkwiki
