// Memory, output and error buffers of the C ABI (abi.h).
#include <sodium.h>

#include <cstdlib>

#include "abi.h"
#include "abi_common.h"
#include "zkwiki/primitives.h"
#include "zkwiki/secret.h"

namespace zkwiki::wasm {
namespace {

Bytes& out_buffer() {
  static Bytes b;
  return b;
}
std::string& error_buffer() {
  static std::string s;
  return s;
}

}  // namespace

void set_out(std::span<const std::uint8_t> bytes) {
  Bytes& b = out_buffer();
  wipe(b);
  b.assign(bytes.begin(), bytes.end());
}
void set_out(std::string_view text) {
  set_out(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}
void set_out_json(const json& j) {
  std::string s = dump(j);
  set_out(s);
  wipe({reinterpret_cast<std::uint8_t*>(s.data()), s.size()});
}

std::int32_t fail(const Error& e) {
  error_buffer() = e.message;
  return static_cast<std::int32_t>(e.code);
}
std::int32_t fail(Errc code, std::string message) { return fail(Error{code, std::move(message)}); }

bool get_string(const json& j, const char* k, std::string& out) {
  auto it = j.find(k);
  if (it == j.end() || !it->is_string()) return false;
  out = it->get_ref<const std::string&>();
  return true;
}
bool get_strings(const json& j, const char* k, std::vector<std::string>& out) {
  auto it = j.find(k);
  if (it == j.end() || !it->is_array()) return false;
  for (const auto& e : *it) {
    if (!e.is_string()) return false;
    out.push_back(e.get_ref<const std::string&>());
  }
  return true;
}
bool get_int(const json& j, const char* k, std::int64_t& out) {
  auto it = j.find(k);
  if (it == j.end() || !it->is_number_integer()) return false;
  out = it->get<std::int64_t>();
  return true;
}
bool get_uint(const json& j, const char* k, std::uint64_t& out) {
  auto it = j.find(k);
  if (it == j.end() || !it->is_number_unsigned()) return false;
  out = it->get<std::uint64_t>();
  return true;
}
bool get_bool(const json& j, const char* k, bool& out) {
  auto it = j.find(k);
  if (it == j.end() || !it->is_boolean()) return false;
  out = it->get<bool>();
  return true;
}
json parse_json(std::string_view text) { return json::parse(text, nullptr, false); }

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

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

const uint8_t* zkw_out_ptr(void) { return out_buffer().data(); }
size_t zkw_out_len(void) { return out_buffer().size(); }
void zkw_out_clear(void) {
  wipe(out_buffer());
  out_buffer().clear();
}
const uint8_t* zkw_error_ptr(void) { return reinterpret_cast<const uint8_t*>(error_buffer().data()); }
size_t zkw_error_len(void) { return error_buffer().size(); }

int32_t zkw_errc_name(int32_t code) {
  if (code < 1 || code > static_cast<int32_t>(Errc::internal)) code = static_cast<int32_t>(Errc::internal);
  set_out(errc_name(static_cast<Errc>(code)));
  return 0;
}

}  // extern "C"
