// The page encoding ("ZKWP", the plaintext inside a revision's envelope) and account records
// ("ZKWA") with their KDF parameters. Properties: a page that decodes re-encodes and decodes to
// the same page; an account record that decodes re-encodes to exactly its bytes.
#include "fuzz_common.h"
#include "zkwiki/kdf.h"
#include "zkwiki/page.h"

using namespace zkwiki;

ZKWIKI_FUZZ_INIT

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto in = fuzz::bytes(data, size);
  if (auto p = decode_page(in); p.ok()) {
    auto enc = encode_page(*p);
    ZKWIKI_FUZZ_CHECK(enc.ok());
    auto back = decode_page(*enc);
    ZKWIKI_FUZZ_CHECK(back.ok() && *back == *p);
    (void)validate_page_path(p->meta.path);
  }
  if (auto a = AccountRecord::decode(in); a.ok()) {
    auto enc = a->encode();
    ZKWIKI_FUZZ_CHECK(enc.size() == size && std::equal(enc.begin(), enc.end(), data));
  }
  if (auto k = decode_kdf_params(in); k.ok()) {
    auto enc = encode_kdf_params(*k);
    ZKWIKI_FUZZ_CHECK(enc.size() == size && std::equal(enc.begin(), enc.end(), data));
    (void)check_kdf_params(*k, KdfPolicy{});
  }
  return 0;
}
