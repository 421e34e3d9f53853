// The client tests' fixture: a real zkwiki-server (in memory), two devices with their own
// transports and stores, and a transport that can go offline or lie like a hostile server.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "client.h"
#include "support/borrowed_store.h"
#include "support/fixtures.h"
#include "zkwiki/client.h"
#include "zkwiki/http_transport.h"

namespace zkwiki {

using test::BorrowedStore;

// Passes requests through, optionally failing them (offline) or rewriting answers (a hostile
// server).
class ControlledTransport final : public Transport {
 public:
  explicit ControlledTransport(Transport& inner) : inner_(inner) {}
  Result<HttpResponse> send(const HttpRequest& request) override {
    if (offline) return make_error(Errc::io, "offline (test)");
    if (intercept)
      if (auto canned = intercept(request)) return *canned;
    HttpRequest sent = request;
    if (redirect) redirect(sent);
    auto r = inner_.send(sent);
    if (r.ok() && rewrite) rewrite(request, *r);
    return r;
  }
  bool offline = false;
  // Answers a request itself (the server never sees it) when it returns a response.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> intercept;
  // Changes a request before the server sees it.
  std::function<void(HttpRequest&)> redirect;
  // Changes the server's answer.
  std::function<void(const HttpRequest&, HttpResponse&)> rewrite;

 private:
  Transport& inner_;
};

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start(dir_.path(), {"--memory"})) << server_.error();
    for (auto* t : {&http_a_, &http_b_}) {
      auto h = HttpTransport::connect_to("http://127.0.0.1:" + std::to_string(server_.port()));
      ASSERT_TRUE(h.ok());
      *t = std::move(h).value();
    }
    net_a_ = std::make_unique<ControlledTransport>(*http_a_);
    net_b_ = std::make_unique<ControlledTransport>(*http_b_);
    auto a = Client::create_account(*net_a_, std::make_unique<BorrowedStore>(store_a_), kPass, recovery_,
                                    test::fast_kdf_params(), options());
    ASSERT_TRUE(a.ok()) << a.error().message;
    a_ = std::move(a).value();
    EXPECT_EQ(recovery_.rfind("zkwrec_", 0), 0u);
  }

  ClientOptions options(std::int64_t skew_ms = 0) {
    ClientOptions o;
    o.kdf_policy = test::fast_kdf_policy();
    if (skew_ms != 0) o.now_ms = [skew_ms] { return std::int64_t{1'764'720'000'000} + skew_ms; };
    return o;
  }

  std::unique_ptr<Client> login_b(ClientOptions o) {
    auto b = Client::login(*net_b_, std::make_unique<BorrowedStore>(store_b_), a_->account_id(), kPass, std::move(o));
    EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
    return b.ok() ? std::move(b).value() : nullptr;
  }

  static std::string body_of(Client& c, std::string_view path) {
    auto r = c.read(path);
    return r.ok() ? r->body : "<" + r.error().message + ">";
  }

  static constexpr const char* kPass = "correct horse battery staple";
  test::TempDir dir_;
  test::ServerProcess server_;
  std::unique_ptr<HttpTransport> http_a_, http_b_;
  std::unique_ptr<ControlledTransport> net_a_, net_b_;
  MemoryLocalStore store_a_, store_b_;
  std::unique_ptr<Client> a_;
  std::string recovery_;  // a_'s recovery key
};

// A second person, Carol, with her own account and workspace; her second device (store_c2_)
// opens Alice's workspace once Alice shares it.
class SharingTest : public ClientTest {
 protected:
  void SetUp() override {
    ClientTest::SetUp();
    std::string recovery;
    auto c = Client::create_account(*net_b_, std::make_unique<BorrowedStore>(store_c_), kCarolPass, recovery,
                                    test::fast_kdf_params(), options());
    ASSERT_TRUE(c.ok()) << c.error().message;
    carol_ = std::move(c).value();
  }

  // Carol logs in to Alice's workspace on her second device (it trusts nobody yet).
  Result<std::unique_ptr<Client>> carol_in_alices() {
    ClientOptions o = options();
    o.workspace = a_->workspace_id();
    return Client::login(*net_b_, std::make_unique<BorrowedStore>(store_c2_), carol_->account_id(), kCarolPass, o);
  }

  static constexpr const char* kCarolPass = "carol's passphrase";
  MemoryLocalStore store_c_, store_c2_;
  std::unique_ptr<Client> carol_;
};

}  // namespace zkwiki
