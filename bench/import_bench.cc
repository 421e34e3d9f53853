// zkwiki-bench import URL CORPUS_DIR [CONNECTIONS]: the cost of zero knowledge on an import.
// Uploads every file of CORPUS_DIR twice to the server at URL, in the same run and over the
// same number of connections: once as plain blobs (the bytes as they are, one request each), and
// once through the client (front matter parsed, sealed, signed, sent in batches of new pages,
// recorded in a sealed SQLite local store). Prints pages/s, MB/s and the ratio.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "zkwiki/api_client.h"
#include "zkwiki/client.h"
#include "zkwiki/http_transport.h"
#include "zkwiki/sqlite_store.h"
#include "zkwiki/workspace_record.h"

namespace zkwiki::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

long peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

}  // namespace

int run_import(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: zkwiki-bench import URL CORPUS_DIR [CONNECTIONS]\n");
    return 2;
  }
  std::string url = argv[1];
  fs::path corpus = argv[2];
  unsigned connections = argc > 3 ? static_cast<unsigned>(std::stoul(argv[3])) : 16;
  std::vector<ImportItem> items;
  std::uint64_t bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(corpus)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    items.push_back({fs::relative(e.path(), corpus).generic_string(), s.str()});
    bytes += items.back().body.size();
  }
  auto connect = [url]() -> Result<std::unique_ptr<Transport>> {
    ZKWIKI_ASSIGN(auto t, HttpTransport::connect_to(url));
    return std::unique_ptr<Transport>(std::move(t));
  };
  auto fail = [](const Error& e) {
    std::fprintf(stderr, "zkwiki-bench import: %s\n", e.message.c_str());
    return 1;
  };

  // Plain: the same bytes as unencrypted blobs, over the same number of connections.
  auto main_transport = HttpTransport::connect_to(url);
  if (!main_transport) return fail(main_transport.error());
  ApiClient api(**main_transport);
  auto plain_account = create_account("bench passphrase, plain side");
  if (!plain_account) return fail(plain_account.error());
  if (auto r = api.create_account(plain_account->record); !r) return fail(r.error());
  if (auto r = api.login(plain_account->record.id, plain_account->login); !r) return fail(r.error());
  WorkspaceId ws = WorkspaceId::random();
  if (auto r = api.create_workspace(ws, sign_workspace_record(ws, CollectionId::random(), plain_account->keys).encode()); !r) return fail(r.error());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (unsigned c = 0; c < connections; ++c) {
    threads.emplace_back([&] {
      auto t = HttpTransport::connect_to(url);
      if (!t) return void(failed = true);
      ApiClient mine(**t);
      mine.set_token(api.token());
      for (std::size_t k; (k = next.fetch_add(1)) < items.size();) {
        const auto& body = items[k].body;
        if (!mine.put_blob(ws, {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()})) failed = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  double plain_s = seconds_since(t0);
  if (failed) return fail(make_error(Errc::io, "a plain upload failed"));

  // Encrypted: the client's import, with a sealed SQLite store like the CLI's.
  fs::path home = fs::temp_directory_path() / ("zkwiki-bench-import-" + std::to_string(::getpid()));
  auto store = SqliteLocalStore::open((home / "store.sqlite").string());
  if (!store) return fail(store.error());
  ClientOptions options;
  options.connect = connect;
  options.upload_connections = connections;
  std::string recovery;
  auto client = Client::create_account(**main_transport, std::move(store).value(), "bench passphrase, sealed side",
                                       recovery, KdfParams::generate(), options);
  if (!client) return fail(client.error());
  t0 = Clock::now();
  auto report = (*client)->import(items);
  double sealed_s = seconds_since(t0);
  if (!report) return fail(report.error());
  std::error_code ec;
  fs::remove_all(home, ec);

  double mb = bytes / 1e6;
  std::printf("| %s | %zu | %.1f | %.0f (%.1f MB/s) | %.0f (%.1f MB/s) | %.2f | %ld |\n", corpus.filename().c_str(),
              items.size(), mb, items.size() / plain_s, mb / plain_s, items.size() / sealed_s, mb / sealed_s,
              sealed_s / plain_s, peak_rss_mib());
  return 0;
}

}  // namespace zkwiki::bench
