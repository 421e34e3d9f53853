#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "zkwiki/http_transport.h"

namespace zkwiki {
namespace {

class HttpTransportTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start(dir_.path(), {"--memory"})) << server_.error(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

  test::TempDir dir_;
  test::ServerProcess server_;
};

TEST_F(HttpTransportTest, GetsHealthAndReusesOneConnection) {
  auto t = HttpTransport::connect_to(url());
  ASSERT_TRUE(t.ok()) << t.error().message;
  for (int i = 0; i < 20; ++i) {
    auto r = (*t)->send({"GET", "/v1/health", {}, {}});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("\"ok\""), std::string::npos);
  }
  EXPECT_EQ((*t)->requests_sent(), 20u);
  EXPECT_EQ((*t)->connections_opened(), 1u);
}

TEST_F(HttpTransportTest, ReturnsErrorStatusesAsResponses) {
  auto t = HttpTransport::connect_to(url());
  ASSERT_TRUE(t.ok());
  auto r = (*t)->send({"GET", "/v1/no-such-route", {}, {}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->header("content-type"), "application/json");
}

TEST_F(HttpTransportTest, SendsBodiesAndHeaders) {
  auto t = HttpTransport::connect_to(url());
  ASSERT_TRUE(t.ok());
  std::string blob = "opaque ciphertext bytes";
  std::string id = test::blob_id(blob);
  // An unauthenticated upload is refused: the body and headers arrived and were judged.
  auto r = (*t)->send({"PUT", "/v1/workspaces/" + test::random_id() + "/blobs/" + id,
                       {{"Content-Type", "application/octet-stream"}}, blob});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
}

TEST_F(HttpTransportTest, ServerGoneIsAnIoError) {
  auto t = HttpTransport::connect_to(url());
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE((*t)->send({"GET", "/v1/health", {}, {}}).ok());
  server_.terminate();
  auto down = (*t)->send({"GET", "/v1/health", {}, {}});
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, Errc::io);
}

TEST(HttpTransportReconnect, ReopensAConnectionTheServerClosedWhileIdle) {
  test::TempDir dir;
  test::ServerProcess server;
  ASSERT_TRUE(server.start(dir.path(), {"--memory", "--read-timeout", "1"})) << server.error();
  auto t = HttpTransport::connect_to("http://127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE((*t)->send({"GET", "/v1/health", {}, {}}).ok());
  ::usleep(1'600'000);  // the server drops the idle keep-alive connection after 1 s
  auto r = (*t)->send({"GET", "/v1/health", {}, {}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ((*t)->connections_opened(), 2u);
}

TEST(HttpTransportErrors, ConnectionRefusedIsIo) {
  // Bind a port and close it again: nothing listens there now.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  auto t = HttpTransport::connect_to("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)));
  ASSERT_TRUE(t.ok());
  auto r = (*t)->send({"GET", "/v1/health", {}, {}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::io);
  EXPECT_NE(r.error().message.find("cannot connect"), std::string::npos);
}

TEST(HttpTransportErrors, SilentServerTimesOut) {
  // A socket that accepts connections (backlog) but never answers.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  auto t = HttpTransport::connect_to("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)),
                                     std::chrono::milliseconds(300));
  ASSERT_TRUE(t.ok());
  auto r = (*t)->send({"GET", "/v1/health", {}, {}});
  ::close(fd);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::io);
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos);
}

TEST(HttpTransportErrors, BadUrlsAreInvalidArguments) {
  for (const char* bad : {"https://example.org", "127.0.0.1:80", "http://", "http://host:port", "http://h:1/path",
                          "http://h:123456"}) {
    auto t = HttpTransport::connect_to(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.error().code, Errc::invalid_argument) << bad;
  }
  EXPECT_TRUE(HttpTransport::connect_to("http://[::1]:8787").ok());
  EXPECT_TRUE(HttpTransport::connect_to("http://localhost:8787/").ok());
}

TEST(HttpTransportErrors, BadRequestsAreInvalidArguments) {
  auto t = HttpTransport::connect_to("http://127.0.0.1:9");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->send({"FROB", "/", {}, {}}).error().code, Errc::invalid_argument);
  EXPECT_EQ((*t)->send({"GET", "no-slash", {}, {}}).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace zkwiki
