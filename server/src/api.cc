#include "api.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstring>
#include <fstream>
#include <algorithm>
#include <cctype>
#include <sys/stat.h>

#include "crypto.h"

namespace zkwiki::server {

using json = nlohmann::json;

namespace {

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 1000;
constexpr std::int64_t kMaxTokenLifetime = 366LL * 24 * 3600;
constexpr std::size_t kMaxChallenges = 100000;
constexpr std::size_t kMaxScopeCollections = 64;
constexpr std::uint64_t kMaxStaticFile = 64ULL * 1024 * 1024;

constexpr const char* kAppCsp =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
    "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 1;  // path starts with '/'
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view kv = q.substr(0, amp);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos)
      out.emplace(std::string(kv), "");
    else
      out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

// A non-negative decimal integer of at most 18 digits.
std::optional<std::int64_t> parse_int(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  return v;
}

Response json_response(int status, const json& body) {
  Response r;
  r.status = status;
  r.body = body.dump();
  r.set("Content-Type", "application/json");
  return r;
}

std::string_view mime_type(std::string_view name) {
  auto dot = name.rfind('.');
  std::string_view ext = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  static const std::map<std::string_view, std::string_view> types = {
      {"html", "text/html; charset=utf-8"},   {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"}, {"css", "text/css; charset=utf-8"},
      {"wasm", "application/wasm"},           {"json", "application/json"},
      {"map", "application/json"},            {"svg", "image/svg+xml"},
      {"png", "image/png"},                   {"ico", "image/x-icon"},
      {"txt", "text/plain; charset=utf-8"},   {"webmanifest", "application/manifest+json"},
      {"woff2", "font/woff2"}};
  auto it = types.find(ext);
  return it == types.end() ? "application/octet-stream" : it->second;
}

}  // namespace

std::string_view Request::header(std::string_view name) const {
  for (auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

void Response::set(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

std::string_view Response::get(std::string_view name) const {
  for (auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

Response Api::error(int status, std::string_view code, std::string_view message) {
  return json_response(status, json{{"error", {{"code", code}, {"message", message}}}});
}

namespace {
// Maps a store status to an HTTP error.
Response store_error(const Status& s) {
  switch (s.code) {
    case Code::not_found: return Api::error(404, "not_found", s.message);
    case Code::exists: return Api::error(409, "exists", s.message);
    case Code::conflict: return Api::error(412, "precondition_failed", s.message);
    case Code::quota: return Api::error(507, "quota_exceeded", s.message);
    case Code::invalid: return Api::error(400, "bad_request", s.message);
    default: return Api::error(500, "storage_error", "the storage failed; nothing was changed");
  }
}

// Reads the JSON object body, or fills `err`.
bool parse_body(const Request& req, json& out, Response& err) {
  out = json::parse(req.body, nullptr, false);
  if (out.is_discarded()) {
    err = Api::error(400, "invalid_json", "the body is not valid JSON");
    return false;
  }
  if (!out.is_object()) {
    err = Api::error(400, "invalid_json", "the body must be a JSON object");
    return false;
  }
  return true;
}

bool get_string(const json& j, const char* field, std::string& out, Response& err) {
  auto it = j.find(field);
  if (it == j.end()) {
    err = Api::error(400, "missing_field", std::string("missing field \"") + field + "\"");
    return false;
  }
  if (!it->is_string()) {
    err = Api::error(400, "wrong_type", std::string("field \"") + field + "\" must be a string");
    return false;
  }
  out = it->get<std::string>();
  return true;
}

bool get_id(const json& j, const char* field, std::string& out, Response& err) {
  if (!get_string(j, field, out, err)) return false;
  if (!is_object_id(out)) {
    err = Api::error(400, "invalid_id",
                     std::string("field \"") + field + "\" must be 32 lowercase hex characters");
    return false;
  }
  return true;
}

bool get_b64(const json& j, const char* field, std::size_t max, Bytes& out, Response& err) {
  std::string s;
  if (!get_string(j, field, s, err)) return false;
  auto raw = from_base64(s);
  if (!raw) {
    err = Api::error(400, "invalid_base64", std::string("field \"") + field + "\" is not base64");
    return false;
  }
  if (raw->size() > max) {
    err = Api::error(400, "too_large", std::string("field \"") + field + "\" exceeds " +
                                          std::to_string(max) + " bytes");
    return false;
  }
  out = std::move(*raw);
  return true;
}

Response bad_id(std::string_view what) {
  return Api::error(400, "invalid_id", std::string(what) + " is not a valid id");
}
}  // namespace

struct Api::Principal {
  TokenRecord token;
  bool valid = false;
};

struct Api::Ctx {
  const Request& req;
  std::string_view path;
  std::map<std::string, std::string> query;
  std::string route;
  Principal who;

  // Reads ?limit= (default 100, max 1000) or fills `err`.
  bool limit(int& out, Response& err) const {
    auto it = query.find("limit");
    if (it == query.end()) {
      out = kDefaultLimit;
      return true;
    }
    auto v = parse_int(it->second);
    if (!v || *v < 1 || *v > kMaxLimit) {
      err = Api::error(400, "bad_request", "limit must be an integer in 1..1000");
      return false;
    }
    out = static_cast<int>(*v);
    return true;
  }
  // Reads ?cursor= as an id cursor (empty or 32 hex) or fills `err`.
  bool id_cursor(std::string& out, Response& err) const {
    auto it = query.find("cursor");
    out = it == query.end() ? "" : it->second;
    if (!out.empty() && !is_object_id(out)) {
      err = Api::error(400, "bad_request", "cursor is not valid");
      return false;
    }
    return true;
  }
};

Api::Api(Store& store, Config config, Metrics* metrics)
    : store_(store),
      config_(std::move(config)),
      metrics_(metrics),
      blob_cache_(config_.blob_cache_bytes) {}

std::uint64_t ChangeNotifier::subscribe(const std::string& ws, std::int64_t seen, Callback cb) {
  {
    std::lock_guard lock(mu_);
    auto it = last_.find(ws);
    if (it == last_.end() || it->second <= seen) {
      if (waiters_.size() >= kMaxWaiters) return 0;
      const std::uint64_t id = next_id_++;
      waiters_.emplace(id, std::make_pair(ws, std::move(cb)));
      return id;
    }
  }
  cb();  // something newer than `seen` was already committed
  return 0;
}

void ChangeNotifier::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mu_);
  waiters_.erase(id);
}

void ChangeNotifier::notify(const std::string& ws, std::int64_t seq) {
  std::vector<Callback> wake;
  {
    std::lock_guard lock(mu_);
    auto& last = last_[ws];
    last = std::max(last, seq);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.first == ws) {
        wake.push_back(std::move(it->second.second));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& cb : wake) cb();
}

std::shared_ptr<const std::string> BlobCache::get(const std::string& id) const {
  if (capacity_ == 0) return nullptr;
  std::shared_lock lock(mu_);
  auto it = map_.find(id);
  return it == map_.end() ? nullptr : it->second;
}

void BlobCache::put(const std::string& id, std::shared_ptr<const std::string> data) {
  if (data->size() > capacity_ / 8) return;  // big blobs would flush everything else
  std::unique_lock lock(mu_);
  if (!map_.emplace(id, data).second) return;
  order_.push_back(id);
  bytes_ += data->size();
  while (bytes_ > capacity_ && !order_.empty()) {
    auto it = map_.find(order_.front());
    bytes_ -= it->second->size();
    map_.erase(it);
    order_.pop_front();
  }
}

std::int64_t Api::now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Response Api::handle(const Request& req) noexcept {
  const auto start = std::chrono::steady_clock::now();
  Response res;
  std::string route = "unmatched";
  try {
    std::string_view target = req.target;
    auto qpos = target.find('?');
    Ctx c{req, target.substr(0, qpos), {}, "unmatched", {}};
    if (qpos != std::string_view::npos) c.query = parse_query(target.substr(qpos + 1));
    res = dispatch(c);
    route = c.route;
  } catch (const std::exception&) {
    res = error(500, "internal", "internal error");
  } catch (...) {
    res = error(500, "internal", "internal error");
  }
  try {
    if (res.get("Cache-Control").empty()) res.set("Cache-Control", "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.route = route;
    if (metrics_) {
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      metrics_->observe(route, res.status, secs, req.body.size(),
                        res.shared_body ? res.shared_body->size() : res.body.size());
    }
  } catch (...) {
  }
  return res;
}

Response Api::dispatch(Ctx& c) {
  const std::string& m = c.req.method;
  if (c.path.empty() || c.path[0] != '/') return error(400, "bad_request", "bad request target");
  auto segs = split_path(c.path);
  const size_t n = segs.size();
  auto is = [&](size_t i, std::string_view s) { return i < n && segs[i] == s; };
  // Sets the route name and answers 405 (with Allow) for methods not in `allowed`.
  auto route = [&](std::string name, std::initializer_list<std::string_view> allowed) {
    c.route = std::move(name);
    for (auto a : allowed)
      if (a == m) return true;
    return false;
  };
  auto not_allowed = [&](std::string_view allow) {
    Response r = error(405, "method_not_allowed", "method not allowed on this route");
    r.set("Allow", std::string(allow));
    return r;
  };
  auto id = [&](size_t i) { return std::string(segs[i]); };

  if (n == 1 && segs[0] == "metrics") {
    if (!route("/metrics", {"GET"})) return not_allowed("GET");
    Response r;
    r.body = metrics_ ? metrics_->render() : "";
    r.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return r;
  }
  if (is(0, "app")) {
    if (!route("/app/", {"GET", "HEAD"})) return not_allowed("GET, HEAD");
    return static_file(c, segs, m == "HEAD");
  }
  if (!is(0, "v1") || n < 2) {
    c.route = "unmatched";
    return error(404, "not_found", "no such route");
  }

  if (n == 2 && is(1, "health")) {
    if (!route("/v1/health", {"GET"})) return not_allowed("GET");
    return health(c);
  }
  if (is(1, "accounts")) {
    if (n == 2) {
      if (!route("/v1/accounts", {"POST"})) return not_allowed("POST");
      return create_account(c);
    }
    if (n == 3) {
      if (!route("/v1/accounts/{id}", {"GET", "PUT"})) return not_allowed("GET, PUT");
      if (!is_object_id(segs[2])) return bad_id("account id");
      return m == "GET" ? get_account(c, id(2)) : update_account(c, id(2));
    }
  }
  if (is(1, "auth") && n == 3) {
    if (is(2, "challenge")) {
      if (!route("/v1/auth/challenge", {"POST"})) return not_allowed("POST");
      return challenge(c);
    }
    if (is(2, "login")) {
      if (!route("/v1/auth/login", {"POST"})) return not_allowed("POST");
      return login(c);
    }
    if (is(2, "logout")) {
      if (!route("/v1/auth/logout", {"POST"})) return not_allowed("POST");
      return logout(c);
    }
    if (is(2, "session")) {
      if (!route("/v1/auth/session", {"GET"})) return not_allowed("GET");
      return session(c);
    }
  }
  if (is(1, "tokens")) {
    if (n == 2) {
      if (!route("/v1/tokens", {"GET", "POST"})) return not_allowed("GET, POST");
      return m == "GET" ? list_tokens(c) : create_token(c);
    }
    if (n == 3) {
      if (!route("/v1/tokens/{id}", {"DELETE"})) return not_allowed("DELETE");
      if (!is_object_id(segs[2])) return bad_id("token id");
      return revoke_token(c, id(2));
    }
  }
  if (is(1, "blobs")) {
    if (n == 3 && is(2, "batch")) {
      if (!route("/v1/blobs/batch", {"POST"})) return not_allowed("POST");
      return batch_blobs(c);
    }
    if (n == 3) {
      if (!route("/v1/blobs/{id}", {"GET", "HEAD"})) return not_allowed("GET, HEAD");
      if (!is_hash_id(segs[2])) return bad_id("blob id");
      return get_blob(c, id(2), m == "HEAD");
    }
  }
  if (is(1, "workspaces")) {
    if (n == 2) {
      if (!route("/v1/workspaces", {"GET", "POST"})) return not_allowed("GET, POST");
      return m == "GET" ? list_workspaces(c) : create_workspace(c);
    }
    if (!is_object_id(segs[2])) {
      c.route = "/v1/workspaces/{ws}/...";
      return bad_id("workspace id");
    }
    const std::string ws = id(2);
    if (n == 3) {
      if (!route("/v1/workspaces/{ws}", {"GET"})) return not_allowed("GET");
      return get_workspace(c, ws);
    }
    if (n == 4 && is(3, "changes")) {
      if (!route("/v1/workspaces/{ws}/changes", {"GET"})) return not_allowed("GET");
      return changes(c, ws);
    }
    if (is(3, "members")) {
      if (n == 4) {
        if (!route("/v1/workspaces/{ws}/members", {"GET"})) return not_allowed("GET");
        return list_members(c, ws);
      }
      if (n == 5) {
        if (!route("/v1/workspaces/{ws}/members/{account}", {"PUT", "DELETE"}))
          return not_allowed("PUT, DELETE");
        if (!is_object_id(segs[4])) return bad_id("account id");
        return m == "PUT" ? put_member(c, ws, id(4)) : remove_member(c, ws, id(4));
      }
    }
    if (is(3, "blobs") && n == 5) {
      if (!route("/v1/workspaces/{ws}/blobs/{id}", {"PUT"})) return not_allowed("PUT");
      if (!is_hash_id(segs[4])) return bad_id("blob id");
      return put_blob(c, ws, id(4));
    }
    if (is(3, "collections")) {
      if (n == 4) {
        if (!route("/v1/workspaces/{ws}/collections", {"GET", "POST"}))
          return not_allowed("GET, POST");
        return m == "GET" ? list_collections(c, ws) : create_collection(c, ws);
      }
      if (!is_object_id(segs[4])) {
        c.route = "/v1/workspaces/{ws}/collections/{c}/...";
        return bad_id("collection id");
      }
      const std::string coll = id(4);
      if (n == 5) {
        if (!route("/v1/workspaces/{ws}/collections/{c}", {"GET"})) return not_allowed("GET");
        return get_collection(c, ws, coll);
      }
      if (is(5, "keys")) {
        if (n == 6) {
          if (!route("/v1/workspaces/{ws}/collections/{c}/keys", {"GET"}))
            return not_allowed("GET");
          return list_keys(c, ws, coll);
        }
        if (n == 8) {
          if (!route("/v1/workspaces/{ws}/collections/{c}/keys/{account}/{generation}", {"PUT"}))
            return not_allowed("PUT");
          if (!is_object_id(segs[6])) return bad_id("account id");
          return put_key(c, ws, coll, id(6), segs[7]);
        }
      }
      if (is(5, "pages")) {
        if (n == 6) {
          if (!route("/v1/workspaces/{ws}/collections/{c}/pages", {"GET"}))
            return not_allowed("GET");
          return list_pages(c, ws, coll);
        }
        if (!is_object_id(segs[6])) {
          c.route = "/v1/workspaces/{ws}/collections/{c}/pages/{p}/...";
          return bad_id("page id");
        }
        const std::string page = id(6);
        if (n == 7) {
          if (!route("/v1/workspaces/{ws}/collections/{c}/pages/{p}", {"GET", "PUT"}))
            return not_allowed("GET, PUT");
          return m == "GET" ? get_page(c, ws, coll, page) : put_page(c, ws, coll, page);
        }
        if (is(7, "revisions") && n == 8) {
          if (!route("/v1/workspaces/{ws}/collections/{c}/pages/{p}/revisions", {"GET"}))
            return not_allowed("GET");
          return list_revisions(c, ws, coll, page);
        }
        if (is(7, "revisions") && n == 9) {
          if (!route("/v1/workspaces/{ws}/collections/{c}/pages/{p}/revisions/{rev}", {"GET"}))
            return not_allowed("GET");
          if (!is_hash_id(segs[8])) return bad_id("revision hash");
          return get_revision(c, ws, coll, page, id(8));
        }
      }
    }
  }
  c.route = "unmatched";
  return error(404, "not_found", "no such route");
}

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
  auto raw = from_hex(tok.substr(4));
  if (!raw) {
    out = error(401, "unauthorized", "malformed token");
    return false;
  }
  const Bytes hash = blake2b256(*raw);
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
  c.who.token = std::move(t.value);
  c.who.valid = true;
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
// Health, accounts, auth, tokens

Response Api::health(Ctx&) {
  Status s = store_.ping();
  if (!s.ok()) return error(503, "unavailable", "storage is not answering");
  return json_response(200, json{{"status", "ok"}, {"storage", "ok"}});
}

Response Api::create_account(Ctx& c) {
  json j;
  Response err;
  std::string id;
  Bytes pk, record;
  if (!parse_body(c.req, j, err) || !get_id(j, "account_id", id, err) ||
      !get_b64(j, "login_public_key", 32, pk, err) ||
      !get_b64(j, "record", kMaxRecordBytes, record, err))
    return err;
  if (pk.size() != 32) return error(400, "bad_request", "login_public_key must be 32 bytes");
  Status s = store_.create_account(Account{id, pk, record, 0, 0});
  if (!s.ok()) return store_error(s);
  Response r = json_response(201, json{{"account_id", id}});
  r.set("Location", "/v1/accounts/" + id);
  return r;
}

Response Api::get_account(Ctx&, const std::string& id) {
  auto a = store_.get_account(id);
  if (!a.ok()) return store_error(a.status);
  return json_response(200, json{{"account_id", id},
                                 {"login_public_key", to_base64(a.value.login_public_key)},
                                 {"record", to_base64(a.value.record)}});
}

Response Api::update_account(Ctx& c, const std::string& id) {
  Response err;
  if (!authenticate(c, err)) return err;
  if (c.who.token.scoped || c.who.token.account_id != id)
    return error(403, "forbidden", "only the account's own session can update it");
  json j;
  Bytes pk, record;
  if (!parse_body(c.req, j, err) || !get_b64(j, "login_public_key", 32, pk, err) ||
      !get_b64(j, "record", kMaxRecordBytes, record, err))
    return err;
  if (pk.size() != 32) return error(400, "bad_request", "login_public_key must be 32 bytes");
  Status s = store_.update_account(id, pk, record);
  if (!s.ok()) return store_error(s);
  return json_response(200, json{{"account_id", id}});
}

Response Api::challenge(Ctx& c) {
  json j;
  Response err;
  std::string id;
  if (!parse_body(c.req, j, err) || !get_id(j, "account_id", id, err)) return err;
  auto a = store_.get_account(id);
  if (!a.ok()) return store_error(a.status);
  const std::int64_t t = now();
  Bytes ch = random_bytes(32);
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
  return json_response(200, json{{"challenge", to_base64(ch)},
                                 {"expires_in", config_.challenge_ttl}});
}

Response Api::login(Ctx& c) {
  json j;
  Response err;
  std::string id;
  Bytes ch, sig;
  if (!parse_body(c.req, j, err) || !get_id(j, "account_id", id, err) ||
      !get_b64(j, "challenge", 32, ch, err) || !get_b64(j, "signature", 64, sig, err))
    return err;
  const std::int64_t t = now();
  const std::string akey = "a:" + id, ckey = "c:" + c.req.remote;
  {
    std::lock_guard lock(auth_mu_);
    std::int64_t retry = 0;
    if (rate_limited(akey, config_.login_failures_per_account, t, &retry) ||
        rate_limited(ckey, config_.login_failures_per_client, t, &retry)) {
      Response r = error(429, "rate_limited", "too many failed logins; retry later");
      r.set("Retry-After", std::to_string(std::max<std::int64_t>(retry, 1)));
      return r;
    }
  }
  auto fail = [&](std::string_view msg) {
    std::lock_guard lock(auth_mu_);
    record_failure(akey, t);
    record_failure(ckey, t);
    return error(401, "login_failed", msg);
  };
  bool challenge_ok = false;
  {
    std::lock_guard lock(auth_mu_);
    auto it = challenges_.find(ch);
    if (it != challenges_.end()) {
      challenge_ok = it->second.account_id == id && it->second.expires > t;
      challenges_.erase(it);  // single use, whatever the outcome
    }
  }
  if (!challenge_ok) return fail("unknown, used or expired challenge");
  auto a = store_.get_account(id);
  if (!a.ok()) return a.status.code == Code::not_found ? fail("unknown account") : store_error(a.status);
  std::string msg(kLoginContext);
  msg += *from_hex(id);
  msg += ch;
  if (!ed25519_verify(a.value.login_public_key, msg, sig)) return fail("bad signature");

  Bytes raw = random_bytes(32);
  TokenRecord tr;
  tr.hash = blake2b256(raw);
  tr.token_id = to_hex(random_bytes(16));
  tr.account_id = id;
  tr.scoped = false;
  tr.not_after = t + config_.session_ttl;
  tr.created = t;
  Status s = store_.put_token(tr);
  if (!s.ok()) return store_error(s);
  return json_response(200, json{{"token", "zks_" + to_hex(raw)},
                                 {"token_id", tr.token_id},
                                 {"account_id", id},
                                 {"expires_at", tr.not_after}});
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
         {"expires_at", t.not_after}};
  if (t.scoped) {
    j["workspace_id"] = t.workspace_id;
    j["collection_ids"] = t.collections;
    j["access"] = t.can_write ? "read-write" : "read";
  }
  return json_response(200, j);
}

namespace {
json token_json(const TokenRecord& t) {
  return json{{"token_id", t.token_id},         {"workspace_id", t.workspace_id},
              {"collection_ids", t.collections}, {"access", t.can_write ? "read-write" : "read"},
              {"not_after", t.not_after},        {"created", t.created},
              {"revoked", t.revoked}};
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
  Bytes raw = random_bytes(32);
  TokenRecord tr;
  tr.hash = blake2b256(raw);
  tr.token_id = to_hex(random_bytes(16));
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
  out["token"] = "zka_" + to_hex(raw);
  return json_response(201, out);
}

Response Api::list_tokens(Ctx& c) {
  Response err;
  if (!authenticate(c, err)) return err;
  if (c.who.token.scoped) return error(403, "forbidden", "scoped tokens cannot list tokens");
  int limit;
  std::string cursor;
  if (!c.limit(limit, err) || !c.id_cursor(cursor, err)) return err;
  auto r = store_.list_tokens(c.who.token.account_id, cursor, limit);
  if (!r.ok()) return store_error(r.status);
  json arr = json::array();
  for (auto& t : r.value) arr.push_back(token_json(t));
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
  Status s = store_.create_workspace(Workspace{ws, c.who.token.account_id, record, 0});
  if (!s.ok()) return store_error(s);
  Response r = json_response(201, json{{"workspace_id", ws}, {"seq", 0}});
  r.set("Location", "/v1/workspaces/" + ws);
  return r;
}

Response Api::list_workspaces(Ctx& c) {
  Response err;
  if (!authenticate(c, err)) return err;
  int limit;
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
                                 {"record", to_base64(w.value.record)},
                                 {"seq", w.value.seq},
                                 {"role", m.ok() ? m.value.role : ""}});
}

Response Api::list_members(Ctx& c, const std::string& ws) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::read, err)) return err;
  int limit;
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
  int limit;
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
    arr.push_back(json{{"collection_id", col.id}, {"record", to_base64(col.record)}});
  }
  json next = static_cast<int>(r.value.size()) == limit ? json(r.value.back().id) : json();
  return json_response(200, json{{"collections", arr}, {"next", next}});
}

