#include "zkwiki/result.h"

#include <cstdio>
#include <cstdlib>

namespace zkwiki {

void bad_result_access(const char* what) noexcept {
  std::fprintf(stderr, "zkwiki: misuse: %s\n", what);
  std::abort();
}

std::string_view errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::truncated: return "truncated";
    case Errc::too_large: return "too_large";
    case Errc::trailing_data: return "trailing_data";
    case Errc::malformed: return "malformed";
    case Errc::unsupported_version: return "unsupported_version";
    case Errc::unknown_key: return "unknown_key";
    case Errc::auth_failed: return "auth_failed";
    case Errc::wrong_passphrase: return "wrong_passphrase";
    case Errc::weak_parameters: return "weak_parameters";
    case Errc::wrong_type: return "wrong_type";
    case Errc::not_found: return "not_found";
    case Errc::conflict: return "conflict";
    case Errc::expired: return "expired";
    case Errc::forbidden: return "forbidden";
    case Errc::io: return "io";
    case Errc::internal: return "internal";
  }
  return "unknown";
}

}  // namespace zkwiki
