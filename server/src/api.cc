#include "api.h"

#include <algorithm>
#include <chrono>

#include "api_internal.h"

namespace zkwiki::server {

namespace {

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

}  // namespace

std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
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

// Maps a store status to an HTTP error.
Response store_error(const Status& s) {
  switch (s.code) {
    case Code::not_found: return Api::error(404, "not_found", s.message);
    case Code::exists: return Api::error(409, "exists", s.message);
    case Code::conflict: return Api::error(412, "precondition_failed", s.message);
    case Code::quota: return Api::error(507, "quota_exceeded", s.message);
    case Code::full: return Api::error(507, "storage_full", "the server's disk is full; nothing was changed");
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
  auto raw = zkwiki::from_base64(s);
  if (!raw) {
    err = Api::error(400, "invalid_base64", std::string("field \"") + field + "\" is not base64");
    return false;
  }
  if (raw->size() > max) {
    err = Api::error(400, "too_large", std::string("field \"") + field + "\" exceeds " +
                                          std::to_string(max) + " bytes");
    return false;
  }
  out = to_bytes(*raw);
  return true;
}

Response bad_id(std::string_view what) {
  return Api::error(400, "invalid_id", std::string(what) + " is not a valid id");
}

Api::Api(Store& store, Config config, Metrics* metrics)
    : store_(store),
      config_(std::move(config)),
      metrics_(metrics),
      blob_cache_(config_.blob_cache_bytes),
      app_csp_(app_content_security_policy(config_.public_url)) {}

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
  if (config_.clock) return config_.clock();
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
    if (n == 4 && is(3, "recover")) {
      if (!route("/v1/accounts/{id}/recover", {"POST"})) return not_allowed("POST");
      if (!is_object_id(segs[2])) return bad_id("account id");
      return recover_account(c, id(2));
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
    if (n == 5 && is(3, "revisions") && is(4, "batch")) {
      if (!route("/v1/workspaces/{ws}/revisions/batch", {"POST"})) return not_allowed("POST");
      return batch_revisions(c, ws);
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
    if (is(3, "grants")) {
      if (n == 4) {
        if (!route("/v1/workspaces/{ws}/grants", {"GET"})) return not_allowed("GET");
        return list_grants(c, ws);
      }
      if (!is_object_id(segs[4])) {
        c.route = "/v1/workspaces/{ws}/grants/{id}/...";
        return bad_id("grant id");
      }
      if (n == 5) {
        if (!route("/v1/workspaces/{ws}/grants/{id}", {"PUT"})) return not_allowed("PUT");
        return put_grant(c, ws, id(4));
      }
      if (n == 6 && is(5, "revoke")) {
        if (!route("/v1/workspaces/{ws}/grants/{id}/revoke", {"POST"})) return not_allowed("POST");
        return revoke_grant(c, ws, id(4));
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
          if (!route("/v1/workspaces/{ws}/collections/{c}/pages", {"GET", "POST"}))
            return not_allowed("GET, POST");
          return c.req.method == "POST" ? create_pages(c, ws, coll) : list_pages(c, ws, coll);
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

}  // namespace zkwiki::server
