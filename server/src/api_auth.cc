#include "api.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <span>
#include <string_view>

#include "api_internal.h"
#include "zkwiki/account.h"
#include "zkwiki/primitives.h"

namespace zkwiki::server {

namespace {

constexpr std::int64_t kMaxTokenLifetime = 366LL * 24 * 3600;
constexpr std::size_t kMaxChallenges = 100000;
constexpr std::size_t kMaxScopeCollections = 64;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Authentication

bool Api::authenticate(Ctx& c, Response& out) {
  std::string_view h = c.req.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.empty()) {
    out = error(401, "unauthorized", "missing bearer token");
    return false;
  }
  if (h.substr(0, kBearer.size()) != kBearer) {
    out = error(401, "unauthorized", "the Authorization header must be \"Bearer <token>\"");
    return false;
  }
  std::string_view tok = h.substr(kBearer.size());
  const bool scoped = tok.substr(0, 4) == "zka_";
  if (tok.size() != 4 + 64 || !(scoped || tok.substr(0, 4) == "zks_")) {
    out = error(401, "unauthorized", "malformed token");
    return false;
  }
  auto raw = id_bytes(tok.substr(4));
  if (!raw) {
    out = error(401, "unauthorized", "malformed token");
    return false;
  }
  const Bytes hash = hash_raw(*raw);
  auto t = store_.find_token(hash);
  if (!t.ok()) {
    out = t.status.code == Code::not_found ? error(401, "unauthorized", "unknown token")
                                            : store_error(t.status);
    return false;
  }
  // The lookup is by hash; the comparison of the stored hash is constant-time regardless.
  if (!ct_equal(t.value.hash, hash) || t.value.scoped != scoped) {
    out = error(401, "unauthorized", "unknown token");
    return false;
  }
  if (t.value.revoked) {
    out = error(401, "unauthorized", "the token was revoked");
    return false;
  }
  if (t.value.not_after <= now()) {
    out = error(401, "unauthorized", "the token expired");
    return false;
  }
  if (t.value.scoped) {
    std::lock_guard lock(auth_mu_);
    last_used_[t.value.token_id] = now();
  }
  c.who.token = std::move(t.value);
  c.who.valid = true;
  return true;
}

bool Api::signed_by_session_account(const Ctx& c, const std::array<std::uint8_t, 32>& key, std::string_view code,
                                    std::string_view message, Response& err) {
  auto a = store_.get_account(c.who.token.account_id);
  if (!a.ok()) {
    err = store_error(a.status);
    return false;
  }
  auto account = AccountRecord::decode(as_span(a.value.record));
  if (!account || account->public_keys.ed25519 != key) {
    err = error(403, code, message);
    return false;
  }
  return true;
}

bool Api::authorize(Ctx& c, const std::string& ws, const std::string* coll, Need need,
                    Response& out) {
  if (!c.who.valid && !authenticate(c, out)) return false;
  const TokenRecord& t = c.who.token;
  if (t.scoped) {
    if (t.workspace_id != ws) {
      out = error(403, "forbidden", "the token is not valid for this workspace");
      return false;
    }
    if (need == Need::admin) {
      out = error(403, "forbidden", "scoped tokens cannot administer a workspace");
      return false;
    }
    if (need == Need::write && !t.can_write) {
      out = error(403, "forbidden", "the token is read-only");
      return false;
    }
    if (coll && std::find(t.collections.begin(), t.collections.end(), *coll) ==
                    t.collections.end()) {
      out = error(403, "forbidden", "the collection is outside the token's scope");
      return false;
    }
  }
  auto w = store_.get_workspace(ws);
  if (!w.ok()) {
    out = store_error(w.status);
    return false;
  }
  // Membership governs both kinds of tokens: a scoped token never exceeds its creator.
  auto m = store_.get_member(ws, t.account_id);
  if (!m.ok()) {
    out = m.status.code == Code::not_found
              ? error(403, "forbidden", "not a member of this workspace")
              : store_error(m.status);
    return false;
  }
  const std::string& role = m.value.role;
  if ((need == Need::admin && role != "admin") ||
      (need == Need::write && role != "admin" && role != "write")) {
    out = error(403, "forbidden", "the member's role does not allow this");
    return false;
  }
  return true;
}

std::string canonical_ip(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return "";
  const std::string s(text);
  unsigned char bin[sizeof(in6_addr)];
  char out[INET6_ADDRSTRLEN];
  for (int family : {AF_INET, AF_INET6})
    if (inet_pton(family, s.c_str(), bin) == 1 && inet_ntop(family, bin, out, sizeof out)) return out;
  return "";
}

std::string Api::client_address(const Request& req) const {
  const auto& trusted = config_.trusted_proxies;
  auto is_trusted = [&](const std::string& a) { return std::find(trusted.begin(), trusted.end(), a) != trusted.end(); };
  if (trusted.empty() || !is_trusted(req.remote)) return req.remote;
  // Each proxy appends the address it was reached from, so the list reads client first, nearest
  // proxy last. Only the entries our proxies appended can be believed: walking from the right,
  // the first one that is not a trusted proxy is the client; what is left of it came from the
  // client itself and may be forged. A malformed entry ends the walk at the last proxy known.
  std::string forwarded;
  for (const auto& [name, value] : req.headers)
    if (name == "x-forwarded-for") forwarded += (forwarded.empty() ? "" : ",") + value;
  std::string client = req.remote;
  std::string_view rest = forwarded;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const std::string ip = canonical_ip(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    if (ip.empty()) break;
    client = ip;
    if (!is_trusted(ip)) break;
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
  }
  return client;
}

bool Api::rate_limited(const std::string& key, int limit, std::int64_t t, std::int64_t* retry) {
  auto it = failures_.find(key);
  if (it == failures_.end()) return false;
  if (t - it->second.window_start >= config_.login_failure_window) {
    failures_.erase(it);
    return false;
  }
  if (it->second.count < limit) return false;
  *retry = it->second.window_start + config_.login_failure_window - t;
  return true;
}

bool Api::throttled(const Ctx& c, const std::string& account, std::int64_t t, Response& out) {
  std::lock_guard lock(auth_mu_);
  std::int64_t retry = 0;
  if (!rate_limited("a:" + account, config_.login_failures_per_account, t, &retry) &&
      !rate_limited("c:" + client_address(c.req), config_.login_failures_per_client, t, &retry))
    return false;
  out = error(429, "rate_limited", "too many failed attempts; retry later");
  out.set("Retry-After", std::to_string(std::max<std::int64_t>(retry, 1)));
  return true;
}

void Api::count_failure(const Ctx& c, const std::string& account, std::int64_t t) {
  std::lock_guard lock(auth_mu_);
  record_failure("a:" + account, t);
  record_failure("c:" + client_address(c.req), t);
}

bool Api::take_challenge(const Bytes& challenge, const std::string& account, std::int64_t t) {
  std::lock_guard lock(auth_mu_);
  auto it = challenges_.find(challenge);
  if (it == challenges_.end()) return false;
  const bool ok = it->second.account_id == account && it->second.expires > t;
  challenges_.erase(it);  // single use, whatever the outcome
  return ok;
}

void Api::record_failure(const std::string& key, std::int64_t t) {
  if (failures_.size() > kMaxChallenges) {
    for (auto it = failures_.begin(); it != failures_.end();)
      it = t - it->second.window_start >= config_.login_failure_window ? failures_.erase(it)
                                                                         : std::next(it);
  }
  auto& f = failures_[key];
  if (f.count == 0 || t - f.window_start >= config_.login_failure_window) {
    f.count = 0;
    f.window_start = t;
  }
  ++f.count;
}

// ---------------------------------------------------------------------------------------------
// Health, login, tokens

Response Api::health(Ctx&) {
  Status s = store_.ping();
  if (!s.ok()) return error(503, "unavailable", "storage is not answering");
  return json_response(200, json{{"status", "ok"}, {"storage", "ok"}});
}

Response Api::challenge(Ctx& c) {
  json j;
  Response err;
  std::string id;
  if (!parse_body(c.req, j, err) || !get_id(j, "account_id", id, err)) return err;
  auto a = store_.get_account(id);
  if (!a.ok()) return store_error(a.status);
  const std::int64_t t = now();
  Bytes ch(32, '\0');
  primitives::random_bytes(std::span(reinterpret_cast<std::uint8_t*>(ch.data()), ch.size()));
  {
    std::lock_guard lock(auth_mu_);
    if (challenges_.size() >= kMaxChallenges) {
      for (auto it = challenges_.begin(); it != challenges_.end();)
        it = it->second.expires <= t ? challenges_.erase(it) : std::next(it);
      if (challenges_.size() >= kMaxChallenges)
        return error(503, "unavailable", "too many pending challenges; retry later");
    }
    challenges_[ch] = PendingChallenge{id, t + config_.challenge_ttl};
  }
  return json_response(200, json{{"challenge", base64_of(ch)},
                                 {"expires_in", config_.challenge_ttl}});
}

namespace {
// Where clients read blobs (docs/API.md "Reading blobs through a cache"): null means here.
json blob_url_json(const Config& config) {
  return config.public_url.empty() ? json() : json(config.public_url);
}
}  // namespace

Response Api::login(Ctx& c) {
  json j;
  Response err;
  std::string id;
  Bytes ch, sig;
  if (!parse_body(c.req, j, err) || !get_id(j, "account_id", id, err) ||
      !get_b64(j, "challenge", 32, ch, err) || !get_b64(j, "signature", 64, sig, err))
    return err;
  const std::int64_t t = now();
  if (throttled(c, id, t, err)) return err;
  auto fail = [&](std::string_view msg) {
    count_failure(c, id, t);
    return error(401, "login_failed", msg);
  };
  if (!take_challenge(ch, id, t)) return fail("unknown, used or expired challenge");
  auto a = store_.get_account(id);
  if (!a.ok()) return a.status.code == Code::not_found ? fail("unknown account") : store_error(a.status);
  std::string msg(kLoginContext);
  msg += *id_bytes(id);
  msg += ch;
  if (!primitives::ed25519_verify(as_span(a.value.login_public_key), as_span(msg), as_span(sig)))
    return fail("bad signature");

  IssuedToken issued = issue_token("zks_");
  TokenRecord tr;
  tr.hash = issued.hash;
  tr.token_id = random_object_id();
  tr.account_id = id;
  tr.scoped = false;
  tr.not_after = t + config_.session_ttl;
  tr.created = t;
  Status s = store_.put_token(tr);
  if (!s.ok()) return store_error(s);
  return json_response(200, json{{"token", issued.text},
                                 {"token_id", tr.token_id},
                                 {"account_id", id},
                                 {"expires_at", tr.not_after},
                                 {"blob_url", blob_url_json(config_)}});
}

Response Api::logout(Ctx& c) {
  Response err;
  if (!authenticate(c, err)) return err;
  Status s = store_.revoke_token_hash(c.who.token.hash);
  if (!s.ok()) return store_error(s);
  Response r;
  r.status = 204;
  return r;
}

Response Api::session(Ctx& c) {
  Response err;
  if (!authenticate(c, err)) return err;
  const TokenRecord& t = c.who.token;
  json j{{"account_id", t.account_id}, {"token_id", t.token_id}, {"scoped", t.scoped},
         {"expires_at", t.not_after}, {"blob_url", blob_url_json(config_)}};
  if (t.scoped) {
    j["workspace_id"] = t.workspace_id;
    j["collection_ids"] = t.collections;
    j["access"] = t.can_write ? "read-write" : "read";
  }
  return json_response(200, j);
}

namespace {
json token_json(const TokenRecord& t, std::optional<std::int64_t> last_used = std::nullopt) {
  return json{{"token_id", t.token_id},         {"workspace_id", t.workspace_id},
              {"collection_ids", t.collections}, {"access", t.can_write ? "read-write" : "read"},
              {"not_after", t.not_after},        {"created", t.created},
              {"revoked", t.revoked},            {"last_used", last_used ? json(*last_used) : json()}};
}
}  // namespace

Response Api::create_token(Ctx& c) {
  Response err;
  if (!authenticate(c, err)) return err;
  if (c.who.token.scoped) return error(403, "forbidden", "scoped tokens cannot create tokens");
  json j;
  std::string ws, access;
  if (!parse_body(c.req, j, err) || !get_id(j, "workspace_id", ws, err) ||
      !get_string(j, "access", access, err))
    return err;
  if (access != "read" && access != "read-write")
    return error(400, "bad_request", "access must be \"read\" or \"read-write\"");
  auto cit = j.find("collection_ids");
  if (cit == j.end()) return error(400, "missing_field", "missing field \"collection_ids\"");
  if (!cit->is_array() || cit->empty() || cit->size() > kMaxScopeCollections)
    return error(400, "wrong_type", "collection_ids must be an array of 1..64 ids");
  std::vector<std::string> colls;
  for (auto& e : *cit) {
    if (!e.is_string() || !is_object_id(e.get<std::string>()))
      return error(400, "invalid_id", "collection_ids must hold 32-hex-character ids");
    colls.push_back(e.get<std::string>());
  }
  std::sort(colls.begin(), colls.end());
  colls.erase(std::unique(colls.begin(), colls.end()), colls.end());
  auto nit = j.find("not_after");
  if (nit == j.end()) return error(400, "missing_field", "missing field \"not_after\"");
  if (!nit->is_number_integer()) return error(400, "wrong_type", "not_after must be an integer");
  const std::int64_t not_after = nit->get<std::int64_t>();
  const std::int64_t t = now();
  if (not_after <= t || not_after > t + kMaxTokenLifetime)
    return error(400, "bad_request", "not_after must be in the future and within a year");
  const bool can_write = access == "read-write";
  if (!authorize(c, ws, nullptr, can_write ? Need::write : Need::read, err)) return err;
  for (auto& coll : colls) {
    auto col = store_.get_collection(ws, coll);
    if (!col.ok()) return store_error(col.status);
  }
  IssuedToken issued = issue_token("zka_");
  TokenRecord tr;
  tr.hash = issued.hash;
  tr.token_id = random_object_id();
  tr.account_id = c.who.token.account_id;
  tr.scoped = true;
  tr.workspace_id = ws;
  tr.collections = colls;
  tr.can_write = can_write;
  tr.not_after = not_after;
  tr.created = t;
  Status s = store_.put_token(tr);
  if (!s.ok()) return store_error(s);
  json out = token_json(tr);
  out["token"] = issued.text;
  return json_response(201, out);
}

Response Api::list_tokens(Ctx& c) {
  Response err;
  if (!authenticate(c, err)) return err;
  if (c.who.token.scoped) return error(403, "forbidden", "scoped tokens cannot list tokens");
  int limit = kDefaultLimit;
  std::string cursor;
  if (!c.limit(limit, err) || !c.id_cursor(cursor, err)) return err;
  auto r = store_.list_tokens(c.who.token.account_id, cursor, limit);
  if (!r.ok()) return store_error(r.status);
  json arr = json::array();
  {
    std::lock_guard lock(auth_mu_);
    for (auto& t : r.value) {
      auto it = last_used_.find(t.token_id);
      arr.push_back(token_json(t, it == last_used_.end() ? std::nullopt : std::optional(it->second)));
    }
  }
  json next = static_cast<int>(r.value.size()) == limit ? json(r.value.back().token_id) : json();
  return json_response(200, json{{"tokens", arr}, {"next", next}});
}

Response Api::revoke_token(Ctx& c, const std::string& id) {
  Response err;
  if (!authenticate(c, err)) return err;
  if (c.who.token.scoped) return error(403, "forbidden", "scoped tokens cannot revoke tokens");
  Status s = store_.revoke_token(c.who.token.account_id, id);
  if (!s.ok()) return store_error(s);
  Response r;
  r.status = 204;
  return r;
}

}  // namespace zkwiki::server
