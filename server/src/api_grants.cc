#include "api.h"

#include "api_internal.h"
#include "zkwiki/agent.h"

namespace zkwiki::server {

// ---------------------------------------------------------------------------------------------
// Agent grants: a sealed certificate bundle per grant, the agent key the server checks its
// writes against, and the revocation (docs/API.md).

namespace {
json grant_json(const GrantRecord& g) {
  return json{{"grant_id", g.grant_id},
              {"issuer", g.issuer},
              {"agent_key", base64_of(g.agent_key)},
              {"record", base64_of(g.record)},
              {"revocation", g.revocation.empty() ? json() : json(base64_of(g.revocation))},
              {"seq", g.seq}};
}
}  // namespace

Response Api::list_grants(Ctx& c, const std::string& ws) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::read, err)) return err;
  int limit = kDefaultLimit;
  std::string cursor;
  if (!c.limit(limit, err) || !c.id_cursor(cursor, err)) return err;
  auto r = store_.list_grants(ws, cursor, limit);
  if (!r.ok()) return store_error(r.status);
  json arr = json::array();
  for (auto& g : r.value) arr.push_back(grant_json(g));
  json next = static_cast<int>(r.value.size()) == limit ? json(r.value.back().grant_id) : json();
  return json_response(200, json{{"grants", arr}, {"next", next}});
}

Response Api::put_grant(Ctx& c, const std::string& ws, const std::string& id) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::read, err)) return err;
  if (c.who.token.scoped) return error(403, "forbidden", "scoped tokens cannot create grants");
  json j;
  Bytes agent_key, record;
  if (!parse_body(c.req, j, err) || !get_b64(j, "agent_key", 32, agent_key, err) ||
      !get_b64(j, "record", kMaxRecordBytes, record, err))
    return err;
  if (agent_key.size() != 32) return error(400, "bad_request", "agent_key must be 32 bytes");
  if (record.empty()) return error(400, "bad_request", "record must not be empty");
  // A grant belongs to a scoped token of the same id that this account made for this workspace.
  auto t = store_.find_token_id(id);
  if (!t.ok() && t.status.code != Code::not_found) return store_error(t.status);
  if (!t.ok() || !t.value.scoped || t.value.account_id != c.who.token.account_id ||
      t.value.workspace_id != ws)
    return error(404, "not_found", "no scoped token of this id was created by this account for this workspace");
  auto r = store_.put_grant(ws, GrantRecord{id, c.who.token.account_id, agent_key, record, {}, 0});
  if (!r.ok()) return store_error(r.status);
  notifier_.notify(ws, r.value);
  return json_response(201, json{{"grant_id", id}, {"seq", r.value}});
}

Response Api::revoke_grant(Ctx& c, const std::string& ws, const std::string& id) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::read, err)) return err;
  if (c.who.token.scoped) return error(403, "forbidden", "scoped tokens cannot revoke grants");
  json j;
  Bytes revocation;
  if (!parse_body(c.req, j, err) || !get_b64(j, "revocation", kRevocationBytes, revocation, err)) return err;
  auto g = store_.get_grant(ws, id);
  if (!g.ok()) return store_error(g.status);
  // The issuer revokes its own grants; an admin any grant of the workspace.
  if (g.value.issuer != c.who.token.account_id) {
    Response e2;
    if (!authorize(c, ws, nullptr, Need::admin, e2)) return e2;
  }
  auto rec = AgentRevocation::decode(as_span(revocation));
  if (!rec || rec->workspace.hex() != ws || rec->grant.hex() != id)
    return error(400, "invalid_record", "not a signed revocation of this grant");
  Response denied;
  if (!signed_by_session_account(c, rec->signer, "author_not_member",
                                 "the revocation is not signed by the session account's identity key", denied))
    return denied;
  auto r = store_.revoke_grant(ws, id, revocation);
  if (!r.ok()) return store_error(r.status);
  notifier_.notify(ws, r.value);
  return json_response(200, json{{"grant_id", id}, {"seq", r.value}});
}

}  // namespace zkwiki::server
