// FailsWith: a Result that must be an error of one code (and, optionally, a message that
// names something), as one assertion with the actual error in its failure message.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "zkwiki/result.h"

namespace zkwiki::test {

template <class T>
::testing::AssertionResult FailsWith(const Result<T>& r, Errc code, std::string_view in_message = {}) {
  if (r.ok()) return ::testing::AssertionFailure() << "succeeded, expected " << errc_name(code);
  if (r.error().code != code)
    return ::testing::AssertionFailure() << errc_name(r.error().code) << ": " << r.error().message << " (expected "
                                         << errc_name(code) << ")";
  if (r.error().message.find(in_message) == std::string::npos)
    return ::testing::AssertionFailure() << "the message \"" << r.error().message << "\" does not mention \""
                                         << in_message << "\"";
  return ::testing::AssertionSuccess();
}

}  // namespace zkwiki::test
