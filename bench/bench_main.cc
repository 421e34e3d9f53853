// zkwiki-bench AREA [google-benchmark flags]: runs one area's benchmarks beside their reference
// and prints a Markdown table with ratios (what docs/PERFORMANCE.md records).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace zkwiki::bench {
int run_crypto(int argc, char** argv);
int run_store(int argc, char** argv);
int run_import(int argc, char** argv);
int run_search(int argc, char** argv);
int run_sync(int argc, char** argv);
}

int main(int argc, char** argv) {
  std::string area = argc > 1 ? argv[1] : "";
  if (area == "crypto") return zkwiki::bench::run_crypto(argc - 1, argv + 1);
  if (area == "store") return zkwiki::bench::run_store(argc - 1, argv + 1);
  if (area == "import") return zkwiki::bench::run_import(argc - 1, argv + 1);
  if (area == "search") return zkwiki::bench::run_search(argc - 1, argv + 1);
  if (area == "sync") return zkwiki::bench::run_sync(argc - 1, argv + 1);
  std::fprintf(stderr, "usage: zkwiki-bench crypto [--benchmark_min_time=SECONDS]\n"
                       "       zkwiki-bench store [DIR]\n"
                       "       zkwiki-bench import URL CORPUS_DIR [CONNECTIONS]   (see bench/import_bench.sh)\n"
                       "       zkwiki-bench search QUERIES.json [--json]          (see bench/search_compare.mjs)\n"
                       "       zkwiki-bench sync URL ACCOUNT PASSPHRASE_FILE     (see bench/sync_bench.sh)\n");
  return 2;
}
