// The only test translation unit that includes Beast.
#include "client.h"

#include "zkwiki/workspace_record.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "zkwiki/account.h"
#include "zkwiki/encoding.h"
#include "zkwiki/primitives.h"
#include "zkwiki/revision.h"

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace zkwiki::test {

std::string HttpResponse::error_code() const {
  json j = json_body();
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return "";
  auto& e = j["error"];
  if (!e.contains("code") || !e["code"].is_string()) return "";
  return e["code"].get<std::string>();
}

struct HttpClient::Impl {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool connected = false;

  // Runs the io_context until the started operation completes.
  void run() {
    ioc.restart();
    ioc.run();
  }
};

HttpClient::HttpClient(std::string host, std::uint16_t port)
    : impl_(std::make_unique<Impl>()), host_(std::move(host)), port_(port) {}
HttpClient::~HttpClient() { disconnect(); }

void HttpClient::disconnect() {
  if (!impl_->connected) return;
  beast::error_code ec;
  impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  impl_->stream.close();
  impl_->connected = false;
  impl_->buffer.clear();
}

HttpResponse HttpClient::request(const std::string& method, const std::string& target,
                                 const std::string& body, const HeaderList& headers) {
  HttpResponse out;
  Impl& m = *impl_;
  beast::error_code ec;
  if (!m.connected) {
    m.stream.expires_after(std::chrono::milliseconds(timeout_ms_));
    tcp::endpoint ep(net::ip::make_address(host_), port_);
    if (!source_.empty()) {
      auto& socket = m.stream.socket();
      socket.open(ep.protocol(), ec);
      if (!ec) socket.bind(tcp::endpoint(net::ip::make_address(source_), 0), ec);
      if (ec) {
        out.error = "bind " + source_ + ": " + ec.message();
        m.stream.close();
        return out;
      }
    }
    m.stream.async_connect(ep, [&](beast::error_code e) { ec = e; });
    m.run();
    if (ec) {
      out.error = "connect: " + ec.message();
      m.stream.close();
      return out;
    }
    m.connected = true;
    m.buffer.clear();
  }
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, host_);
  for (auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req.body() = body;
    req.prepare_payload();
  }
  m.stream.expires_after(std::chrono::milliseconds(timeout_ms_));
  http::async_write(m.stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
  m.run();
  if (ec) {
    out.error = "write: " + ec.message();
    disconnect();
    return out;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(512ULL * 1024 * 1024);
  if (method == "HEAD") parser.skip(true);
  m.stream.expires_after(std::chrono::milliseconds(timeout_ms_));
  http::async_read(m.stream, m.buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
  m.run();
  if (ec) {
    out.error = "read: " + ec.message();
    disconnect();
    return out;
  }
  auto res = parser.release();
  out.status = static_cast<int>(res.result_int());
  for (auto& f : res) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    out.headers[name] = std::string(f.value());
  }
  out.body = std::move(res.body());
  if (!res.keep_alive()) disconnect();
  return out;
}

HttpResponse HttpClient::json_request(const std::string& method, const std::string& target,
                                      const json& body, const std::string& token,
                                      const HeaderList& headers) {
  HeaderList h = headers;
  h.emplace_back("Content-Type", "application/json");
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  return request(method, target, body.is_null() ? std::string() : body.dump(), h);
}

std::string raw_exchange(const std::string& host, std::uint16_t port, const std::string& bytes,
                         int timeout_ms, bool* closed) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  *closed = false;
  stream.expires_after(std::chrono::milliseconds(timeout_ms));
  stream.async_connect(tcp::endpoint(net::ip::make_address(host), port),
                       [&](beast::error_code e) { ec = e; });
  ioc.run();
  if (ec) {
    *closed = true;
    return {};
  }
  if (!bytes.empty()) {
    ioc.restart();
    net::async_write(stream, net::buffer(bytes), [&](beast::error_code e, std::size_t) { ec = e; });
    ioc.run();
  }
  std::string got;
  char buf[65536];
  while (true) {
    std::size_t n = 0;
    ioc.restart();
    stream.async_read_some(net::buffer(buf), [&](beast::error_code e, std::size_t k) {
      ec = e;
      n = k;
    });
    ioc.run();
    got.append(buf, n);
    if (ec) {
      *closed = ec != beast::error::timeout;
      break;
    }
  }
  return got;
}

// ---------------------------------------------------------------------------------------------

ServerProcess::~ServerProcess() {
  if (pid_ > 0) kill9();
  if (!stderr_path_.empty()) std::remove(stderr_path_.c_str());
}

bool ServerProcess::start(const std::string& data_dir, const std::vector<std::string>& extra) {
  int fds[2];
  if (pipe(fds) != 0) {
    error_ = "pipe failed";
    return false;
  }
  stderr_path_ = data_dir + ".stderr";
  std::vector<std::string> args = {ZKWIKI_SERVER_BIN, "--listen", "127.0.0.1:0", "--data", data_dir};
  args.insert(args.end(), extra.begin(), extra.end());
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // If the test process dies without cleaning up (a crash, SIGPIPE), the server dies too.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fds[1], 1);
    int err = open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (err >= 0) dup2(err, 2);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  const std::string prefix = "listening on http://";
  auto pos = line.find(prefix);
  auto colon = line.rfind(':');
  if (pos == std::string::npos || colon == std::string::npos || colon < pos + prefix.size()) {
    error_ = "no listening line; got: " + line + " stderr: " + stderr_text();
    kill9();
    return false;
  }
  host_ = line.substr(pos + prefix.size(), colon - pos - prefix.size());
  port_ = static_cast<std::uint16_t>(std::atoi(line.c_str() + colon + 1));
  return true;
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  waitpid(pid_, &st, 0);
  pid_ = -1;
}

int ServerProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int st = 0;
  // Wait up to 15 s for a clean exit, then give up with SIGKILL.
  for (int i = 0; i < 1500; ++i) {
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    }
    usleep(10000);
  }
  kill9();
  return -1;
}

