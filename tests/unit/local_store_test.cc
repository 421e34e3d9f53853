// LocalStore in the SDK core: the contract suite over MemoryLocalStore and over SealedLocalStore
// (wrapping memory), and what the sealing adds: no plaintext in the inner store, entries bound to
// their table and key, a wrong key refused.
#include <gtest/gtest.h>

#include <set>

#include "support/borrowed_store.h"
#include "support/local_store_contract.h"
#include "zkwiki/sealed_store.h"

namespace zkwiki {
namespace {

using test::bytes_of;

Secret test_key(std::uint8_t fill) {
  std::vector<std::uint8_t> k(SealedLocalStore::kKeyBytes, fill);
  return Secret::from_bytes(k);
}

struct MemoryFactory {
  static constexpr const char* kName = "memory";
  static Result<std::unique_ptr<LocalStore>> open(const std::filesystem::path&) {
    return std::unique_ptr<LocalStore>(std::make_unique<MemoryLocalStore>());
  }
};

struct SealedMemoryFactory {
  static constexpr const char* kName = "sealed-memory";
  static Result<std::unique_ptr<LocalStore>> open(const std::filesystem::path&) {
    ZKWIKI_ASSIGN(auto s, SealedLocalStore::open(std::make_unique<MemoryLocalStore>(), test_key(7)));
    return std::unique_ptr<LocalStore>(std::move(s));
  }
};

struct FactoryName {
  template <class F>
  static std::string GetName(int) { return F::kName; }
};

using CoreStores = ::testing::Types<MemoryFactory, SealedMemoryFactory>;
}  // namespace
// The suite lives in zkwiki::test; its instantiation must be in the same namespace.
namespace test {
INSTANTIATE_TYPED_TEST_SUITE_P(Core, LocalStoreContract, CoreStores, FactoryName);
}  // namespace test
namespace {

using test::BorrowedStore;

class SealedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = open_with(test_key(1)); }

  std::unique_ptr<SealedLocalStore> open_with(Secret key) {
    auto s = SealedLocalStore::open(std::make_unique<BorrowedStore>(raw_), std::move(key));
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(s).value() : nullptr;
  }

  // The single inner entry of `table` (the test puts exactly one there).
  std::pair<std::string, LocalStore::Bytes> only_inner_entry(std::string_view table) {
    auto all = raw_.scan(table, {});
    EXPECT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 1u);
    return all->empty() ? std::pair<std::string, LocalStore::Bytes>{} : all->front();
  }

  MemoryLocalStore raw_;
  std::unique_ptr<SealedLocalStore> store_;
};

