// The signed workspace record ("ZKWS" v2): what it binds, and the typed error for each way it
// can be wrong. The hostile-server tests (tests/client) check what a client does with one.
#include <gtest/gtest.h>

#include "zkwiki/primitives.h"
#include "zkwiki/workspace_record.h"

namespace zkwiki {
namespace {

using Bytes = std::vector<std::uint8_t>;

class WorkspaceRecordTest : public ::testing::Test {
 protected:
  AccountKeys owner = AccountKeys::generate(AccountId::random());
  WorkspaceId ws = WorkspaceId::random();
  CollectionId notes = CollectionId::random();
  Bytes bytes = sign_workspace_record(ws, notes, owner).encode();
};

TEST_F(WorkspaceRecordTest, ASignedRecordRoundTrips) {
  ASSERT_EQ(bytes.size(), kWorkspaceRecordBytes);
  EXPECT_EQ(bytes[4], kWorkspaceRecordVersion);
  auto back = WorkspaceRecord::decode(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->workspace, ws);
  EXPECT_EQ(back->owner, owner.id);
  EXPECT_EQ(back->default_collection, notes);
  EXPECT_EQ(back->owner_key, owner.public_keys.ed25519);
  EXPECT_EQ(back->encode(), bytes);
}

TEST_F(WorkspaceRecordTest, EverySignedByteIsCovered) {
  // Workspace, owner, default collection and owner key: a flipped bit anywhere fails.
  for (std::size_t i = 5; i < kWorkspaceRecordBytes; ++i) {
    Bytes t = bytes;
    t[i] ^= 0x01;
    auto r = WorkspaceRecord::decode(t);
    ASSERT_FALSE(r.ok()) << "byte " << i;
    EXPECT_EQ(r.error().code, Errc::auth_failed) << "byte " << i;
  }
}

TEST_F(WorkspaceRecordTest, ASignatureWithoutTheDomainOrUnderAnotherKeyFails) {
  // The same body signed without the domain prefix (as another format might sign it).
  Bytes body(bytes.begin(), bytes.end() - 64);
  auto raw = primitives::ed25519_sign(owner.ed25519_secret, body);
  Bytes t = body;
  t.insert(t.end(), raw.begin(), raw.end());
  auto r = WorkspaceRecord::decode(t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::auth_failed);
  // Signed by another key but naming the owner's key.
  AccountKeys other = AccountKeys::generate(owner.id);
  Bytes forged = sign_workspace_record(ws, notes, other).encode();
  std::copy(owner.public_keys.ed25519.begin(), owner.public_keys.ed25519.end(), forged.begin() + 53);
  r = WorkspaceRecord::decode(forged);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::auth_failed);
}

TEST_F(WorkspaceRecordTest, MalformedRecordsGetTypedErrors) {
  auto code = [](const Bytes& b) {
    auto r = WorkspaceRecord::decode(b);
    return r.ok() ? Errc::internal : r.error().code;
  };
  EXPECT_EQ(code({}), Errc::truncated);
  EXPECT_EQ(code(Bytes(bytes.begin(), bytes.end() - 1)), Errc::truncated);
  Bytes t = bytes;
  t.push_back(0);
  EXPECT_EQ(code(t), Errc::trailing_data);
  t = bytes;
  t[1] = 'X';
  EXPECT_EQ(code(t), Errc::malformed);
  t = bytes;
  t[4] = 3;
  EXPECT_EQ(code(t), Errc::unsupported_version);
  // The unsigned version-1 record of earlier builds.
  Bytes v1{'Z', 'K', 'W', 'S', 1};
  v1.insert(v1.end(), owner.id.bytes.begin(), owner.id.bytes.end());
  v1.insert(v1.end(), notes.bytes.begin(), notes.bytes.end());
  EXPECT_EQ(code(v1), Errc::unsupported_version);
}

}  // namespace
}  // namespace zkwiki
