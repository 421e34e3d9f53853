// A keyset and context for envelope tests.
#pragma once

#include <gtest/gtest.h>

#include <random>

#include "zkwiki/envelope.h"

namespace zkwiki::test {

class EnvelopeFixture : public ::testing::Test {
 protected:
  WorkspaceId ws = WorkspaceId::random();
  CollectionId coll = CollectionId::random();
  Keyset keyset = Keyset::create(KeyScope::for_collection(ws, coll));
  EnvelopeContext ctx{ContentKind::page_revision, ws, coll, PageId::random(), 7, Hash256::random()};
  std::mt19937_64 rng{20261203};

  std::vector<std::uint8_t> random_bytes(std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng());
    return v;
  }
  std::vector<std::uint8_t> seal(std::span<const std::uint8_t> pt) {
    auto r = seal_envelope(ctx, keyset, pt);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? std::move(r).value() : std::vector<std::uint8_t>{};
  }
  Errc open_error(std::span<const std::uint8_t> env, const EnvelopeContext& c) {
    auto r = open_envelope(c, keyset, env);
    return r.ok() ? static_cast<Errc>(0) : r.error().code;
  }
  Errc open_error(std::span<const std::uint8_t> env) { return open_error(env, ctx); }
};

}  // namespace zkwiki::test
