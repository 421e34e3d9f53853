// Transport: how the client core talks to a server, behind one small interface, so that the
// same core runs over the native HTTP client, over fetch() in WASM, and over an in-process fake
// (or a tampering proxy) in tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zkwiki/result.h"

namespace zkwiki {

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // path and query, e.g. "/v1/blobs/<id>"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;

  // The first header of that (lowercase) name, or "".
  std::string_view header(std::string_view name) const;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one request and returns the server's response, whatever its status.
  // Errors: io (could not connect, connection lost, timed out), invalid_argument (a request the
  // transport cannot express). Thread safety: one request at a time per transport.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

}  // namespace zkwiki
