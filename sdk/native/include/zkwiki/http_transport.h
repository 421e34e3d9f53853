// HttpTransport: zkwiki::Transport over HTTP/1.1 with Boost.Beast. One keep-alive connection,
// reused across requests and re-opened when the server has closed it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "zkwiki/transport.h"

namespace zkwiki {

class HttpTransport final : public Transport {
 public:
  // `base_url` is "http://HOST:PORT" (HOST an IP literal or a name; no path). https is not
  // spoken here: put a TLS-terminating proxy in front. Errors: invalid_argument.
  static Result<std::unique_ptr<HttpTransport>> connect_to(std::string_view base_url,
                                                          std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpTransport() override;

  // Errors: io (connect, write, read or timeout; the message says which).
  Result<HttpResponse> send(const HttpRequest& request) override;

  const std::string& base_url() const noexcept;
  // Requests sent and connections opened so far (to check that connections are reused).
  std::uint64_t requests_sent() const noexcept;
  std::uint64_t connections_opened() const noexcept;

 private:
  struct Impl;
  explicit HttpTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// An HttpTransport to `base_url` as a plain Transport: what native clients pass as
// ClientOptions::connect_url (and, bound to the server's URL, as ClientOptions::connect).
// Errors: those of HttpTransport::connect_to.
Result<std::unique_ptr<Transport>> connect_http(std::string_view base_url);

}  // namespace zkwiki
