#include "zkwiki/workspace_record.h"

#include "internal.h"
#include "zkwiki/primitives.h"

namespace zkwiki {
namespace {

constexpr std::string_view kWorkspaceMagic = "ZKWS";
constexpr std::string_view kWorkspaceDomain{"zkwiki workspace record v2\0", 27};

}  // namespace

// "ZKWS" | 2 | workspace[16] | owner[16] | default collection[16] | owner key[32] | signature[64]
std::vector<std::uint8_t> WorkspaceRecord::encode() const {
  internal::ByteWriter w(kWorkspaceRecordBytes);
  w.bytes(internal::as_bytes(kWorkspaceMagic));
  w.u8(kWorkspaceRecordVersion);
  w.bytes(workspace.bytes);
  w.bytes(owner.bytes);
  w.bytes(default_collection.bytes);
  w.bytes(owner_key);
  w.bytes(signature);
  return w.take();
}

Result<WorkspaceRecord> WorkspaceRecord::decode(std::span<const std::uint8_t> bytes) {
  internal::ByteReader r(bytes);
  WorkspaceRecord v;
  if (internal::expect_magic(r, kWorkspaceMagic, kWorkspaceRecordVersion, "workspace record")) {
    v.workspace.bytes = r.array<16>();
    v.owner.bytes = r.array<16>();
    v.default_collection.bytes = r.array<16>();
    v.owner_key = r.array<32>();
    v.signature = r.array<64>();
  }
  ZKWIKI_TRY(r.finish("workspace record"));
  auto sig = primitives::ed25519_verify(
      v.owner_key, internal::domain_message(kWorkspaceDomain, bytes.first(bytes.size() - 64)), v.signature);
  if (!sig) return make_error(Errc::auth_failed, "workspace record: the signature does not verify");
  return v;
}

WorkspaceRecord sign_workspace_record(const WorkspaceId& ws, const CollectionId& default_collection,
                                      const AccountKeys& owner) {
  WorkspaceRecord v{ws, owner.id, default_collection, owner.public_keys.ed25519, {}};
  auto body = v.encode();
  body.resize(body.size() - 64);
  v.signature = primitives::ed25519_sign(owner.ed25519_secret, internal::domain_message(kWorkspaceDomain, body));
  return v;
}

}  // namespace zkwiki
