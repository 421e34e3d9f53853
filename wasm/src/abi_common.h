// Shared by the ABI's translation units: the output and error buffers, input views, JSON out.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkwiki/envelope.h"
#include "zkwiki/keyset.h"
#include "zkwiki/result.h"

namespace zkwiki::wasm {

using json = nlohmann::json;
using Bytes = std::vector<std::uint8_t>;

inline std::span<const std::uint8_t> in_bytes(const std::uint8_t* p, std::size_t n) {
  return n == 0 ? std::span<const std::uint8_t>{} : std::span<const std::uint8_t>(p, n);
}
inline std::string_view in_text(const std::uint8_t* p, std::size_t n) {
  return n == 0 ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(p), n);
}

template <std::size_t N>
void copy_to(std::array<std::uint8_t, N>& a, const std::uint8_t* p) {
  std::memcpy(a.data(), p, N);
}

// An envelope context as the ABI passes it (abi.h): 89 bytes.
inline constexpr std::size_t kEnvelopeContextBytes = 1 + 16 + 16 + 16 + 8 + 32;
Result<EnvelopeContext> context_from(const std::uint8_t* p, std::size_t n);
// A keyset of the context's scope holding one generation, primary.
Result<Keyset> keyset_for(const EnvelopeContext& c, std::uint32_t generation, const std::uint8_t* key,
                          std::size_t key_len);

// Replaces the output buffer (wiping what it held).
void set_out(std::span<const std::uint8_t> bytes);
void set_out(std::string_view text);
// Points the output at `bytes` without copying them; the caller keeps them unchanged until the
// next call that sets the output or zkw_out_clear, which wipes them when `wipe` is set (plaintext;
// ciphertext needs no wipe). The seal/open path's way around a megabyte copy and wipe per call.
void set_out_borrowed(std::span<std::uint8_t> bytes, bool wipe);
void set_out_json(const json& j);
// Records `e` as the last error and returns its code (the ABI's return value).
std::int32_t fail(const Error& e);
std::int32_t fail(Errc code, std::string message);

// The ABI's return value for a Result: 0 (after `on_value` wrote the output) or the error code.
template <class T, class F>
std::int32_t finish(Result<T>&& r, F&& on_value) {
  if (!r) return fail(r.error());
  on_value(r.value());
  return 0;
}
inline std::int32_t finish(Result<void>&& r) { return r ? 0 : fail(r.error()); }

// Reads a field of the expected JSON type without throwing (exceptions are off): false when
// it is missing or of another type.
bool get_string(const json& j, const char* k, std::string& out);
bool get_strings(const json& j, const char* k, std::vector<std::string>& out);
bool get_int(const json& j, const char* k, std::int64_t& out);
bool get_uint(const json& j, const char* k, std::uint64_t& out);
bool get_bool(const json& j, const char* k, bool& out);
// A JSON document from the caller (discarded on a parse error: is_discarded()).
json parse_json(std::string_view text);

// JSON text for the output, with invalid UTF-8 replaced rather than aborting (exceptions are off).
std::string dump(const json& j);

}  // namespace zkwiki::wasm
