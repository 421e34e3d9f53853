// The only test translation unit that includes Beast.
#include "client.h"

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

TestAccount new_account() {
  if (sodium_init() < 0) std::abort();
  TestAccount a;
  a.id = random_id();
  a.public_key.resize(crypto_sign_PUBLICKEYBYTES);
  a.secret_key.resize(crypto_sign_SECRETKEYBYTES);
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(a.public_key.data()),
                      reinterpret_cast<unsigned char*>(a.secret_key.data()));
  return a;
}

json account_body(const TestAccount& a, const std::string& record) {
  return json{{"account_id", a.id}, {"login_public_key", b64(a.public_key)}, {"record", b64(record)}};
}

std::string sign_login(const TestAccount& a, const std::string& challenge_raw) {
  std::string msg("zkwiki login v1\0", 16);
  unsigned char id[16];
  sodium_hex2bin(id, sizeof id, a.id.data(), a.id.size(), nullptr, nullptr, nullptr);
  msg.append(reinterpret_cast<char*>(id), sizeof id);
  msg += challenge_raw;
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                       reinterpret_cast<const unsigned char*>(a.secret_key.data()));
  return sig;
}

static std::string unb64(const std::string& s) {
  std::string out(s.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), s.data(),
                        s.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return {};
  out.resize(len);
  return out;
}

bool register_and_login(HttpClient& c, TestAccount& a) {
  auto r = c.json_request("POST", "/v1/accounts", account_body(a));
  if (r.status != 201) return false;
  r = c.json_request("POST", "/v1/auth/challenge", json{{"account_id", a.id}});
  if (r.status != 200) return false;
  std::string ch = unb64(r.json_body()["challenge"].get<std::string>());
  r = c.json_request("POST", "/v1/auth/login",
                     json{{"account_id", a.id}, {"challenge", b64(ch)},
                          {"signature", b64(sign_login(a, ch))}});
  if (r.status != 200) return false;
  a.token = r.json_body()["token"].get<std::string>();
  return true;
}

}  // namespace zkwiki::test
