// The one place a Beast HTTP request becomes an Api Request, and where the request parser's
// limits are set: shared by the server's sessions (server.cc) and the HTTP fuzz target
// (tests/server/fuzz/http_fuzz.cc), so that the fuzzer drives the same parsing code.
#pragma once

#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>

#include "api.h"

namespace zkwiki::server {

inline constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;

using BeastRequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

inline void limit_parser(BeastRequestParser& p, std::uint64_t max_body) {
  p.body_limit(max_body);
  p.header_limit(kMaxHeaderBytes);
}

// Header names lowercased (Api looks them up that way); the body moved out of `msg`.
inline Request to_api_request(boost::beast::http::request<boost::beast::http::string_body>& msg,
                              const std::string& remote) {
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  req.remote = remote;
  for (auto& f : msg) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    req.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  req.body = std::move(msg.body());
  return req;
}

}  // namespace zkwiki::server
