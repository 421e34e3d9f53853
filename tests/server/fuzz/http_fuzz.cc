// libFuzzer target for the server's HTTP layer: raw bytes through an in-memory Beast stream
// (beast::test::stream) into the same request parser the sessions use, with the same limits
// (http_request.h), then Api::handle over the fuzz world (fuzz_world.h), request after request
// as on a kept-alive connection (pipelining), as Session::on_read does: 413 for a body over the
// limit, 400 for malformed HTTP, then the connection ends. Properties: every answer serializes
// to a well-formed HTTP response that parses back with its status, never a 500.
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sstream>

#include "fuzz_common.h"
#include "fuzz_world.h"
#include "http_request.h"

namespace beast = boost::beast;
namespace http = beast::http;

ZKWIKI_FUZZ_INIT

namespace {

constexpr std::uint64_t kMaxBody = 64 * 1024;  // small, so the limit is reachable

// Serializes `r` like Session::send and checks that it parses back.
void answer(const Response& r, unsigned version, bool head) {
  ZKWIKI_FUZZ_CHECK(r.status >= 100 && r.status <= 599 && r.status != 500);
  http::response<http::string_body> res(static_cast<http::status>(r.status), version == 10 ? 10 : 11);
  res.set(http::field::server, "zkwiki");
  for (auto& [k, v] : r.headers) res.set(k, v);
  if (r.status != 204 && r.status != 304) {
    if (!head) res.body() = r.shared_body ? *r.shared_body : r.body;
    res.content_length(r.head_length ? *r.head_length : r.shared_body ? r.shared_body->size() : r.body.size());
  }
  std::ostringstream os;
  os << res;
  std::string wire = os.str();
  if (head || r.head_length) {  // a HEAD answer is its header alone
    auto end = wire.find("\r\n\r\n");
    ZKWIKI_FUZZ_CHECK(end != std::string::npos);
    wire.resize(end + 4);
  }
  http::response_parser<http::string_body> back;
  back.skip(head || r.head_length);
  back.eager(true);
  beast::error_code ec;
  std::size_t used = back.put(boost::asio::buffer(wire), ec);
  ZKWIKI_FUZZ_CHECK(!ec);
  if (r.status != 204 && r.status != 304 && !(head || r.head_length)) ZKWIKI_FUZZ_CHECK(back.is_done() && used == wire.size());
  ZKWIKI_FUZZ_CHECK(back.get().result_int() == static_cast<unsigned>(r.status));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = nullptr;
  static int runs = 0;
  if (!world || ++runs % 5000 == 0) {
    delete world;
    world = new World();
  }
  boost::asio::io_context ioc;
  beast::test::stream in(ioc, std::string_view(reinterpret_cast<const char*>(data), size));
  in.close_remote();  // the peer has sent everything: reads end with EOF instead of waiting
  beast::flat_buffer buffer;
  for (int n = 0; n < 16; ++n) {
    BeastRequestParser parser;
    limit_parser(parser, kMaxBody);
    beast::error_code ec;
    http::read(in, buffer, parser, ec);
    if (ec == http::error::end_of_stream || ec == boost::asio::error::eof) return 0;
    if (ec == http::error::body_limit) return answer(Api::error(413, "payload_too_large", "too large"), 11, false), 0;
    if (ec) return answer(Api::error(400, "bad_http", "malformed HTTP request"), 11, false), 0;
    auto& msg = parser.get();
    const bool head = msg.method() == http::verb::head;
    const unsigned version = msg.version();
    const bool keep_alive = msg.keep_alive();
    Request req = to_api_request(msg, "192.0.2.1");
    Response r = world->api->handle(req);
    if (r.long_poll) {  // the session waits, then asks again without waiting
      req.allow_wait = false;
      r = world->api->handle(req);
      ZKWIKI_FUZZ_CHECK(!r.long_poll);
    }
    answer(r, version, head);
    if (!keep_alive) return 0;
  }
  return 0;
}
