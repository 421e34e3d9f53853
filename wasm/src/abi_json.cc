// JSON in and out of the C ABI (abi_common.h): kept apart from abi_memory.cc, which is
// built with inlining (wasm/CMakeLists.txt) where nlohmann's templates would cost size.
#include "abi_common.h"
#include "json_internal.h"
#include "zkwiki/secret.h"

namespace zkwiki::wasm {

void set_out_json(const json& j) {
  std::string s = dump(j);
  set_out(s);
  wipe({reinterpret_cast<std::uint8_t*>(s.data()), s.size()});
}

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
json parse_json(std::string_view text) { return internal::parse_json(text); }

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace zkwiki::wasm