Response Api::get_collection(Ctx& c, const std::string& ws, const std::string& coll) {
  Response err;
  if (!authorize(c, ws, &coll, Need::read, err)) return err;
  auto r = store_.get_collection(ws, coll);
  if (!r.ok()) return store_error(r.status);
  return json_response(200, json{{"collection_id", coll}, {"record", to_base64(r.value.record)}});
}

Response Api::list_keys(Ctx& c, const std::string& ws, const std::string& coll) {
  Response err;
  if (!authorize(c, ws, &coll, Need::read, err)) return err;
  const TokenRecord& t = c.who.token;
  std::string account = t.account_id;
  auto it = c.query.find("account");
  if (it != c.query.end()) {
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
                       {"wrapped", to_base64(k.wrapped)}});
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
  auto m = store_.get_member(ws, account);
  if (!m.ok()) return m.status.code == Code::not_found
                          ? error(404, "not_found", "the account is not a member")
                          : store_error(m.status);
  auto r = store_.put_wrapped_key(ws, coll, WrappedKey{account, *gen, wrapped});
  if (!r.ok()) return store_error(r.status);
  notifier_.notify(ws, r.value);
  return json_response(200, json{{"account_id", account}, {"generation", *gen}, {"seq", r.value}});
}

// ---------------------------------------------------------------------------------------------
// Pages, revisions, changes

