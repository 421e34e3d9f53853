// A LocalStore that forwards to one it does not own: "the same device" across logins, or one
// inner store opened under several keys.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "zkwiki/local_store.h"

namespace zkwiki::test {

class BorrowedStore final : public LocalStore {
 public:
  explicit BorrowedStore(LocalStore& s) : s_(s) {}
  Result<std::optional<Bytes>> get(std::string_view t, std::string_view k) override { return s_.get(t, k); }
  Result<void> put(std::string_view t, std::string_view k, std::span<const std::uint8_t> v) override {
    return s_.put(t, k, v);
  }
  Result<void> erase(std::string_view t, std::string_view k) override { return s_.erase(t, k); }
  Result<std::vector<std::pair<std::string, Bytes>>> scan(std::string_view t, std::string_view p) override {
    return s_.scan(t, p);
  }
  Result<void> transaction(const std::function<Result<void>()>& body) override { return s_.transaction(body); }

 private:
  LocalStore& s_;
};

}  // namespace zkwiki::test
