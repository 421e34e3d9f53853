// A new device, in memory (the same Client as the CLI, without its SQLite store); the login, with
// its Argon2id, is not counted in either:
//   zkwiki-bench sync URL ACCOUNT PASSPHRASE_FILE: the first sync (the reference for
//     bench/sync_bench.sh). Prints "first sync: MS ms, PAGES pages".
//   zkwiki-bench search-cold URL ACCOUNT PASSPHRASE_FILE QUERY: the first search of a device that
//     has synced nothing: fetch the collection's sealed manifest and segments, verify and open them,
//     run QUERY (bench/cold_start.sh). Prints "first search: MS ms, HITS hits, INDEXED/KNOWN pages,
//     SEGMENTS segments" and then the same query again, warm.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "zkwiki/client.h"
#include "zkwiki/http_transport.h"

namespace zkwiki::bench {
namespace {

int fail(std::string_view what, const Error& e) {
  std::fprintf(stderr, "zkwiki-bench %.*s: %s\n", static_cast<int>(what.size()), what.data(), e.message.c_str());
  return 1;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

struct NewDevice {
  std::unique_ptr<HttpTransport> transport;
  std::unique_ptr<Client> client;
};

// Logs in as ACCOUNT with the passphrase in the file, on a device whose store is in memory.
Result<NewDevice> log_in_new_device(const char* url, const char* account_hex, const char* pass_file) {
  auto account = AccountId::from_hex(account_hex);
  if (!account) return make_error(Errc::invalid_argument, "not an account id");
  std::string pass;
  {
    std::ifstream in(pass_file);
    std::getline(in, pass);
  }
  NewDevice d;
  ZKWIKI_ASSIGN(d.transport, HttpTransport::connect_to(url));
  ClientOptions options;
  options.connect_url = [](std::string_view u) -> Result<std::unique_ptr<Transport>> {
    ZKWIKI_ASSIGN(auto t, HttpTransport::connect_to(std::string(u)));
    return std::unique_ptr<Transport>(std::move(t));
  };
  ZKWIKI_ASSIGN(d.client, Client::login(*d.transport, std::make_unique<MemoryLocalStore>(), *account, pass,
                                         std::move(options)));
  return d;
}

}  // namespace

int run_sync(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: zkwiki-bench sync URL ACCOUNT PASSPHRASE_FILE\n");
    return 2;
  }
  auto device = log_in_new_device(argv[1], argv[2], argv[3]);
  if (!device) return fail("sync", device.error());
  auto t0 = std::chrono::steady_clock::now();
  auto report = device->client->sync();
  if (!report) return fail("sync", report.error());
  std::printf("first sync: %.1f ms, %llu pages\n", ms_since(t0), static_cast<unsigned long long>(report->pages_updated));
  return 0;
}

int run_search_cold(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: zkwiki-bench search-cold URL ACCOUNT PASSPHRASE_FILE QUERY\n");
    return 2;
  }
  auto device = log_in_new_device(argv[1], argv[2], argv[3]);
  if (!device) return fail("search-cold", device.error());
  auto t0 = std::chrono::steady_clock::now();
  auto first = device->client->search(argv[4]);
  if (!first) return fail("search-cold", first.error());
  double first_ms = ms_since(t0);
  // An empty or partial index would make the number meaningless: say so and fail.
  const IndexCoverage& c = first->coverage;
  if (first->results.empty() || c.known == 0 || c.indexed < c.known) {
    std::fprintf(stderr, "zkwiki-bench search-cold: %zu hits, index covers %llu of %llu pages\n",
                 first->results.size(), static_cast<unsigned long long>(c.indexed),
                 static_cast<unsigned long long>(c.known));
    return 1;
  }
  auto t1 = std::chrono::steady_clock::now();
  auto again = device->client->search(argv[4]);
  if (!again) return fail("search-cold", again.error());
  std::printf("first search: %.1f ms, %zu hits, %llu/%llu pages, %llu segments\n", first_ms, first->results.size(),
              static_cast<unsigned long long>(c.indexed), static_cast<unsigned long long>(c.known),
              static_cast<unsigned long long>(c.segments));
  std::printf("second search: %.2f ms\n", ms_since(t1));
  return 0;
}

}  // namespace zkwiki::bench
