// Where tests find their data: the project's own tests/vectors, and ../shared (corpora and
// published vectors), which a user's clone does not have — tests that need it skip, saying so.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

namespace zkwiki::test {

std::filesystem::path source_root();
// ../shared beside the repository (or $ZKWIKI_SHARED_DIR), if present.
std::optional<std::filesystem::path> shared_dir();
std::string read_file(const std::filesystem::path& path);

}  // namespace zkwiki::test

// Binds `var` to ../shared/<sub>, or skips the test with a clear message.
#define ZKWIKI_REQUIRE_SHARED(var, sub)                                                        \
  std::filesystem::path var;                                                                   \
  do {                                                                                         \
    auto zkwiki_shared_ = ::zkwiki::test::shared_dir();                                        \
    if (!zkwiki_shared_ || !std::filesystem::exists(*zkwiki_shared_ / (sub)))                  \
      GTEST_SKIP() << "skipped: ../shared/" << (sub)                                           \
                   << " is not present (it sits beside the repository on the team's machines;" \
                      " set ZKWIKI_SHARED_DIR to point elsewhere)";                            \
    var = *zkwiki_shared_ / (sub);                                                             \
  } while (0)
