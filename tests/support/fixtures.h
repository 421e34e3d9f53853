// Small shared fixtures: fast KDF settings for tests that are not about the KDF's cost.
#pragma once

#include "zkwiki/kdf.h"

namespace zkwiki::test {

// A policy that admits the cheap parameters below. Production code uses KdfPolicy{}.
inline KdfPolicy fast_kdf_policy() { return KdfPolicy{1, 8, 16, 1024 * 1024}; }
inline KdfParams fast_kdf_params() { return KdfParams::generate(1, 64); }

}  // namespace zkwiki::test
