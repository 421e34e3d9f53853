// ApiClient: scoped tokens, agent grants and member lists (docs/API.md).
#include "api_client_internal.h"
#include "internal.h"

namespace zkwiki {
namespace {

using namespace api_internal;

std::string grants_path(const WorkspaceId& ws) { return "/v1/workspaces/" + ws.hex() + "/grants"; }

Result<ScopedToken> token_from(const json& e) {
  if (!e.is_object()) return make_error(Errc::malformed, "token list: bad entry");
  Fields f(e);
  ScopedToken t;
  t.id = f.id<GrantId>("token_id");
  t.read_write = f.str("access") == "read-write";
  t.not_after = static_cast<std::int64_t>(f.u64("not_after"));
  t.created = static_cast<std::int64_t>(f.u64("created"));
  t.revoked = f.boolean("revoked");
  ZKWIKI_TRY(f.done("token"));
  if (e.contains("last_used") && e["last_used"].is_number_unsigned()) t.last_used = e["last_used"].get<std::int64_t>();
  if (e.contains("collection_ids") && e["collection_ids"].is_array())
    for (const auto& c : e["collection_ids"]) {
      auto id = c.is_string() ? CollectionId::from_hex(c.get<std::string>()) : Result<CollectionId>(Error{Errc::malformed, ""});
      if (!id) return make_error(Errc::malformed, "token: bad collection id");
      t.collections.push_back(*id);
    }
  return t;
}

}  // namespace

Result<std::vector<std::pair<AccountId, std::string>>> ApiClient::list_members(const WorkspaceId& ws) {
  std::vector<std::pair<AccountId, std::string>> out;
  std::string cursor;
  while (true) {
    ZKWIKI_ASSIGN(auto r, call("GET", "/v1/workspaces/" + ws.hex() + "/members?limit=1000" +
                                          (cursor.empty() ? "" : "&cursor=" + cursor)));
    if (r.status != 200) return refused(r, "list members");
    ZKWIKI_ASSIGN(json j, parse(r, "list members"));
    if (!j.contains("members") || !j["members"].is_array()) return make_error(Errc::malformed, "list members: no 'members'");
    for (const auto& m : j["members"]) {
      if (!m.is_object()) return make_error(Errc::malformed, "list members: bad entry");
      Fields f(m);
      auto id = f.id<AccountId>("account_id");
      auto role = f.str("role");
      ZKWIKI_TRY(f.done("list members"));
      out.emplace_back(id, role);
    }
    if (!j.contains("next") || !j["next"].is_string()) break;
    cursor = j["next"].get<std::string>();
  }
  return out;
}

Result<ScopedToken> ApiClient::create_token(const WorkspaceId& ws, std::span<const CollectionId> collections,
                                            bool read_write, std::int64_t not_after) {
  json ids = json::array();
  for (const auto& c : collections) ids.push_back(c.hex());
  json body{{"workspace_id", ws.hex()}, {"collection_ids", ids}, {"access", read_write ? "read-write" : "read"},
            {"not_after", not_after}};
  ZKWIKI_ASSIGN(auto r, call("POST", "/v1/tokens", body.dump()));
  if (r.status != 201) return refused(r, "create a scoped token");
  ZKWIKI_ASSIGN(json j, parse(r, "create a scoped token"));
  ZKWIKI_ASSIGN(ScopedToken t, token_from(j));
  Fields f(j);
  t.token = f.str("token");
  ZKWIKI_TRY(f.done("create a scoped token"));
  if (t.token.size() != 68 || !t.token.starts_with("zka_"))
    return make_error(Errc::malformed, "create a scoped token: the server answered no scoped token");
  return t;
}

Result<std::vector<ScopedToken>> ApiClient::list_tokens() {
  std::vector<ScopedToken> out;
  std::string cursor;
  while (true) {
    ZKWIKI_ASSIGN(auto r, call("GET", "/v1/tokens?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    if (r.status != 200) return refused(r, "list tokens");
    ZKWIKI_ASSIGN(json j, parse(r, "list tokens"));
    if (!j.contains("tokens") || !j["tokens"].is_array()) return make_error(Errc::malformed, "list tokens: no 'tokens'");
    for (const auto& e : j["tokens"]) {
      ZKWIKI_ASSIGN(ScopedToken t, token_from(e));
      out.push_back(std::move(t));
    }
    if (!j.contains("next") || !j["next"].is_string()) break;
    cursor = j["next"].get<std::string>();
  }
  return out;
}

Result<void> ApiClient::revoke_token(const GrantId& id) {
  ZKWIKI_ASSIGN(auto r, call("DELETE", "/v1/tokens/" + id.hex()));
  if (r.status != 204) return refused(r, "revoke a token");
  return {};
}

Result<void> ApiClient::put_grant(const WorkspaceId& ws, const GrantId& id, const Ed25519Public& agent_key,
                                  std::span<const std::uint8_t> bundle) {
  json body{{"agent_key", b64(agent_key)}, {"record", b64(bundle)}};
  ZKWIKI_ASSIGN(auto r, call("PUT", grants_path(ws) + "/" + id.hex(), body.dump()));
  if (r.status != 201) return refused(r, "file a grant");
  return {};
}

Result<std::vector<GrantEntry>> ApiClient::list_grants(const WorkspaceId& ws) {
  std::vector<GrantEntry> out;
  std::string cursor;
  while (true) {
    ZKWIKI_ASSIGN(auto r, call("GET", grants_path(ws) + "?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    if (r.status != 200) return refused(r, "list grants");
    ZKWIKI_ASSIGN(json j, parse(r, "list grants"));
    if (!j.contains("grants") || !j["grants"].is_array()) return make_error(Errc::malformed, "list grants: no 'grants'");
    for (const auto& e : j["grants"]) {
      if (!e.is_object()) return make_error(Errc::malformed, "list grants: bad entry");
      Fields f(e);
      GrantEntry g;
      g.id = f.id<GrantId>("grant_id");
      g.issuer = f.id<AccountId>("issuer");
      Bytes key = f.base64("agent_key");
      g.record = f.base64("record");
      g.seq = f.u64("seq");
      ZKWIKI_TRY(f.done("list grants"));
      if (key.size() != 32) return make_error(Errc::malformed, "list grants: an agent key is not 32 bytes");
      std::copy(key.begin(), key.end(), g.agent_key.begin());
      if (e.contains("revocation") && e["revocation"].is_string()) {
        auto rv = from_base64(e["revocation"].get<std::string>());
        if (!rv) return make_error(Errc::malformed, "list grants: bad revocation");
        g.revocation = std::move(rv).value();
      }
      out.push_back(std::move(g));
    }
    if (!j.contains("next") || !j["next"].is_string()) break;
    cursor = j["next"].get<std::string>();
  }
  return out;
}

Result<void> ApiClient::revoke_grant(const WorkspaceId& ws, const GrantId& id, std::span<const std::uint8_t> revocation) {
  json body{{"revocation", b64(revocation)}};
  ZKWIKI_ASSIGN(auto r, call("POST", grants_path(ws) + "/" + id.hex() + "/revoke", body.dump()));
  if (r.status != 200) return refused(r, "revoke a grant");
  return {};
}

}  // namespace zkwiki
