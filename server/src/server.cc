// zkwiki-server: the only translation unit that includes Beast (with http_request.h, which the
// HTTP fuzz target shares). Shaped like Beast's advanced
// server: a listener, one session per connection (each connection lives on one of N single-
// threaded io_contexts, so its handlers never run concurrently), a fresh parser per request
// with a body limit, a timeout on every read, requests answered one at a time per connection
// (pipelined requests wait in the read buffer), clean drain on SIGINT/SIGTERM. Everything about
// the meaning of a request lives in Api (api.h), a pure function this file only calls.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api.h"
#include "crypto.h"
#include "zkwiki/envelope.h"
#include "http_request.h"

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace zkwiki::server {
namespace {

struct Options {
  std::string data_dir = "./zkwiki-data";
  std::string listen = "127.0.0.1:8787";
  std::string app_dir;
  // The largest envelope a client seals (a 64 MiB page: padding and chunk tags included), in
  // whole MiB: every page a client may write fits in one request.
  std::uint64_t max_body = (zkwiki::sealed_size(zkwiki::kMaxPlaintextBytes) + (1u << 20) - 1) & ~((1ULL << 20) - 1);
  int threads = 0;  // 0: hardware concurrency
  int max_connections = 1024;
  int read_timeout = 30;  // seconds
  std::int64_t quota = 1LL << 30;
  bool memory = false;
  std::uint64_t blob_cache = 256ULL << 20;
  std::string public_url;
  std::vector<std::string> trusted_proxies;  // canonical_ip() forms
};

constexpr const char* kUsage =
    "usage: zkwiki-server [--data DIR] [--listen HOST:PORT] [--app DIR] [--max-body BYTES]\n"
    "                     [--threads N] [--max-connections N] [--read-timeout SECONDS]\n"
    "                     [--quota BYTES] [--blob-cache BYTES] [--public-url URL]\n"
    "                     [--trusted-proxy IP]... [--memory]\n";

void log_line(const std::string& s) {
  std::fprintf(stderr, "zkwiki-server: %s\n", s.c_str());
}

class Server;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Server& server);
  ~Session();
  void run();
  void stop();  // on the session's strand: close now unless a request is being answered

 private:
  void do_read();
  void on_header(beast::error_code ec, std::size_t);
  void on_read(beast::error_code ec, std::size_t);
  void send(Response r, unsigned version, bool keep_alive, bool head);
  void on_write(bool keep_alive, beast::error_code ec, std::size_t);
  void drain_and_close();
  void do_close();
  void wait_for_changes(Request req, const Response::LongPoll& lp, unsigned version,
                        bool keep_alive);

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<void> res_;  // the response being written (kept alive until written)
  Server& server_;
  std::string remote_;
  bool busy_ = false;
  bool stopping_ = false;
  std::optional<net::steady_timer> poll_timer_;  // a long-poll in progress
  std::array<char, 16384> scratch_{};
};

class Server {
 public:
  // Connections are spread round-robin over `contexts`; the acceptor lives on the first.
  Server(std::vector<std::unique_ptr<net::io_context>>& contexts, Api& api, Metrics& metrics,
         const Options& opt)
      : contexts_(contexts), acceptor_(*contexts[0]), api_(api), metrics_(metrics), opt_(opt) {}

