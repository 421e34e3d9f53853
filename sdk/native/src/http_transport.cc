#include "zkwiki/http_transport.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <optional>

namespace zkwiki {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpTransport::Impl {
  std::string base_url;
  std::string host;
  std::string port;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::uint64_t requests = 0;
  std::uint64_t connections = 0;

  // Runs the io_context until the pending operation completes; each operation carries its own
  // deadline through tcp_stream::expires_after.
  void run() {
    ioc.restart();
    ioc.run();
  }

  beast::error_code open() {
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(host, port, [&](beast::error_code e, tcp::resolver::results_type r) {
      ec = e;
      endpoints = std::move(r);
    });
    run();
    if (ec) return ec;
    stream.emplace(ioc);
    stream->expires_after(timeout);
    stream->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      stream.reset();
      return ec;
    }
    stream->socket().set_option(tcp::no_delay(true), ec);
    buffer.clear();
    ++connections;
    return {};
  }

  void close() {
    if (!stream) return;
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.reset();
    buffer.clear();
  }

  // One exchange on the open connection. `received_any` tells whether the server answered at
  // all, to distinguish a stale keep-alive connection from a real failure.
  beast::error_code exchange(http::request<http::string_body>& req, http::response<http::string_body>& res,
                             bool& received_any) {
    beast::error_code ec;
    received_any = false;
    stream->expires_after(timeout);
    http::async_write(*stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    if (ec) return ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{1} << 30);
    stream->expires_after(timeout);
    http::async_read(*stream, buffer, parser, [&](beast::error_code e, std::size_t n) {
      ec = e;
      received_any = n > 0;
    });
    run();
    if (ec) return ec;
    res = parser.release();
    return {};
  }
};

HttpTransport::HttpTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpTransport::~HttpTransport() {
  if (impl_) impl_->close();
}

Result<std::unique_ptr<HttpTransport>> HttpTransport::connect_to(std::string_view base_url,
                                                                std::chrono::milliseconds timeout) {
  constexpr std::string_view kScheme = "http://";
  if (base_url.substr(0, kScheme.size()) != kScheme)
    return make_error(Errc::invalid_argument, "server URL must start with http:// (got '" + std::string(base_url) + "')");
  std::string_view rest = base_url.substr(kScheme.size());
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos)
    return make_error(Errc::invalid_argument, "server URL must not have a path: " + std::string(base_url));
  auto impl = std::make_unique<Impl>();
  impl->base_url = std::string(kScheme) + std::string(rest);
  impl->timeout = timeout;
  std::size_t colon = rest.rfind(':');
  if (!rest.empty() && rest.front() == '[') {  // [v6]:port
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return make_error(Errc::invalid_argument, "bad IPv6 literal in server URL");
    impl->host = std::string(rest.substr(1, close - 1));
    impl->port = close + 1 < rest.size() && rest[close + 1] == ':' ? std::string(rest.substr(close + 2)) : "80";
  } else if (colon != std::string_view::npos) {
    impl->host = std::string(rest.substr(0, colon));
    impl->port = std::string(rest.substr(colon + 1));
  } else {
    impl->host = std::string(rest);
    impl->port = "80";
  }
  if (impl->host.empty() || impl->port.empty() ||
      impl->port.find_first_not_of("0123456789") != std::string::npos || impl->port.size() > 5)
    return make_error(Errc::invalid_argument, "bad host or port in server URL: " + std::string(base_url));
  return std::unique_ptr<HttpTransport>(new HttpTransport(std::move(impl)));
}

Result<HttpResponse> HttpTransport::send(const HttpRequest& request) {
  Impl& im = *impl_;
  auto verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) return make_error(Errc::invalid_argument, "unknown HTTP method " + request.method);
  if (request.target.empty() || request.target.front() != '/')
    return make_error(Errc::invalid_argument, "request target must start with '/'");
  http::request<http::string_body> req{verb, request.target, 11};
  req.set(http::field::host, im.host + ":" + im.port);
  req.set(http::field::user_agent, "zkwiki-sdk");
  for (const auto& [k, v] : request.headers) req.set(k, v);
  req.body() = request.body;
  req.keep_alive(true);
  req.prepare_payload();

  http::response<http::string_body> res;
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = im.stream.has_value();
    if (!reused) {
      if (auto ec = im.open())
        return make_error(Errc::io, "cannot connect to " + im.base_url + ": " + ec.message());
    }
    bool received_any = false;
    auto ec = im.exchange(req, res, received_any);
    if (!ec) break;
    im.close();
    // A keep-alive connection the server closed while idle: open a new one and try once more.
    if (reused && !received_any && ec != beast::error::timeout) continue;
    return make_error(Errc::io, std::string(ec == beast::error::timeout ? "timed out talking to "
                                                                          : "connection to ") +
                                    im.base_url + (ec == beast::error::timeout ? "" : " failed: " + ec.message()));
  }
  ++im.requests;
  if (!res.keep_alive()) im.close();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = std::move(res.body());
  return out;
}

const std::string& HttpTransport::base_url() const noexcept { return impl_->base_url; }
std::uint64_t HttpTransport::requests_sent() const noexcept { return impl_->requests; }
std::uint64_t HttpTransport::connections_opened() const noexcept { return impl_->connections; }

Result<std::unique_ptr<Transport>> connect_http(std::string_view base_url) {
  ZKWIKI_ASSIGN(auto t, HttpTransport::connect_to(base_url));
  return std::unique_ptr<Transport>(std::move(t));
}

}  // namespace zkwiki
