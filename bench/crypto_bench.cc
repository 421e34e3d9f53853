// Page seal+open through the SDK beside raw libsodium XChaCha20-Poly1305 on the same buffers,
// and Argon2id at the default parameters.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "zkwiki/envelope.h"
#include "zkwiki/kdf.h"

namespace zkwiki::bench {
namespace {

struct Fixture {
  WorkspaceId ws = WorkspaceId::random();
  CollectionId coll = CollectionId::random();
  Keyset keyset = Keyset::create(KeyScope::for_collection(ws, coll));
  EnvelopeContext ctx{ContentKind::page_revision, ws, coll, PageId::random(), 1, Hash256{}};
};

void BM_SdkSealOpen(benchmark::State& state) {
  Fixture f;
  std::vector<std::uint8_t> page(static_cast<std::size_t>(state.range(0)));
  randombytes_buf(page.data(), page.size());
  std::vector<std::uint8_t> env, back;  // reused across iterations, like the raw side's buffers
  for (auto _ : state) {
    if (!seal_envelope(f.ctx, f.keyset, page, env) || !open_envelope(f.ctx, f.keyset, env, back))
      state.SkipWithError("seal/open failed");
    benchmark::DoNotOptimize(back.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_RawSealOpen(benchmark::State& state) {
  std::size_t n = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint8_t> page(n), ct(n + 16), back(n);
  randombytes_buf(page.data(), n);
  unsigned char key[32], nonce[24];
  randombytes_buf(key, sizeof key);
  for (auto _ : state) {
    randombytes_buf(nonce, sizeof nonce);
    crypto_aead_xchacha20poly1305_ietf_encrypt(ct.data(), nullptr, page.data(), n, nullptr, 0, nullptr, nonce, key);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(back.data(), nullptr, nullptr, ct.data(), ct.size(), nullptr, 0,
                                                   nonce, key) != 0)
      state.SkipWithError("decrypt failed");
    benchmark::DoNotOptimize(back.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_Argon2idDefault(benchmark::State& state) {
  auto params = KdfParams::generate();
  auto id = AccountId::random();
  for (auto _ : state) {
    auto key = derive_root_key("correct horse battery staple", params, id);
    benchmark::DoNotOptimize(key->reveal().data());
  }
}

BENCHMARK(BM_SdkSealOpen)->Arg(1024)->Arg(64 * 1024)->Arg(1024 * 1024);
BENCHMARK(BM_RawSealOpen)->Arg(1024)->Arg(64 * 1024)->Arg(1024 * 1024);
BENCHMARK(BM_Argon2idDefault)->Unit(benchmark::kMillisecond)->Iterations(5);

// Collects results so the table can be printed after the run.
class TableReporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> mbps;      // "Sdk/65536" -> MB/s
  double argon2_ms = 0;
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      std::string name = r.benchmark_name();
      if (name.find("Argon2id") != std::string::npos) {
        argon2_ms = r.GetAdjustedRealTime();
        continue;
      }
      auto it = r.counters.find("bytes_per_second");
      if (it != r.counters.end()) mbps[name] = it->second / 1e6;
    }
  }
};

}  // namespace

int run_crypto(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  benchmark::Initialize(&argc, argv);
  TableReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\n| page size | SDK seal+open (MB/s) | raw libsodium (MB/s) | SDK / raw |\n|---|---|---|---|\n");
  for (auto [label, size] : {std::pair{"1 KiB", 1024}, {"64 KiB", 65536}, {"1 MiB", 1048576}}) {
    double sdk = reporter.mbps["BM_SdkSealOpen/" + std::to_string(size)];
    double raw = reporter.mbps["BM_RawSealOpen/" + std::to_string(size)];
    std::printf("| %s | %.0f | %.0f | %.2f |\n", label, sdk, raw, raw > 0 ? sdk / raw : 0.0);
  }
  std::printf("\nArgon2id (t=3, m=64 MiB, the default): %.0f ms per derivation\n", reporter.argon2_ms);
  benchmark::Shutdown();
  return 0;
}

}  // namespace zkwiki::bench
