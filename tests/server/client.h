// Test support for zkwiki-server: start the real binary as a child process, talk HTTP to it
// with a small blocking Beast client, and drive the login flow. Beast stays in client.cc.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace zkwiki::test {

using json = nlohmann::json;
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;                             // 0: the connection failed or closed
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::string error;  // transport error, if status == 0

  json json_body() const { return json::parse(body, nullptr, false); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  std::string error_code() const;  // the "error.code" of a JSON error body, or ""
};

// One keep-alive connection (reconnects transparently after the server closed it).
class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& body = {}, const HeaderList& headers = {});
  // Convenience: JSON body with Content-Type and an optional bearer token.
  HttpResponse json_request(const std::string& method, const std::string& target,
                            const json& body, const std::string& token = {},
                            const HeaderList& headers = {});
  void set_timeout_ms(int ms) { timeout_ms_ = ms; }
  // Connects from this local address (any of 127.0.0.0/8 on loopback: another "client").
  void set_source_address(std::string address) { source_ = std::move(address); }
  void disconnect();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string host_;
  std::uint16_t port_;
  std::string source_;
  int timeout_ms_ = 10000;
};

// Sends `bytes` on a fresh connection, half-closes nothing, and returns whatever arrives until
// the server closes the connection or `timeout_ms` passes. `closed` tells which happened.
std::string raw_exchange(const std::string& host, std::uint16_t port, const std::string& bytes,
                         int timeout_ms, bool* closed);

// The zkwiki-server binary running as a child process.
class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts `zkwiki-server --listen 127.0.0.1:0 --data DIR <extra>` and waits for its
  // "listening on http://HOST:PORT" line. Returns false (with a message in `error`) on failure.
  // The server gets SIGKILL when the calling thread exits (PR_SET_PDEATHSIG), so no server
  // outlives a crashed test: call start() from a thread that lives as long as the server.
  bool start(const std::string& data_dir, const std::vector<std::string>& extra = {});
  void kill9();
  int terminate();  // SIGTERM, wait; returns the exit status (or -1)
  bool running() const { return pid_ > 0; }
  std::uint16_t port() const { return port_; }
  const std::string& host() const { return host_; }
  const std::string& error() const { return error_; }
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string host_ = "127.0.0.1";
  std::string error_;
  std::string stderr_path_;
};

// A fresh temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// An account as a client holds it: its Ed25519 login key pair, its Ed25519 identity key pair
// (which signs revision records) and its real AccountRecord (zkwiki::AccountRecord, encoded).
// The KDF parameters and key wraps in the record are random bytes: the server cannot tell.
struct TestAccount {
  std::string id;  // 32 hex
  std::string public_key;  // login key (raw 32 bytes)
  std::string secret_key;  // login key (raw 64 bytes, libsodium layout)
  std::string identity_public;  // raw 32 bytes
  std::string identity_secret;  // raw 64 bytes
  std::string x25519_public;    // raw 32 bytes
  std::string record;           // the encoded AccountRecord
  std::string token;  // set by login()
};

std::string random_id();  // 16 random bytes as 32 hex
std::string b64(const std::string& raw);
std::string unb64(const std::string& text);  // "" on malformed input
std::string blob_id(const std::string& data);  // BLAKE2b-256 hex
TestAccount new_account();
// The same account after a passphrase change or a recovery: the same id and public keys, a new
// login key pair and a new record (fresh KDF seed and wraps).
TestAccount with_new_login_key(const TestAccount& a);
// {"account_id", "login_public_key", "record"} with the account's record (or `record`).
json account_body(const TestAccount& a);
json account_body(const TestAccount& a, const std::string& record);
// POST /v1/accounts then challenge/login; returns false on any failure.
bool register_and_login(HttpClient& c, TestAccount& a);
// A fresh login challenge for `account_id` (raw 32 bytes; "" on failure).
std::string fetch_challenge(HttpClient& c, const std::string& account_id);
// Challenge and login with `a`'s login key; sets a.token on success.
HttpResponse login(HttpClient& c, TestAccount& a);
// Signs the login message for `challenge_raw`.
std::string sign_login(const TestAccount& a, const std::string& challenge_raw);
// Signs the recovery message (docs/API.md) with `a`'s identity key.
std::string sign_recover(const TestAccount& a, const std::string& challenge_raw,
                         const std::string& new_login_public_key, const std::string& new_record);

// The encoded, signed RevisionRecord of page (ws, coll, page) at revision `n` after `parent`
// (64 hex; "" for revision 1), naming `envelope` by hash and size, signed by `author`'s
// identity key. Its revision hash is blob_id() of the returned bytes.
std::string revision_record(const TestAccount& author, const std::string& ws,
                            const std::string& coll, const std::string& page, std::uint64_t n,
                            const std::string& parent, const std::string& envelope = "content");
// The encoded workspace record (ZKWS) of workspace `ws` owned by `owner`, signed with its
// identity key; the default collection is `default_collection` (32 hex, or random).
std::string workspace_record(const TestAccount& owner, const std::string& ws,
                             const std::string& default_collection = "");
// The revision number of an encoded record (0 if it does not decode).
std::uint64_t revision_number(const std::string& record);

}  // namespace zkwiki::test