std::string ServerProcess::stderr_text() const {
  std::ifstream in(stderr_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "zkwiki-server-test-XXXXXX").string();
  if (mkdtemp(tmpl.data())) path_ = tmpl;
}
TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

// ---------------------------------------------------------------------------------------------

std::string random_id() {
  unsigned char raw[16];
  randombytes_buf(raw, sizeof raw);
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  return hex;
}

std::string b64(const std::string& raw) {
  std::string out(sodium_base64_encoded_len(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();
  return out;
}

std::string blob_id(const std::string& data) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                     nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return hex;
}

namespace {

std::span<const std::uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
std::string str_of(std::span<const std::uint8_t> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::pair<std::string, std::string> ed25519_keypair() {
  std::string pk(crypto_sign_PUBLICKEYBYTES, '\0'), sk(crypto_sign_SECRETKEYBYTES, '\0');
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(pk.data()),
                      reinterpret_cast<unsigned char*>(sk.data()));
  return {pk, sk};
}

std::string sign(const std::string& secret_key, const std::string& msg) {
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                       reinterpret_cast<const unsigned char*>(secret_key.data()));
  return sig;
}

// A real AccountRecord for `a`'s keys; KDF seed and key wraps are random bytes.
std::string encode_record(const TestAccount& a) {
  AccountRecord r;
  r.id = AccountId::from_hex(a.id).value();
  r.kdf = KdfParams::generate();
  std::copy(a.public_key.begin(), a.public_key.end(), r.login_public_key.begin());
  std::copy(a.x25519_public.begin(), a.x25519_public.end(), r.public_keys.x25519.begin());
  std::copy(a.identity_public.begin(), a.identity_public.end(), r.public_keys.ed25519.begin());
  randombytes_buf(r.passphrase_wrap.data(), r.passphrase_wrap.size());
  randombytes_buf(r.recovery_wrap.data(), r.recovery_wrap.size());
  return str_of(r.encode());
}

}  // namespace

