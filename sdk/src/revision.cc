#include "zkwiki/revision.h"

#include <sodium.h>

#include "internal.h"
#include "zkwiki/primitives.h"

namespace zkwiki {
namespace {

constexpr std::string_view kMagic = "ZKWR";
constexpr std::string_view kSignDomain = "zkwiki revision v1";
constexpr std::size_t kSignedBytes = kRevisionRecordBytes - 64;

std::vector<std::uint8_t> signed_message(std::span<const std::uint8_t> body) {
  internal::ByteWriter w(kSignDomain.size() + 1 + body.size());
  w.bytes(internal::as_bytes(kSignDomain));
  w.u8(0);
  w.bytes(body);
  return w.take();
}

void write_body(internal::ByteWriter& w, const RevisionRecord& r) {
  w.bytes(internal::as_bytes(kMagic));
  w.u8(kRevisionVersion);
  w.bytes(r.workspace.bytes);
  w.bytes(r.collection.bytes);
  w.bytes(r.page.bytes);
  w.u64(r.revision);
  w.bytes(r.parent.bytes);
  w.bytes(r.envelope_id.bytes);
  w.u64(r.envelope_size);
  w.bytes(r.author);
}

}  // namespace

Hash256 blob_id(std::span<const std::uint8_t> bytes) {
  Hash256 h;
  h.bytes = primitives::blake2b_256({bytes});
  return h;
}

std::vector<std::uint8_t> RevisionRecord::encode() const {
  internal::ByteWriter w(kRevisionRecordBytes);
  write_body(w, *this);
  w.bytes(signature);
  return w.take();
}

Result<RevisionRecord> RevisionRecord::decode(std::span<const std::uint8_t> bytes) {
  internal::ByteReader r(bytes);
  RevisionRecord rec;
  if (internal::expect_magic(r, kMagic, kRevisionVersion, "revision record")) {
    rec.workspace.bytes = r.array<16>();
    rec.collection.bytes = r.array<16>();
    rec.page.bytes = r.array<16>();
    rec.revision = r.u64();
    rec.parent.bytes = r.array<32>();
    rec.envelope_id.bytes = r.array<32>();
    rec.envelope_size = r.u64();
    rec.author = r.array<32>();
    rec.signature = r.array<64>();
  }
  ZKWIKI_TRY(r.finish("revision record"));
  if (rec.revision == 0) return make_error(Errc::malformed, "revision record: revision 0 is reserved");
  if ((rec.revision == 1) != rec.parent.is_zero())
    return make_error(Errc::malformed, "revision record: only revision 1 has no parent");
  if (!primitives::ed25519_verify(rec.author, signed_message(bytes.first(kSignedBytes)), rec.signature))
    return make_error(Errc::auth_failed, "revision record: signature does not verify");
  return rec;
}

Hash256 RevisionRecord::hash() const { return blob_id(encode()); }

EnvelopeContext RevisionRecord::envelope_context() const {
  return EnvelopeContext{ContentKind::page_revision, workspace, collection, page, revision, parent};
}

RevisionRecord sign_revision(const EnvelopeContext& context, std::span<const std::uint8_t> envelope,
                             const std::array<std::uint8_t, 32>& author_public, const Secret& author_secret) {
  RevisionRecord r;
  r.workspace = context.workspace;
  r.collection = context.collection;
  r.page = context.page;
  r.revision = context.revision;
  r.parent = context.parent;
  r.envelope_id = blob_id(envelope);
  r.envelope_size = envelope.size();
  r.author = author_public;
  internal::ByteWriter w(kRevisionRecordBytes);
  write_body(w, r);
  r.signature = primitives::ed25519_sign(author_secret, signed_message(w.buffer()));
  return r;
}

Result<void> verify_chain(const RevisionRecord& parent, const RevisionRecord& child) {
  if (parent.workspace != child.workspace || parent.collection != child.collection || parent.page != child.page)
    return make_error(Errc::forbidden, "revision belongs to another page");
  if (child.revision != parent.revision + 1)
    return make_error(Errc::conflict, "revision " + std::to_string(child.revision) + " does not follow revision " +
                                          std::to_string(parent.revision));
  if (child.parent != parent.hash())
    return make_error(Errc::conflict, "revision " + std::to_string(child.revision) +
                                          " names another parent (a forked history)");
  return {};
}

Result<void> verify_envelope(const RevisionRecord& record, std::span<const std::uint8_t> envelope) {
  if (envelope.size() != record.envelope_size || blob_id(envelope) != record.envelope_id)
    return make_error(Errc::auth_failed, "content does not match the hash its revision record names");
  return {};
}

}  // namespace zkwiki
