// Helpers shared by the ApiClient's translation units (api_client*.cc): reading untrusted JSON
// answers without throwing, and mapping HTTP errors to Errc. Not part of the public API.
#pragma once

#include "json_internal.h"

#include "zkwiki/api_client.h"
#include "zkwiki/encoding.h"

namespace zkwiki::api_internal {

using json = nlohmann::json;

inline std::string b64(std::span<const std::uint8_t> b) { return to_base64(b); }

// Reads fields of an untrusted JSON answer without throwing.
class Fields {
 public:
  explicit Fields(const json& j) : j_(j) {}
  std::string str(const char* name) {
    auto it = j_.find(name);
    if (it == j_.end() || !it->is_string()) {
      fail(name);
      return {};
    }
    return it->get<std::string>();
  }
  std::uint64_t u64(const char* name) {
    auto it = j_.find(name);
    if (it == j_.end() || !it->is_number_unsigned()) {
      fail(name);
      return 0;
    }
    return it->get<std::uint64_t>();
  }
  bool boolean(const char* name) {
    auto it = j_.find(name);
    if (it == j_.end() || !it->is_boolean()) {
      fail(name);
      return false;
    }
    return it->get<bool>();
  }
  Bytes base64(const char* name) {
    auto r = from_base64(str(name));
    if (!r) {
      fail(name);
      return {};
    }
    return std::move(r).value();
  }
  template <class Id>
  Id id(const char* name) {
    auto r = Id::from_hex(str(name));
    if (!r) {
      fail(name);
      return {};
    }
    return *r;
  }
  Result<void> done(std::string_view what) const {
    if (bad_.empty()) return {};
    return make_error(Errc::malformed, "server answer to " + std::string(what) + ": missing or invalid '" + bad_ + "'");
  }

 private:
  void fail(const char* name) {
    if (bad_.empty()) bad_ = name;
  }
  const json& j_;
  std::string bad_;
};

inline Result<json> parse(const HttpResponse& r, std::string_view what) {
  json j = internal::parse_json(r.body);
  if (j.is_discarded() || !j.is_object())
    return make_error(Errc::malformed, "server answer to " + std::string(what) + " is not a JSON object");
  return j;
}

// `refused`: what the caller does about a 401 (its session or token refused).
inline Error http_error(const HttpResponse& r, std::string_view what, std::string_view refused = "log in again") {
  std::string code = "http_" + std::to_string(r.status);
  std::string message;
  json j = internal::parse_json(r.body);
  if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object()) {
    if (j["error"].contains("code") && j["error"]["code"].is_string()) code = j["error"]["code"];
    if (j["error"].contains("message") && j["error"]["message"].is_string()) message = j["error"]["message"];
  }
  Errc e = Errc::io;
  switch (r.status) {
    case 400: e = Errc::invalid_argument; break;
    case 401: e = Errc::expired; break;
    case 403: e = Errc::forbidden; break;
    case 404: e = Errc::not_found; break;
    case 409:
    case 412: e = Errc::conflict; break;
    case 413:
    case 507: e = Errc::too_large; break;
    default: e = Errc::io; break;
  }
  std::string text = std::string(what) + ": server answered " + std::to_string(r.status) + " " + code;
  if (!message.empty()) text += " (" + message + ")";
  if (r.status == 401 && !refused.empty()) text += "; " + std::string(refused);
  return Error{e, std::move(text)};
}

}  // namespace zkwiki::api_internal
