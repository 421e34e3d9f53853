#include "zkwiki/transport.h"

namespace zkwiki {

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

}  // namespace zkwiki
