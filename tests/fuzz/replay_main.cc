// Runs a fuzz target's LLVMFuzzerTestOneInput over every file under the given directories (its
// checked-in seeds), so each target's properties are checked by ctest with any compiler; with
// --for SECONDS it then keeps mutating the seeds (byte flips, truncations, splices) from a
// fixed seed until the time is up — a poor man's fuzzer for builds without libFuzzer.
#include <csignal>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {
const std::string* current = nullptr;  // the input being run, written out if it aborts

void save_crash(int sig) {
  if (current != nullptr) {
    std::ofstream("crash-input", std::ios::binary).write(current->data(), static_cast<std::streamsize>(current->size()));
    std::fprintf(stderr, "the input is in ./crash-input (%zu bytes)\n", current->size());
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void run(const std::string& s) {
  current = &s;
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  current = nullptr;
}
}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGABRT, save_crash);
  std::signal(SIGSEGV, save_crash);
  LLVMFuzzerInitialize(&argc, &argv);
  double seconds = 0;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--for" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
      continue;
    }
    for (auto& e : std::filesystem::recursive_directory_iterator(a)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      inputs.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
  }
  for (const auto& bytes : inputs) run(bytes);
  std::printf("replayed %zu inputs\n", inputs.size());
  if (inputs.empty()) return 1;
  std::mt19937_64 rng(20251203);
  std::size_t mutated = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (seconds > 0 && std::chrono::steady_clock::now() < until) {
    std::string s = inputs[rng() % inputs.size()];
    for (int k = 1 + static_cast<int>(rng() % 4); k > 0; --k) {
      switch (rng() % 4) {
        case 0: if (!s.empty()) s[rng() % s.size()] ^= static_cast<char>(1 << (rng() % 8)); break;
        case 1: if (!s.empty()) s.resize(rng() % s.size()); break;
        case 2: s.insert(rng() % (s.size() + 1), 1, static_cast<char>(rng())); break;
        default: { const auto& o = inputs[rng() % inputs.size()]; if (!o.empty()) s += o.substr(rng() % o.size()); }
      }
    }
    run(s);
    ++mutated;
  }
  if (seconds > 0) std::printf("and %zu mutated inputs\n", mutated);
  return 0;
}