Response Api::list_pages(Ctx& c, const std::string& ws, const std::string& coll) {
  Response err;
  if (!authorize(c, ws, &coll, Need::read, err)) return err;
  int limit;
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
    return r;
  }
  auto rev = store_.get_revision(ws, coll, page, h.value.revision);
  if (!rev.ok()) return store_error(rev.status);
  Response r = json_response(200, json{{"page_id", page},
                                       {"revision", h.value.revision},
                                       {"record", to_base64(rev.value.record)},
                                       {"seq", h.value.seq}});
  r.set("ETag", etag);
  r.set("Cache-Control", "private, no-cache");
  return r;
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
  if (blake2b256_hex(record) != revision)
    return error(400, "hash_mismatch", "revision is not the BLAKE2b-256 of the record");
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
  int limit;
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
                                         {"record", to_base64(r.value.record)},
                                         {"seq", r.value.seq}});
  // A revision record never changes; only the holder of a token may cache it.
  out.set("ETag", quote(rev));
  out.set("Cache-Control", "private, max-age=31536000, immutable");
  return out;
}

Response Api::changes(Ctx& c, const std::string& ws) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::read, err)) return err;
  int limit;
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
    if (t.scoped && (ch.collection_id.empty() ||
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

// ---------------------------------------------------------------------------------------------
// Blobs

Response Api::put_blob(Ctx& c, const std::string& ws, const std::string& id) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::write, err)) return err;
  if (blake2b256_hex(c.req.body) != id)
    return error(400, "hash_mismatch", "the blob id is not the BLAKE2b-256 of the body");
  auto r = store_.put_blob(ws, id, c.req.body,
                           Charge{c.who.token.account_id, config_.quota_bytes});
  if (!r.ok()) return store_error(r.status);
  Response out = json_response(r.value ? 201 : 200,
                               json{{"blob_id", id}, {"size", c.req.body.size()}});
  out.set("Location", "/v1/blobs/" + id);
  return out;
}

