// The LocalStore contract: one typed test suite that every implementation must pass.
//
// Instantiate it with a factory type F providing
//   static constexpr const char* kName;
//   static Result<std::unique_ptr<LocalStore>> open(const std::filesystem::path& dir);
// where `dir` is a fresh, private directory per test (a persistent store keeps its files there;
// opening twice in the same test opens the same store).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "zkwiki/local_store.h"

namespace zkwiki::test {

inline std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at destruction.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/zkwiki-store-XXXXXX";
    if (char* made = ::mkdtemp(pattern.data())) path_ = made;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

template <class F>
class LocalStoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty()) << "cannot create a scratch directory";
    store_ = open_store();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<LocalStore> open_store() {
    auto s = F::open(dir_.path());
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(s).value() : nullptr;
  }

  void put(std::string_view table, std::string_view key, std::string_view value) {
    auto r = store_->put(table, key, bytes_of(value));
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  // The value as a string, "<missing>" if absent, "<error: ...>" on an error.
  std::string get(std::string_view table, std::string_view key) {
    auto r = store_->get(table, key);
    if (!r) return "<error: " + r.error().message + ">";
    if (!*r) return "<missing>";
    return std::string((*r)->begin(), (*r)->end());
  }
  // The keys of a scan, in the order returned.
  std::vector<std::string> scan_keys(std::string_view table, std::string_view prefix = {}) {
    auto r = store_->scan(table, prefix);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    std::vector<std::string> keys;
    if (r) for (auto& [k, v] : *r) keys.push_back(k);
    return keys;
  }

  ScratchDir dir_;
  std::unique_ptr<LocalStore> store_;
};

TYPED_TEST_SUITE_P(LocalStoreContract);

TYPED_TEST_P(LocalStoreContract, GetOfMissingKeyIsEmpty) {
  EXPECT_EQ(this->get("pages", "nope"), "<missing>");
  this->put("pages", "a", "1");
  EXPECT_EQ(this->get("pages", "b"), "<missing>");
  EXPECT_EQ(this->get("other", "a"), "<missing>");
}

TYPED_TEST_P(LocalStoreContract, PutThenGetAndOverwrite) {
  this->put("pages", "projects/alpha/notes.md", "first");
  EXPECT_EQ(this->get("pages", "projects/alpha/notes.md"), "first");
  this->put("pages", "projects/alpha/notes.md", "second, longer value");
  EXPECT_EQ(this->get("pages", "projects/alpha/notes.md"), "second, longer value");
  this->put("pages", "projects/alpha/notes.md", "");
  EXPECT_EQ(this->get("pages", "projects/alpha/notes.md"), "");
}

TYPED_TEST_P(LocalStoreContract, EmptyKeyAndEmptyValueAreEntries) {
  this->put("state", "", "");
  EXPECT_EQ(this->get("state", ""), "");
  EXPECT_EQ(this->scan_keys("state"), std::vector<std::string>{""});
}

TYPED_TEST_P(LocalStoreContract, BinaryKeysAndValuesRoundTrip) {
  const std::string key("a\0b\xff\x80", 5);
  const std::string value("\0\0\xff\x01\x80zz\0", 8);
  this->put("objects", key, value);
  EXPECT_EQ(this->get("objects", key), value);
  EXPECT_EQ(this->get("objects", std::string("a\0b", 3)), "<missing>");
  EXPECT_EQ(this->get("objects", "a"), "<missing>");
}

TYPED_TEST_P(LocalStoreContract, TablesAreSeparate) {
  this->put("pages", "k", "in pages");
  this->put("queue", "k", "in queue");
  EXPECT_EQ(this->get("pages", "k"), "in pages");
  EXPECT_EQ(this->get("queue", "k"), "in queue");
  ASSERT_TRUE(this->store_->erase("pages", "k").ok());
  EXPECT_EQ(this->get("pages", "k"), "<missing>");
  EXPECT_EQ(this->get("queue", "k"), "in queue");
  EXPECT_EQ(this->scan_keys("queue"), std::vector<std::string>{"k"});
}

TYPED_TEST_P(LocalStoreContract, EraseRemovesAndMissingEraseIsOk) {
  this->put("pages", "a", "1");
  this->put("pages", "b", "2");
  ASSERT_TRUE(this->store_->erase("pages", "a").ok());
  EXPECT_EQ(this->get("pages", "a"), "<missing>");
  EXPECT_EQ(this->get("pages", "b"), "2");
  EXPECT_TRUE(this->store_->erase("pages", "a").ok());
  EXPECT_TRUE(this->store_->erase("never", "x").ok());
}

TYPED_TEST_P(LocalStoreContract, ScanIsInUnsignedByteOrder) {
  // Inserted out of order; bytes >= 0x80 sort after ASCII, a prefix before its extensions.
  for (const std::string& k : std::vector<std::string>{"b", "a/2", "\xc3\xa9t\xc3\xa9", "a", "a/10", "A", "a/1", std::string("a\0", 2), "~"})
    this->put("pages", k, "v:" + k);
  const std::vector<std::string> expected = {"A", "a", std::string("a\0", 2), "a/1", "a/10", "a/2", "b", "~",
                                             "\xc3\xa9t\xc3\xa9"};
  EXPECT_EQ(this->scan_keys("pages"), expected);
  auto all = this->store_->scan("pages", {});
  ASSERT_TRUE(all.ok());
  for (auto& [k, v] : *all) EXPECT_EQ(std::string(v.begin(), v.end()), "v:" + k);
  EXPECT_TRUE(this->scan_keys("empty-table").empty());
}

