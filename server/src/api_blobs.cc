#include "api.h"

#include <sys/stat.h>

#include <cctype>
#include <fstream>

#include "api_internal.h"

namespace zkwiki::server {

namespace {

constexpr std::uint64_t kMaxStaticFile = 64ULL * 1024 * 1024;


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

// ---------------------------------------------------------------------------------------------
// Blobs

Response Api::put_blob(Ctx& c, const std::string& ws, const std::string& id) {
  Response err;
  if (!authorize(c, ws, nullptr, Need::write, err)) return err;
  if (hash_hex(c.req.body) != id)
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
  Response r = read_blob(c, id, head);
  // The id is the capability and the bytes are ciphertext (docs/SECURITY.md): a web app served
  // from the origin may read them from another origin (the cache at --public-url).
  r.set("Access-Control-Allow-Origin", "*");
  return r;
}

Response Api::read_blob(Ctx& c, const std::string& id, bool head) {
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
    r.body += *id_bytes(id);
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

// The app may connect to its own origin and, for blob reads, to the cache at --public-url.
// The web app's policy: scripts and workers from the app's own files only, WebAssembly allowed
// to compile ('wasm-unsafe-eval', not 'unsafe-eval'), no inline script or style, no image from
// another origin (a page's images are never loaded: examples/spa/src/render.js), connections to
// this origin and the public URL only.
std::string app_content_security_policy(const std::string& public_url) {
  std::string connect = "'self'";
  if (!public_url.empty()) connect += " " + public_url;
  return "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
         "img-src 'self'; font-src 'self'; connect-src " + connect +
         "; worker-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
         "frame-ancestors 'none'";
}

bool valid_public_url(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("https://")) rest = url.substr(8);
  else if (url.starts_with("http://")) rest = url.substr(7);
  else return false;
  if (rest.empty() || rest.size() > 255) return false;
  std::string_view host = rest, port;
  if (rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char ch : rest.substr(1, close - 1))
      if (!(std::isxdigit(static_cast<unsigned char>(ch)) || ch == ':' || ch == '.')) return false;
    host = {};
    port = rest.substr(close + 1);
    if (!port.empty() && port.front() != ':') return false;
  } else {
    auto colon = rest.find(':');
    if (colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon);
    }
    if (host.empty() || host.front() == '.' || host.front() == '-') return false;
    for (char ch : host)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-')) return false;
  }
  if (!port.empty()) {
    port.remove_prefix(1);  // ':'
    if (port.empty() || port.size() > 5) return false;
    unsigned n = 0;
    for (char ch : port) {
      if (ch < '0' || ch > '9') return false;
      n = n * 10 + static_cast<unsigned>(ch - '0');
    }
    if (n == 0 || n > 65535) return false;
  }
  return true;
}

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
  r.set("Content-Security-Policy", app_csp_);
  r.set("X-Frame-Options", "DENY");
  r.set("Cross-Origin-Opener-Policy", "same-origin");
  r.set("Cache-Control", name == "index.html" ? "no-store" : "no-cache");
  return r;
}

}  // namespace zkwiki::server
