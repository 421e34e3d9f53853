#include "support/json_vectors.h"

#include <stdexcept>

#include "support/test_paths.h"
#include "zkwiki/ids.h"

namespace zkwiki::test {

nlohmann::json load_json(const std::filesystem::path& path) { return nlohmann::json::parse(read_file(path)); }

Bytes unhex(const std::string& h) {
  Bytes out(h.size() / 2);
  if (h.size() % 2 != 0 || !zkwiki::from_hex(h, out)) throw std::runtime_error("bad hex in vector: " + h);
  return out;
}

std::string hex(std::span<const std::uint8_t> bytes) { return zkwiki::to_hex(bytes); }

}  // namespace zkwiki::test