  bool listen(const tcp::endpoint& ep, std::string& err) {
    beast::error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      err = ec.message();
      return false;
    }
    return true;
  }
  tcp::endpoint local() const { return acceptor_.local_endpoint(); }

  void accept() {
    auto& ctx = *contexts_[next_++ % contexts_.size()];
    acceptor_.async_accept(ctx, [this](beast::error_code ec, tcp::socket s) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
        return accept();  // e.g. EMFILE: keep serving the connections we have
      }
      if (stopping_) return;
      if (active_.load() >= opt_.max_connections) {
        refuse(std::move(s));
      } else {
        std::make_shared<Session>(std::move(s), *this)->run();
      }
      accept();
    });
  }

  // Stops accepting and asks every session to finish its current request and close.
  void shutdown() {
    net::post(acceptor_.get_executor(), [this] {
      stopping_ = true;
      beast::error_code ec;
      acceptor_.close(ec);
    });
    std::vector<std::weak_ptr<Session>> all;
    {
      std::lock_guard lock(mu_);
      for (auto& [p, w] : sessions_) all.push_back(w);
    }
    for (auto& w : all)
      if (auto s = w.lock()) s->stop();
  }

  void add(Session* p, std::weak_ptr<Session> w) {
    std::lock_guard lock(mu_);
    sessions_[p] = std::move(w);
    ++active_;
    metrics_.connection_opened();
  }
  void remove(Session* p) {
    std::lock_guard lock(mu_);
    sessions_.erase(p);
    --active_;
    metrics_.connection_closed();
  }

  Api& api() { return api_; }
  net::thread_pool& blocking_pool() { return pool_; }
  void join_pool() { pool_.join(); }  // waits for requests still running there
  Metrics& metrics() { return metrics_; }
  const Options& options() const { return opt_; }
  bool stopping() const { return stopping_.load(); }
  bool drained() const { return stopping_.load() && active_.load() == 0; }

 private:
  // Answers 503 and closes: the connection limit is reached.
  void refuse(tcp::socket s) {
    metrics_.connection_refused();
    auto stream = std::make_shared<beast::tcp_stream>(std::move(s));
    auto res = std::make_shared<std::string>();
    std::string body = Api::error(503, "too_many_connections",
                                  "the server is at its connection limit; retry later")
                           .body;
    *res = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
           "Connection: close\r\nRetry-After: 1\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
    stream->expires_after(std::chrono::seconds(2));
    net::async_write(*stream, net::buffer(*res), [stream, res](beast::error_code, std::size_t) {
      beast::error_code ec;
      stream->socket().shutdown(tcp::socket::shutdown_send, ec);
      stream->close();
    });
  }

  std::vector<std::unique_ptr<net::io_context>>& contexts_;
  net::thread_pool pool_{32};  // requests that block on the store's commit
  std::size_t next_ = 0;
  tcp::acceptor acceptor_;
  Api& api_;
  Metrics& metrics_;
  const Options& opt_;
  std::atomic<bool> stopping_{false};

  std::atomic<int> active_{0};
  std::mutex mu_;
  std::map<Session*, std::weak_ptr<Session>> sessions_;
};

Session::Session(tcp::socket&& socket, Server& server)
    : stream_(std::move(socket)), server_(server) {
  beast::error_code ec;
  auto ep = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_ = ep.address().to_string();
}

Session::~Session() { server_.remove(this); }

void Session::run() {
  server_.add(this, weak_from_this());
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

// Runs on the session's own (single-threaded) io_context.
void Session::stop() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    if (self->poll_timer_) self->poll_timer_->cancel();  // answer a long-poll now
    if (!self->busy_) self->do_close();
  });
}

void Session::do_read() {
  if (stopping_ || server_.stopping()) return do_close();
  busy_ = false;
  parser_.emplace();
  limit_parser(*parser_, server_.options().max_body);
  stream_.expires_after(std::chrono::seconds(server_.options().read_timeout));
  // The header first: a body that is announced too large is refused before it is sent, and a
  // client waiting on "Expect: 100-continue" is told to go on.
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_header, shared_from_this()));
}

void Session::on_header(beast::error_code ec, std::size_t) {
  if (ec) return on_read(ec, 0);
  auto read_body = [self = shared_from_this()] {
    http::async_read(self->stream_, self->buffer_, *self->parser_,
                     beast::bind_front_handler(&Session::on_read, self));
  };
  const auto expect = parser_->get()[http::field::expect];
  if (!parser_->is_done() && beast::iequals(expect, "100-continue")) {
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    return net::async_write(stream_, net::buffer(kContinue),
                            [self = shared_from_this(), read_body](beast::error_code e, std::size_t) {
                              if (e) return self->do_close();
                              read_body();
                            });
  }
  if (parser_->is_done()) return on_read({}, 0);
  read_body();
}