Response Api::get_blob(Ctx& c, const std::string& id, bool head) {
  const std::string etag = quote(id);
  auto immutable = [&](Response& r) {
    r.set("ETag", etag);
    r.set("Cache-Control", "public, max-age=31536000, immutable");
  };
  // The id names the bytes: a client holding this ETag holds exactly these bytes.
  if (c.req.header("if-none-match") == etag) {
    Response r;
    r.status = 304;
    immutable(r);
    return r;
  }
  Response r;
  if (auto cached = blob_cache_.get(id)) {
    if (head)
      r.head_length = cached->size();
    else
      r.shared_body = std::move(cached);
  } else if (head) {
    auto s = store_.blob_size(id);
    if (!s.ok()) return store_error(s.status);
    r.head_length = static_cast<std::uint64_t>(s.value);
  } else {
    auto b = store_.get_blob(id);
    if (!b.ok()) return store_error(b.status);
    r.shared_body = std::make_shared<const std::string>(std::move(b.value));
    blob_cache_.put(id, r.shared_body);
  }
  r.set("Content-Type", "application/octet-stream");
  immutable(r);
  return r;
}

Response Api::batch_blobs(Ctx& c) {
  json j;
  Response err;
  if (!parse_body(c.req, j, err)) return err;
  auto it = j.find("ids");
  if (it == j.end()) return error(400, "missing_field", "missing field \"ids\"");
  if (!it->is_array() || it->size() > static_cast<size_t>(kMaxBatchIds))
    return error(400, "wrong_type", "ids must be an array of at most 1000 blob ids");
  std::vector<std::string> ids;
  for (auto& e : *it) {
    if (!e.is_string() || !is_hash_id(e.get<std::string>()))
      return error(400, "invalid_id", "ids must hold 64-hex-character blob ids");
    ids.push_back(e.get<std::string>());
  }
  Response r;
  for (auto& id : ids) {
    // Frame: id (32 bytes) || status (1 byte) || length (4 bytes, big-endian) || bytes.
    std::uint8_t status = 1;
    Bytes data;
    if (r.body.size() >= kMaxBatchResponseBytes) {
      status = 2;
    } else {
      Result<Bytes> b;
      if (auto cached = blob_cache_.get(id))
        b = Result<Bytes>(*cached);
      else
        b = store_.get_blob(id);
      if (b.ok()) {
        if (r.body.size() + b.value.size() > kMaxBatchResponseBytes && !r.body.empty()) {
          status = 2;
        } else {
          status = 0;
          data = std::move(b.value);
        }
      } else if (b.status.code != Code::not_found) {
        return store_error(b.status);
      }
    }
    r.body += *from_hex(id);
    r.body += static_cast<char>(status);
    const auto n = static_cast<std::uint32_t>(data.size());
    const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                         static_cast<char>(n >> 8), static_cast<char>(n)};
    r.body.append(len, 4);
    r.body += data;
  }
  r.set("Content-Type", "application/vnd.zkwiki.blob-batch");
  return r;
}

