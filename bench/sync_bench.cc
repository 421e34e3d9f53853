// zkwiki-bench sync URL ACCOUNT PASSPHRASE_FILE: a new device's first sync into a store in memory
// (the same Client as the CLI, without its SQLite store: the reference for bench/sync_bench.sh).
// Prints "first sync: MS ms, PAGES pages" (the login, with its Argon2id, is not counted).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "zkwiki/client.h"
#include "zkwiki/http_transport.h"

namespace zkwiki::bench {

int run_sync(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: zkwiki-bench sync URL ACCOUNT PASSPHRASE_FILE\n");
    return 2;
  }
  auto fail = [](const Error& e) {
    std::fprintf(stderr, "zkwiki-bench sync: %s\n", e.message.c_str());
    return 1;
  };
  auto account = AccountId::from_hex(argv[2]);
  if (!account) return fail(make_error(Errc::invalid_argument, "not an account id"));
  std::string pass;
  {
    std::ifstream in(argv[3]);
    std::getline(in, pass);
  }
  auto transport = HttpTransport::connect_to(argv[1]);
  if (!transport) return fail(transport.error());
  ClientOptions options;
  options.connect_url = [](std::string_view url) -> Result<std::unique_ptr<Transport>> {
    ZKWIKI_ASSIGN(auto t, HttpTransport::connect_to(std::string(url)));
    return std::unique_ptr<Transport>(std::move(t));
  };
  auto client = Client::login(**transport, std::make_unique<MemoryLocalStore>(), *account, pass, std::move(options));
  if (!client) return fail(client.error());
  auto t0 = std::chrono::steady_clock::now();
  auto report = (*client)->sync();
  if (!report) return fail(report.error());
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("first sync: %.1f ms, %llu pages\n", ms, static_cast<unsigned long long>(report->pages_updated));
  return 0;
}

}  // namespace zkwiki::bench