void Session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream || ec == net::error::operation_aborted) return do_close();
  if (ec == beast::error::timeout) {
    server_.metrics().timeout();
    return do_close();
  }
  if (ec == http::error::body_limit) {
    busy_ = true;
    Response r = Api::error(413, "payload_too_large",
                            "the body exceeds " + std::to_string(server_.options().max_body) +
                                " bytes");
    r.route = "body_limit";
    server_.metrics().observe(r.route, 413, 0, 0, r.body.size());
    return send(std::move(r), parser_->get().version(), false, false);
  }
  if (ec) {
    // Malformed HTTP (or the peer went away mid-request): answer 400 when we can, then close.
    if (ec == net::error::eof || ec == net::error::connection_reset) return do_close();
    busy_ = true;
    Response r = Api::error(400, "bad_http", "malformed HTTP request");
    r.route = "bad_http";
    server_.metrics().observe(r.route, 400, 0, 0, r.body.size());
    return send(std::move(r), 11, false, false);
  }
  busy_ = true;
  stream_.expires_never();
  auto msg = parser_->release();
  Request req = to_api_request(msg, remote_);
  const bool head = msg.method() == http::verb::head;
  const unsigned version = msg.version();
  const bool keep_alive = msg.keep_alive();
  // Reads are answered right here on the connection's thread. Writes block on the store's group
  // commit (an fsync), so they run on the blocking pool and many of them share one commit.
  if (msg.method() == http::verb::get || head) {
    Response r = server_.api().handle(req);
    if (r.status >= 500) log_line(r.route + " -> " + std::to_string(r.status));
    if (r.long_poll && !stopping_ && !server_.stopping())
      return wait_for_changes(std::move(req), *r.long_poll, version, keep_alive);
    return send(std::move(r), version, keep_alive && !stopping_ && !server_.stopping(), head);
  }
  net::post(server_.blocking_pool(), [self = shared_from_this(), req = std::move(req), version,
                                      keep_alive, head]() mutable {
    auto r = std::make_shared<Response>(self->server_.api().handle(req));
    if (r->status >= 500) log_line(r->route + " -> " + std::to_string(r->status));
    net::post(self->stream_.get_executor(), [self, r, version, keep_alive, head] {
      self->send(std::move(*r), version,
                 keep_alive && !self->stopping_ && !self->server_.stopping(), head);
    });
  });
}

// Holds a change-feed read until the workspace gets a newer seq, the wait ends, or the server
// stops; then answers it by handling the request again (without waiting). No thread blocks.
void Session::wait_for_changes(Request req, const Response::LongPoll& lp, unsigned version,
                               bool keep_alive) {
  poll_timer_.emplace(stream_.get_executor());
  poll_timer_->expires_after(std::chrono::seconds(lp.seconds));
  auto self = shared_from_this();
  std::weak_ptr<Session> weak = self;
  auto id = std::make_shared<std::uint64_t>(0);
  poll_timer_->async_wait([self, id, req = std::move(req), version, keep_alive](
                              beast::error_code) mutable {
    self->server_.api().notifier().unsubscribe(*id);
    self->poll_timer_.reset();
    req.allow_wait = false;
    Response r = self->server_.api().handle(req);
    self->send(std::move(r), version,
               keep_alive && !self->stopping_ && !self->server_.stopping(), false);
  });
  // The wake-up may come from any thread (or right now): hop onto this connection's thread.
  *id = server_.api().notifier().subscribe(lp.workspace_id, lp.seen, [weak] {
    if (auto s = weak.lock()) {
      net::post(s->stream_.get_executor(), [s] {
        if (s->poll_timer_) s->poll_timer_->cancel();
      });
    }
  });
}

void Session::send(Response r, unsigned version, bool keep_alive, bool head) {
  auto res = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(r.status), version);
  res->set(http::field::server, "zkwiki");
  for (auto& [k, v] : r.headers) res->set(k, v);
  if (r.status != 204 && r.status != 304 && !(r.status >= 100 && r.status < 200)) {
    const std::uint64_t len = r.head_length   ? *r.head_length
                              : r.shared_body ? r.shared_body->size()
                                              : r.body.size();
    if (!head && !r.head_length) res->body() = std::move(r.body);
    res->content_length(len);
  }
  res->keep_alive(keep_alive);
  res_ = res;
  stream_.expires_after(std::chrono::seconds(server_.options().read_timeout));
  // Shared immutable bytes (cached blobs) go out straight from the cache: the serialized header
  // and the shared body in one gathered write, without copying the body.
  if (r.shared_body && !head) {
    auto body = r.shared_body;
    res->content_length(body->size());
    auto hdr = std::make_shared<std::string>();
    http::response_serializer<http::string_body> sr(*res);
    sr.split(true);
    beast::error_code ec;
    while (!ec && !sr.is_header_done()) {
      sr.next(ec, [&](beast::error_code& e, const auto& buffers) {
        e = {};
        *hdr += beast::buffers_to_string(buffers);
        sr.consume(beast::buffer_bytes(buffers));
      });
    }
    if (ec) return do_close();
    std::array<net::const_buffer, 2> bufs{net::buffer(*hdr), net::buffer(*body)};
    net::async_write(stream_, bufs,
                     [self = shared_from_this(), hdr, body, keep_alive](beast::error_code e,
                                                                        std::size_t n) {
                       self->on_write(keep_alive, e, n);
                     });
    return;
  }
  // A HEAD answer carries Content-Length but no body: write only the header.
  if (head || r.head_length) {
    auto sr = std::make_shared<http::response_serializer<http::string_body>>(*res);
    http::async_write_header(
        stream_, *sr,
        [self = shared_from_this(), sr, keep_alive](beast::error_code ec, std::size_t n) {
          self->on_write(keep_alive, ec, n);
        });
    return;
  }
  http::async_write(stream_, *res,
                    beast::bind_front_handler(&Session::on_write, shared_from_this(), keep_alive));
}

