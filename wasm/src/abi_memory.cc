// Memory, output and error buffers of the C ABI (abi.h).
#include <sodium.h>

#include <cstdlib>
#include <cstring>

#include "abi.h"
#include "abi_common.h"
#include "zkwiki/primitives.h"
#include "zkwiki/secret.h"

namespace zkwiki::wasm {
namespace {

// A plain buffer rather than a vector: replacing and wiping it are a memzero and a memcpy,
// never an element-by-element loop.
// It may instead borrow bytes another unit owns (set_out_borrowed): then `borrowed` points at
// them and `data` keeps its own storage for the next copy.
struct OutBuffer {
  std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::size_t capacity = 0;
  std::uint8_t* borrowed = nullptr;
  std::size_t borrowed_size = 0;
  bool wipe_borrowed = false;

  const std::uint8_t* ptr() const noexcept { return borrowed != nullptr ? borrowed : data; }
  std::size_t len() const noexcept { return borrowed != nullptr ? borrowed_size : size; }

  void wipe_and_empty() noexcept {
    if (borrowed != nullptr && wipe_borrowed) sodium_memzero(borrowed, borrowed_size);
    borrowed = nullptr;
    borrowed_size = 0;
    if (data != nullptr) sodium_memzero(data, size);
    size = 0;
    // A large result (a 1 MiB page) is not kept around once read.
    if (capacity > (std::size_t{64} << 10)) {
      std::free(data);
      data = nullptr;
      capacity = 0;
    }
  }
  void assign(const std::uint8_t* p, std::size_t n) {
    wipe_and_empty();
    if (n > capacity) {
      std::free(data);
      data = static_cast<std::uint8_t*>(std::malloc(n));
      capacity = data == nullptr ? 0 : n;
      if (data == nullptr) return;  // out of memory: an empty output (the caller's check fails)
    }
    if (n > 0) std::memcpy(data, p, n);
    size = n;
  }
};

OutBuffer& out_buffer() {
  static OutBuffer b;
  return b;
}
std::string& error_buffer() {
  static std::string s;
  return s;
}

}  // namespace

void set_out(std::span<const std::uint8_t> bytes) { out_buffer().assign(bytes.data(), bytes.size()); }
void set_out_borrowed(std::span<std::uint8_t> bytes, bool wipe) {
  OutBuffer& b = out_buffer();
  b.wipe_and_empty();
  if (bytes.empty()) return;
  b.borrowed = bytes.data();
  b.borrowed_size = bytes.size();
  b.wipe_borrowed = wipe;
}
void set_out(std::string_view text) {
  set_out(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::int32_t fail(const Error& e) {
  error_buffer() = e.message;
  return static_cast<std::int32_t>(e.code);
}
std::int32_t fail(Errc code, std::string message) { return fail(Error{code, std::move(message)}); }

}  // namespace zkwiki::wasm

using namespace zkwiki;
using namespace zkwiki::wasm;

extern "C" {

uint8_t* zkw_alloc(size_t size) { return static_cast<uint8_t*>(std::malloc(size == 0 ? 1 : size)); }

void zkw_free(uint8_t* p, size_t size) {
  if (p == nullptr) return;
  sodium_memzero(p, size);
  std::free(p);
}

const uint8_t* zkw_out_ptr(void) { return out_buffer().ptr(); }
size_t zkw_out_len(void) { return out_buffer().len(); }
void zkw_out_clear(void) { out_buffer().wipe_and_empty(); }
const uint8_t* zkw_error_ptr(void) { return reinterpret_cast<const uint8_t*>(error_buffer().data()); }
size_t zkw_error_len(void) { return error_buffer().size(); }

int32_t zkw_errc_name(int32_t code) {
  if (code < 1 || code > static_cast<int32_t>(Errc::internal)) code = static_cast<int32_t>(Errc::internal);
  set_out(errc_name(static_cast<Errc>(code)));
  return 0;
}

}  // extern "C"
