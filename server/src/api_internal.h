// Shared between the Api's translation units (api.cc and api_*.cc): request helpers, the
// per-request context and the JSON error shape. Not part of the server's interface.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api.h"
#include "crypto.h"
#include "zkwiki/encoding.h"

namespace zkwiki::server {

using json = nlohmann::json;

inline constexpr int kDefaultLimit = 100;
inline constexpr int kMaxLimit = 1000;

// "s" with double quotes around it (ETags).
std::string quote(std::string_view s);
// A non-negative decimal integer of at most 18 digits.
std::optional<std::int64_t> parse_int(std::string_view s);
Response json_response(int status, const json& body);
// Maps a store status to an HTTP error.
Response store_error(const Status& s);
// Reads the JSON object body, or fills `err`.
bool parse_body(const Request& req, json& out, Response& err);
// Reads a required member of `j` (a string; a 32-hex id; base64 of at most `max` bytes), or
// fills `err` with the matching 400 answer.
bool get_string(const json& j, const char* field, std::string& out, Response& err);
bool get_id(const json& j, const char* field, std::string& out, Response& err);
bool get_b64(const json& j, const char* field, std::size_t max, Bytes& out, Response& err);
Response bad_id(std::string_view what);
// Standard base64 of raw bytes (the form of every binary JSON member).
inline std::string base64_of(std::string_view raw) { return zkwiki::to_base64(as_span(raw)); }

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

}  // namespace zkwiki::server