void Session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  res_.reset();
  if (ec) return do_close();
  if (!keep_alive) return drain_and_close();
  do_read();
}

// Half-closes, then reads and discards what the peer still sends (for up to 2 s), so a client
// that was cut off mid-body (413) sees our answer instead of a connection reset.
void Session::drain_and_close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.expires_after(std::chrono::seconds(2));
  struct Drain {
    std::shared_ptr<Session> self;
    int rounds = 0;
    void operator()(beast::error_code e, std::size_t) {
      if (e || ++rounds > 4096) return self->do_close();
      self->stream_.async_read_some(net::buffer(self->scratch_), std::move(*this));
    }
  };
  stream_.async_read_some(net::buffer(scratch_), Drain{shared_from_this()});
}

void Session::do_close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
}

bool parse_u64(const char* s, std::uint64_t& out) {
  auto end = s + std::strlen(s);
  auto r = std::from_chars(s, end, out);
  return r.ec == std::errc() && r.ptr == end;
}

int parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    std::uint64_t n = 0;
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--memory") {
      o.memory = true;
      continue;
    }
    static constexpr std::string_view kValued[] = {"--data", "--listen", "--app", "--max-body", "--threads",
                                                   "--max-connections", "--read-timeout", "--quota",
                                                   "--blob-cache", "--public-url", "--trusted-proxy"};
    if (std::find(std::begin(kValued), std::end(kValued), a) == std::end(kValued)) {
      std::fprintf(stderr, "zkwiki-server: unknown option %s\n%s", a.c_str(), kUsage);
      return 2;
    }
    const char* v = value();
    if (!v) {
      std::fprintf(stderr, "zkwiki-server: %s needs a value\n%s", a.c_str(), kUsage);
      return 2;
    }
    if (a == "--data") o.data_dir = v;
    else if (a == "--listen") o.listen = v;
    else if (a == "--app") o.app_dir = v;
    else if (a == "--max-body" && parse_u64(v, n) && n > 0) o.max_body = n;
    else if (a == "--threads" && parse_u64(v, n) && n > 0 && n <= 256) o.threads = static_cast<int>(n);
    else if (a == "--max-connections" && parse_u64(v, n) && n > 0 && n < 1000000)
      o.max_connections = static_cast<int>(n);
    else if (a == "--read-timeout" && parse_u64(v, n) && n > 0 && n < 86400)
      o.read_timeout = static_cast<int>(n);
    else if (a == "--quota" && parse_u64(v, n)) o.quota = static_cast<std::int64_t>(n);
    else if (a == "--blob-cache" && parse_u64(v, n)) o.blob_cache = n;
    else if (a == "--public-url") {
      std::string url = v;
      if (!url.empty() && url.back() == '/') url.pop_back();
      if (!valid_public_url(url)) {
        std::fprintf(stderr, "zkwiki-server: --public-url must be an origin, http(s)://HOST[:PORT] "
                             "with no path: %s\n", v);
        return 2;
      }
      o.public_url = url;
    } else if (a == "--trusted-proxy") {
      std::string ip = canonical_ip(v);
      if (ip.empty()) {
        std::fprintf(stderr, "zkwiki-server: --trusted-proxy must be an IP address (no port): %s\n", v);
        return 2;
      }
      o.trusted_proxies.push_back(ip);
    }
    else {
      std::fprintf(stderr, "zkwiki-server: bad option or value: %s %s\n%s", a.c_str(), v, kUsage);
      return 2;
    }
  }
  return -1;
}

