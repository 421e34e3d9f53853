// The local store: put/get/scan rates for small values, plain beside sealed, in memory and in
// SQLite (batched in one transaction, and one durable transaction per put), and the cost of
// opening a large store (its integrity check, with the file in the page cache).
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "zkwiki/primitives.h"
#include "zkwiki/sealed_store.h"
#include "zkwiki/sqlite_store.h"

namespace zkwiki::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "zkwiki-bench store: %s\n", what.c_str());
  std::exit(1);
}
template <class T>
T check(Result<T> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message);
  return std::move(r).value();
}
void check(Result<void> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message);
}

std::string key_of(int i) {
  char k[48];
  std::snprintf(k, sizeof k, "projects/p%03d/page-%05d.md", i % 100, i);
  return k;
}

struct Rates {
  double put_batched = 0, put_each = 0, get = 0, scan = 0;
};

// n puts in one transaction, `each` puts as their own transactions, n gets, one full scan.
Rates measure(LocalStore& s, int n, int each, std::size_t value_bytes) {
  std::vector<std::uint8_t> value(value_bytes);
  primitives::random_bytes(value);
  Rates r;
  auto t = Clock::now();
  check(s.transaction([&]() -> Result<void> {
          for (int i = 0; i < n; ++i) ZKWIKI_TRY(s.put("pages", key_of(i), value));
          return {};
        }),
        "batched puts");
  r.put_batched = n / seconds_since(t);
  t = Clock::now();
  for (int i = 0; i < each; ++i) check(s.put("queue", key_of(i), value), "put");
  r.put_each = each / seconds_since(t);
  t = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto v = check(s.get("pages", key_of((i * 7919) % n)), "get");
    if (!v || v->size() != value_bytes) die("get returned the wrong value");
  }
  r.get = n / seconds_since(t);
  t = Clock::now();
  auto all = check(s.scan("pages", "projects/"), "scan");
  if (static_cast<int>(all.size()) != n) die("scan returned the wrong count");
  r.scan = n / seconds_since(t);
  return r;
}

Secret bench_key() { return Secret::random(SealedLocalStore::kKeyBytes); }

}  // namespace

// zkwiki-bench store [DIR]: DIR is where the SQLite files go (default: a fresh one under /tmp).
int run_store(int argc, char** argv) {
  std::string base = argc > 1 ? argv[1] : "";
  if (base.empty()) {
    std::string pattern = "/tmp/zkwiki-store-bench-XXXXXX";
    if (!::mkdtemp(pattern.data())) die("cannot create a scratch directory");
    base = pattern;
  }
  const int n = 10000, each = 300;
  const std::size_t value_bytes = 100;

  std::printf("Local store, %d values of %zu bytes (keys like \"%s\"); ops/s\n\n", n, value_bytes,
              key_of(1234).c_str());
  std::printf("| store | put, one transaction | put, own transaction (%d) | get | scan (entries/s) |\n", each);
  std::printf("|---|---|---|---|---|\n");
  auto row = [](const char* name, const Rates& r) {
    std::printf("| %s | %.0f | %.0f | %.0f | %.0f |\n", name, r.put_batched, r.put_each, r.get, r.scan);
  };
  {
    MemoryLocalStore m;
    row("memory", measure(m, n, each, value_bytes));
    auto sealed = check(SealedLocalStore::open(std::make_unique<MemoryLocalStore>(), bench_key()), "open");
    row("sealed memory", measure(*sealed, n, each, value_bytes));
  }
  {
    auto plain = check(SqliteLocalStore::open(base + "/plain.db"), "open");
    row("sqlite", measure(*plain, n, each, value_bytes));
    auto inner = check(SqliteLocalStore::open(base + "/sealed.db"), "open");
    auto sealed = check(SealedLocalStore::open(std::move(inner), bench_key()), "open");
    row("sealed sqlite", measure(*sealed, n, each, value_bytes));
  }

  // Opening runs quick_check: its cost grows with the file.
  const std::string big = base + "/big.db";
  {
    auto s = check(SqliteLocalStore::open(big), "open");
    std::vector<std::uint8_t> value(64 * 1024);
    primitives::random_bytes(value);
    check(s->transaction([&]() -> Result<void> {
            for (int i = 0; i < 1600; ++i) ZKWIKI_TRY(s->put("objects", key_of(i), value));
            for (int i = 0; i < 20000; ++i) ZKWIKI_TRY(s->put("state", key_of(i), std::span(value).first(200)));
            return {};
          }),
          "filling");
  }
  const double mb = static_cast<double>(fs::file_size(big)) / 1e6;
  auto t = Clock::now();
  auto s = check(SqliteLocalStore::open(big), "open");
  const double open_ms = seconds_since(t) * 1e3;
  std::printf("\nOpening a %.0f MB store (1,600 x 64 KiB + 20,000 x 200 B), with its integrity check: %.0f ms\n",
              mb, open_ms);
  s.reset();
  if (argc <= 1) fs::remove_all(base);
  return 0;
}

}  // namespace zkwiki::bench