TestAccount new_account() {
  if (sodium_init() < 0) std::abort();
  TestAccount a;
  a.id = random_id();
  std::tie(a.public_key, a.secret_key) = ed25519_keypair();
  std::tie(a.identity_public, a.identity_secret) = ed25519_keypair();
  a.x25519_public.resize(32);
  randombytes_buf(a.x25519_public.data(), a.x25519_public.size());
  a.record = encode_record(a);
  return a;
}

TestAccount with_new_login_key(const TestAccount& a) {
  TestAccount b = a;
  std::tie(b.public_key, b.secret_key) = ed25519_keypair();
  b.record = encode_record(b);
  b.token.clear();
  return b;
}

json account_body(const TestAccount& a) { return account_body(a, a.record); }

json account_body(const TestAccount& a, const std::string& record) {
  return json{{"account_id", a.id}, {"login_public_key", b64(a.public_key)}, {"record", b64(record)}};
}

std::string sign_login(const TestAccount& a, const std::string& challenge_raw) {
  std::string msg("zkwiki login v1\0", 16);
  msg += str_of(AccountId::from_hex(a.id).value().bytes);
  msg += challenge_raw;
  return sign(a.secret_key, msg);
}

std::string sign_recover(const TestAccount& a, const std::string& challenge_raw,
                         const std::string& new_login_public_key, const std::string& new_record) {
  std::string msg("zkwiki recover v1\0", 18);
  msg += str_of(AccountId::from_hex(a.id).value().bytes);
  msg += challenge_raw;
  msg += new_login_public_key;
  msg += str_of(primitives::blake2b_256({span_of(new_record)}));
  return sign(a.identity_secret, msg);
}

std::string unb64(const std::string& text) {
  auto r = from_base64(text);
  return r ? str_of(*r) : std::string();
}

std::string fetch_challenge(HttpClient& c, const std::string& account_id) {
  auto r = c.json_request("POST", "/v1/auth/challenge", json{{"account_id", account_id}});
  if (r.status != 200) return {};
  return unb64(r.json_body()["challenge"].get<std::string>());
}

HttpResponse login(HttpClient& c, TestAccount& a) {
  std::string ch = fetch_challenge(c, a.id);
  auto r = c.json_request("POST", "/v1/auth/login",
                          json{{"account_id", a.id}, {"challenge", b64(ch)},
                               {"signature", b64(sign_login(a, ch))}});
  if (r.status == 200) a.token = r.json_body()["token"].get<std::string>();
  return r;
}

bool register_and_login(HttpClient& c, TestAccount& a) {
  auto r = c.json_request("POST", "/v1/accounts", account_body(a));
  return r.status == 201 && login(c, a).status == 200;
}

std::string revision_record(const TestAccount& author, const std::string& ws,
                            const std::string& coll, const std::string& page, std::uint64_t n,
                            const std::string& parent, const std::string& envelope) {
  EnvelopeContext ctx;
  ctx.workspace = WorkspaceId::from_hex(ws).value();
  ctx.collection = CollectionId::from_hex(coll).value();
  ctx.page = PageId::from_hex(page).value();
  ctx.revision = n;
  if (!parent.empty()) ctx.parent = Hash256::from_hex(parent).value();
  std::array<std::uint8_t, 32> pub{};
  std::copy(author.identity_public.begin(), author.identity_public.end(), pub.begin());
  auto rec = sign_revision(ctx, span_of(envelope), pub,
                           Secret::from_bytes(span_of(author.identity_secret)));
  return str_of(rec.encode());
}

std::string workspace_record(const TestAccount& owner, const std::string& ws,
                             const std::string& default_collection) {
  auto keys = AccountKeys::from_seeds(AccountId::from_hex(owner.id).value(), Secret::random(32),
                                      Secret::from_bytes(span_of(owner.identity_secret).first(32)));
  auto def = CollectionId::from_hex(default_collection.empty() ? random_id() : default_collection).value();
  return str_of(sign_workspace_record(WorkspaceId::from_hex(ws).value(), def, keys).encode());
}

std::uint64_t revision_number(const std::string& record) {
  auto r = RevisionRecord::decode(span_of(record));
  return r ? r->revision : 0;
}

}  // namespace zkwiki::test