int run(int argc, char** argv) {
  Options opt;
  if (int rc = parse_options(argc, argv, opt); rc >= 0) return rc;
  if (!crypto_init()) {
    log_line("libsodium failed to initialize");
    return 1;
  }
  // Parse HOST:PORT (an IP literal; IPv6 in brackets).
  auto colon = opt.listen.rfind(':');
  std::uint64_t port = 0;
  if (colon == std::string::npos || !parse_u64(opt.listen.c_str() + colon + 1, port) ||
      port > 65535) {
    log_line("--listen must be HOST:PORT");
    return 2;
  }
  std::string host = opt.listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (ec) {
    log_line("--listen host must be an IP address");
    return 2;
  }

  // The web app's files: a directory that is not there would answer every /app/ path with 404.
  if (!opt.app_dir.empty()) {
    std::error_code aec;
    if (!std::filesystem::is_regular_file(std::filesystem::path(opt.app_dir) / "index.html", aec)) {
      log_line("--app " + opt.app_dir + ": no index.html there (build the web app with ./zkwiki.sh build-spa)");
      return 2;
    }
  }

  std::unique_ptr<Store> store;
  if (opt.memory) {
    store = make_memory_store();
  } else {
    std::error_code fec;
    std::filesystem::create_directories(opt.data_dir, fec);
    if (fec) {
      log_line("cannot create the data directory: " + fec.message());
      return 1;
    }
    std::filesystem::permissions(opt.data_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, fec);
    auto r = open_sqlite_store(opt.data_dir);
    if (!r.ok()) {
      log_line("cannot open the store: " + r.status.message);
      return 1;
    }
    store = std::move(r.value);
  }

  Metrics metrics;
  Config cfg;
  cfg.quota_bytes = opt.quota;
  cfg.blob_cache_bytes = static_cast<std::size_t>(opt.blob_cache);
  cfg.app_dir = opt.app_dir;
  cfg.public_url = opt.public_url;
  cfg.trusted_proxies = opt.trusted_proxies;
  Api api(*store, cfg, &metrics);

  const int threads =
      opt.threads > 0 ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  // One single-threaded io_context per thread: no strands, no cross-thread scheduler locking.
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  for (int i = 0; i < threads; ++i) {
    contexts.push_back(std::make_unique<net::io_context>(1));
    guards.push_back(net::make_work_guard(*contexts.back()));
  }
  net::io_context& ioc = *contexts[0];
  Server server(contexts, api, metrics, opt);
  std::string err;
  if (!server.listen(tcp::endpoint(addr, static_cast<unsigned short>(port)), err)) {
    log_line("cannot listen on " + opt.listen + ": " + err);
    return 1;
  }
  server.accept();

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  net::steady_timer poll(ioc);
  const auto give_up_at = std::make_shared<std::chrono::steady_clock::time_point>();
  // After a signal: poll until every session has closed; requests still running after 10 s are
  // abandoned (each of their writes either committed or did not happen).
  std::function<void()> wait_drained = [&] {
    poll.expires_after(std::chrono::milliseconds(20));
    poll.async_wait([&](beast::error_code te) {
      if (te) return;
      if (server.drained()) {
        for (auto& g : guards) g.reset();  // every run() returns once its handlers finish
        return;
      }
      if (std::chrono::steady_clock::now() > *give_up_at) {
        log_line("drain timed out");
        for (auto& c : contexts) c->stop();
        return;
      }
      wait_drained();
    });
  };
  // Expired tokens are deleted a day after they expire (revoked ones stay listed until then).
  net::steady_timer purge(ioc);
  std::function<void()> schedule_purge = [&] {
    purge.expires_after(std::chrono::hours(1));
    purge.async_wait([&](beast::error_code pe) {
      if (pe) return;
      net::post(server.blocking_pool(), [&store] {
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
        auto r = store->purge_tokens(now - 24 * 3600);
        if (!r.ok()) log_line("token purge failed: " + r.status.message);
      });
      schedule_purge();
    });
  };
  schedule_purge();
  signals.async_wait([&](beast::error_code e, int sig) {
    if (e) return;
    purge.cancel();
    log_line("signal " + std::to_string(sig) + ": draining");
    *give_up_at = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    server.shutdown();
    net::post(poll.get_executor(), wait_drained);
  });

  auto ep = server.local();
  std::string shown = ep.address().is_v6() ? "[" + ep.address().to_string() + "]"
                                           : ep.address().to_string();
  std::printf("listening on http://%s:%u\n", shown.c_str(), static_cast<unsigned>(ep.port()));
  std::fflush(stdout);

  std::vector<std::thread> pool;
  // A handler that throws (say, std::bad_alloc) loses its connection, not the server.
  auto run_loop = [](net::io_context* c) {
    for (;;) {
      try {
        c->run();
        return;
      } catch (const std::exception& e) {
        log_line(std::string("handler failed: ") + e.what());
      }
    }
  };
  for (int i = 1; i < threads; ++i) pool.emplace_back([c = contexts[i].get(), run_loop] { run_loop(c); });
  run_loop(&ioc);
  for (auto& t : pool) t.join();
  server.join_pool();
  store.reset();  // closes SQLite cleanly (WAL checkpoint on last close)
  log_line("stopped");
  return 0;
}

}  // namespace
}  // namespace zkwiki::server

int main(int argc, char** argv) {
  try {
    return zkwiki::server::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zkwiki-server: fatal: %s\n", e.what());
    return 1;
  }
}