// ---------------------------------------------------------------------------------------------
// Static web app

Response Api::static_file(Ctx&, const std::vector<std::string_view>& segs, bool head) {
  if (config_.app_dir.empty()) return error(404, "not_found", "no web app is configured");
  if (segs.size() == 1) {  // "/app" -> "/app/"
    Response r;
    r.status = 308;
    r.set("Location", "/app/");
    return r;
  }
  std::string rel;
  for (size_t i = 1; i < segs.size(); ++i) {
    std::string_view s = segs[i];
    if (s.empty() && i + 1 == segs.size()) {
      rel += "index.html";
      break;
    }
    if (s.empty() || s[0] == '.' || s.size() > 255)
      return error(404, "not_found", "no such file");
    for (char ch : s) {
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '_'))
        return error(404, "not_found", "no such file");
    }
    if (!rel.empty()) rel += '/';
    rel += s;
  }
  const std::string path = config_.app_dir + "/" + rel;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::uint64_t>(st.st_size) > kMaxStaticFile)
    return error(404, "not_found", "no such file");
  Response r;
  if (head) {
    r.head_length = static_cast<std::uint64_t>(st.st_size);
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) return error(404, "not_found", "no such file");
    r.body.resize(static_cast<size_t>(st.st_size));
    if (!in.read(r.body.data(), st.st_size)) return error(500, "internal", "could not read the file");
  }
  const std::string name = rel.substr(rel.rfind('/') == std::string::npos ? 0 : rel.rfind('/') + 1);
  r.set("Content-Type", std::string(mime_type(name)));
  r.set("Content-Security-Policy", kAppCsp);
  r.set("X-Frame-Options", "DENY");
  r.set("Cross-Origin-Opener-Policy", "same-origin");
  r.set("Cache-Control", name == "index.html" ? "no-store" : "no-cache");
  return r;
}

}  // namespace zkwiki::server