TYPED_TEST_P(LocalStoreContract, ScanByPrefix) {
  for (const std::string& k : std::vector<std::string>{"projects/alpha/notes.md", "projects/alpha/todo.md", "projects/alphabet.md",
                        "projects/beta/x.md", "projectsX", "readme.md", "\xff\xff", "\xff\xff\x01", "\xfe\xff"})
    this->put("pages", k, "v");
  this->put("other", "projects/alpha/elsewhere.md", "v");
  using V = std::vector<std::string>;
  EXPECT_EQ(this->scan_keys("pages", "projects/alpha/"), (V{"projects/alpha/notes.md", "projects/alpha/todo.md"}));
  EXPECT_EQ(this->scan_keys("pages", "projects/alpha"),
            (V{"projects/alpha/notes.md", "projects/alpha/todo.md", "projects/alphabet.md"}));
  EXPECT_EQ(this->scan_keys("pages", "projects/"),
            (V{"projects/alpha/notes.md", "projects/alpha/todo.md", "projects/alphabet.md", "projects/beta/x.md"}));
  EXPECT_EQ(this->scan_keys("pages", "readme.md"), (V{"readme.md"}));
  EXPECT_EQ(this->scan_keys("pages", "readme.md!"), V{});
  EXPECT_EQ(this->scan_keys("pages", "zzz"), V{});
  // Prefixes ending in 0xff have no simple upper bound.
  EXPECT_EQ(this->scan_keys("pages", "\xff"), (V{"\xff\xff", "\xff\xff\x01"}));
  EXPECT_EQ(this->scan_keys("pages", "\xff\xff"), (V{"\xff\xff", "\xff\xff\x01"}));
  EXPECT_EQ(this->scan_keys("pages", "\xfe"), (V{"\xfe\xff"}));
}

TYPED_TEST_P(LocalStoreContract, LargeValueRoundTrips) {
  std::string big(3 * 1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131) ^ (i >> 9));
  this->put("objects", "big", big);
  EXPECT_TRUE(this->get("objects", "big") == big);
}

TYPED_TEST_P(LocalStoreContract, TransactionCommitAppliesEverything) {
  this->put("queue", "old", "x");
  auto r = this->store_->transaction([&]() -> Result<void> {
    ZKWIKI_TRY(this->store_->put("queue", "1", bytes_of("one")));
    ZKWIKI_TRY(this->store_->put("state", "head", bytes_of("h1")));
    ZKWIKI_TRY(this->store_->erase("queue", "old"));
    // A transaction sees its own writes.
    auto seen = this->store_->get("queue", "1");
    if (!seen || !*seen) return make_error(Errc::internal, "own write not visible");
    return {};
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(this->get("queue", "1"), "one");
  EXPECT_EQ(this->get("state", "head"), "h1");
  EXPECT_EQ(this->get("queue", "old"), "<missing>");
}

TYPED_TEST_P(LocalStoreContract, TransactionErrorAppliesNothing) {
  this->put("queue", "keep", "before");
  auto r = this->store_->transaction([&]() -> Result<void> {
    ZKWIKI_TRY(this->store_->put("queue", "keep", bytes_of("after")));
    ZKWIKI_TRY(this->store_->put("queue", "new", bytes_of("n")));
    ZKWIKI_TRY(this->store_->erase("queue", "keep"));
    return make_error(Errc::conflict, "the body gives up");
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::conflict);
  EXPECT_EQ(r.error().message, "the body gives up");
  EXPECT_EQ(this->get("queue", "keep"), "before");
  EXPECT_EQ(this->get("queue", "new"), "<missing>");
  EXPECT_EQ(this->scan_keys("queue"), std::vector<std::string>{"keep"});
  // The store is usable afterwards.
  ASSERT_TRUE(this->store_->transaction([&]() { return this->store_->put("queue", "new", bytes_of("ok")); }).ok());
  EXPECT_EQ(this->get("queue", "new"), "ok");
}

TYPED_TEST_P(LocalStoreContract, NestedTransactionIsRefused) {
  Result<void> inner;
  auto outer = this->store_->transaction([&]() -> Result<void> {
    ZKWIKI_TRY(this->store_->put("state", "outer", bytes_of("1")));
    inner = this->store_->transaction([&]() { return this->store_->put("state", "inner", bytes_of("2")); });
    return {};
  });
  ASSERT_TRUE(outer.ok()) << outer.error().message;
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code, Errc::invalid_argument);
  EXPECT_EQ(this->get("state", "outer"), "1");
  EXPECT_EQ(this->get("state", "inner"), "<missing>");
}

TYPED_TEST_P(LocalStoreContract, ManyEntriesScanCompletely) {
  auto r = this->store_->transaction([&]() -> Result<void> {
    for (int i = 0; i < 1000; ++i) {
      char key[16];
      std::snprintf(key, sizeof key, "p/%04d", (i * 7919) % 1000);
      ZKWIKI_TRY(this->store_->put("pages", key, bytes_of(key)));
    }
    return {};
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto keys = this->scan_keys("pages", "p/");
  ASSERT_EQ(keys.size(), 1000u);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_EQ(this->scan_keys("pages", "p/099").size(), 10u);
}

REGISTER_TYPED_TEST_SUITE_P(LocalStoreContract, GetOfMissingKeyIsEmpty, PutThenGetAndOverwrite,
                            EmptyKeyAndEmptyValueAreEntries, BinaryKeysAndValuesRoundTrip, TablesAreSeparate,
                            EraseRemovesAndMissingEraseIsOk, ScanIsInUnsignedByteOrder, ScanByPrefix,
                            LargeValueRoundTrips, TransactionCommitAppliesEverything,
                            TransactionErrorAppliesNothing, NestedTransactionIsRefused,
                            ManyEntriesScanCompletely);

}  // namespace zkwiki::test