bool contains(const LocalStore::Bytes& haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

TEST_F(SealedStoreTest, InnerStoreHoldsOnlyHashedKeysAndSealedValues) {
  const std::vector<std::pair<std::string, std::string>> plain = {
      {"projects/alpha/notes.md", "Quarterly plan for the heliotrope migration"},
      {"projects/alpha/todo.md", "- [ ] ask Wilhelmina about the zeppelin budget"},
      {"title", "Heliotrope"},
  };
  for (auto& [k, v] : plain) ASSERT_TRUE(store_->put("pages", k, bytes_of(v)).ok());
  auto inner = raw_.scan("pages", {});
  ASSERT_TRUE(inner.ok());
  ASSERT_EQ(inner->size(), plain.size());
  for (auto& [ikey, entry] : *inner) {
    EXPECT_EQ(ikey.size(), 32u);
    for (auto& [k, v] : plain) {
      EXPECT_EQ(ikey.find(k), std::string::npos);
      for (std::string_view needle : {std::string_view(k), std::string_view(v), std::string_view("Heliotrope"),
                                      std::string_view("alpha")})
        EXPECT_FALSE(contains(entry, needle)) << "plaintext \"" << needle << "\" in the inner store";
    }
  }
}

TEST_F(SealedStoreTest, EntryCopiedToAnotherKeyFailsAuth) {
  ASSERT_TRUE(store_->put("pages", "a.md", bytes_of("content of a")).ok());
  ASSERT_TRUE(store_->put("pages", "b.md", bytes_of("content of b")).ok());
  auto inner = raw_.scan("pages", {});
  ASSERT_EQ(inner->size(), 2u);
  // Overwrite one inner entry with the other's bytes.
  ASSERT_TRUE(raw_.put("pages", (*inner)[1].first, (*inner)[0].second).ok());
  int failures = 0;
  for (std::string_view key : {"a.md", "b.md"}) {
    auto r = store_->get("pages", key);
    if (!r) {
      EXPECT_EQ(r.error().code, Errc::auth_failed) << r.error().message;
      ++failures;
    }
  }
  EXPECT_EQ(failures, 1);
  auto s = store_->scan("pages", {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::auth_failed);
}

TEST_F(SealedStoreTest, EntryCopiedToAnotherTableFailsAuth) {
  ASSERT_TRUE(store_->put("pages", "k", bytes_of("in pages")).ok());
  ASSERT_TRUE(store_->put("queue", "k", bytes_of("in queue")).ok());
  auto from_pages = only_inner_entry("pages");
  auto in_queue = only_inner_entry("queue");
  // Under the queue entry's own (hashed) key ...
  ASSERT_TRUE(raw_.put("queue", in_queue.first, from_pages.second).ok());
  auto r = store_->get("queue", "k");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::auth_failed);
  // ... and under the same inner key it had in its own table.
  ASSERT_TRUE(raw_.erase("queue", in_queue.first).ok());
  ASSERT_TRUE(raw_.put("queue", from_pages.first, from_pages.second).ok());
  auto s = store_->scan("queue", {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::auth_failed);
  EXPECT_EQ(store_->get("pages", "k")->value(), bytes_of("in pages"));
}

TEST_F(SealedStoreTest, EveryByteFlipIsRejected) {
  ASSERT_TRUE(store_->put("pages", "k", bytes_of("secret words")).ok());
  const auto original = only_inner_entry("pages");
  for (std::size_t i = 0; i < original.second.size(); ++i) {
    auto tampered = original.second;
    tampered[i] ^= 0x01;
    ASSERT_TRUE(raw_.put("pages", original.first, tampered).ok());
    auto r = store_->get("pages", "k");
    ASSERT_FALSE(r.ok()) << "flip at byte " << i << " was accepted";
    const Errc expected = i < 4 ? Errc::malformed : i == 4 ? Errc::unsupported_version : Errc::auth_failed;
    EXPECT_EQ(r.error().code, expected) << "byte " << i << ": " << r.error().message;
  }
}

TEST_F(SealedStoreTest, EveryTruncationIsRejected) {
  ASSERT_TRUE(store_->put("pages", "k", bytes_of("secret words")).ok());
  const auto original = only_inner_entry("pages");
  for (std::size_t n = 0; n < original.second.size(); ++n) {
    LocalStore::Bytes cut(original.second.begin(), original.second.begin() + static_cast<std::ptrdiff_t>(n));
    ASSERT_TRUE(raw_.put("pages", original.first, cut).ok());
    auto r = store_->get("pages", "k");
    ASSERT_FALSE(r.ok()) << "truncation to " << n << " bytes was accepted";
    EXPECT_TRUE(r.error().code == Errc::truncated || r.error().code == Errc::auth_failed)
        << n << ": " << errc_name(r.error().code);
  }
}

TEST_F(SealedStoreTest, WrongKeyIsAuthFailed) {
  ASSERT_TRUE(store_->put("pages", "k", bytes_of("v")).ok());
  store_.reset();
  auto wrong = SealedLocalStore::open(std::make_unique<BorrowedStore>(raw_), test_key(2));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::auth_failed);
  EXPECT_NE(wrong.error().message.find("another key"), std::string::npos) << wrong.error().message;
  auto right = open_with(test_key(1));
  ASSERT_NE(right, nullptr);
  EXPECT_EQ(right->get("pages", "k")->value(), bytes_of("v"));
}

TEST_F(SealedStoreTest, TamperedKeyCheckIsAuthFailed) {
  auto check = raw_.get("zkw.sealed", "check");
  ASSERT_TRUE(check.ok() && check->has_value());
  auto bytes = **check;
  bytes.back() ^= 0x80;
  ASSERT_TRUE(raw_.put("zkw.sealed", "check", bytes).ok());
  auto r = SealedLocalStore::open(std::make_unique<BorrowedStore>(raw_), test_key(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::auth_failed);
}

TEST_F(SealedStoreTest, KeyOfWrongSizeIsInvalidArgument) {
  for (std::size_t size : {0u, 16u, 31u, 33u, 64u}) {
    auto r = SealedLocalStore::open(std::make_unique<MemoryLocalStore>(), Secret::random(size));
    ASSERT_FALSE(r.ok()) << size;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
  }
  auto r = SealedLocalStore::open(nullptr, test_key(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
}

TEST_F(SealedStoreTest, ReservedTablesAreRefused) {
  EXPECT_EQ(store_->put("zkw.sealed", "check", bytes_of("x")).error().code, Errc::invalid_argument);
  EXPECT_EQ(store_->get("zkw.sealed", "check").error().code, Errc::invalid_argument);
  EXPECT_EQ(store_->erase("zkw.sealed", "check").error().code, Errc::invalid_argument);
  EXPECT_EQ(store_->scan("zkw.anything", {}).error().code, Errc::invalid_argument);
}

TEST_F(SealedStoreTest, ResealingUsesAFreshNonce) {
  ASSERT_TRUE(store_->put("pages", "k", bytes_of("same")).ok());
  auto first = only_inner_entry("pages");
  ASSERT_TRUE(store_->put("pages", "k", bytes_of("same")).ok());
  auto second = only_inner_entry("pages");
  EXPECT_EQ(first.first, second.first);
  EXPECT_NE(first.second, second.second);
}

TEST_F(SealedStoreTest, SizesArePaddedToFewClasses) {
  std::set<std::size_t> sizes;
  for (std::size_t n = 0; n <= 40; ++n) {
    ASSERT_TRUE(store_->put("pages", "k", LocalStore::Bytes(n, 'x')).ok());
    sizes.insert(only_inner_entry("pages").second.size());
  }
  EXPECT_EQ(sizes.size(), 1u) << "values of 0..40 bytes should share one size class";
  sizes.clear();
  for (std::size_t n = 1000; n <= 1100; ++n) {
    ASSERT_TRUE(store_->put("pages", "k", LocalStore::Bytes(n, 'x')).ok());
    sizes.insert(only_inner_entry("pages").second.size());
  }
  EXPECT_LE(sizes.size(), 3u);
}

TEST_F(SealedStoreTest, ScanFailsAsAWholeWhenOneEntryIsDamaged) {
  for (std::string k : {"a", "b", "c"}) ASSERT_TRUE(store_->put("pages", k, bytes_of("v" + k)).ok());
  auto inner = raw_.scan("pages", {});
  auto damaged = (*inner)[2].second;
  damaged[40] ^= 0x20;
  ASSERT_TRUE(raw_.put("pages", (*inner)[2].first, damaged).ok());
  auto s = store_->scan("pages", "zzz");  // even when the damaged entry would not match
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::auth_failed);
}

TEST_F(SealedStoreTest, TransactionPassesThroughToTheInnerStore) {
  auto r = store_->transaction([&]() -> Result<void> {
    ZKWIKI_TRY(store_->put("queue", "1", bytes_of("edit")));
    return make_error(Errc::io, "offline");
  });
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(raw_.scan("queue", {})->empty());
  // MemoryLocalStore refuses nesting; the wrapper must not hide that.
  Result<void> nested;
  ASSERT_TRUE(store_->transaction([&]() -> Result<void> {
    nested = raw_.transaction([] { return Result<void>{}; });
    return {};
  }).ok());
  EXPECT_EQ(nested.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace zkwiki
