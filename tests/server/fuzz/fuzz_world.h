// The world both server fuzz targets run against: an in-memory store holding a fixed account,
// workspace, collection, page, blob and two tokens, so inputs reach authorized paths (the ids
// and tokens are listed in api_fuzz.cc). Records are signed with fixed keys so seeds verify.
#pragma once

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "api.h"
#include "crypto.h"
#include "zkwiki/account.h"
#include "zkwiki/encoding.h"
#include "zkwiki/revision.h"

namespace {

using namespace zkwiki::server;

const std::string kAccount = "00000000000000000000000000000001";
const std::string kWorkspace = "00000000000000000000000000000002";
const std::string kCollection = "00000000000000000000000000000003";
const std::string kPage = "00000000000000000000000000000004";

std::string str(std::span<const std::uint8_t> b) { return to_bytes(b); }

// Fixed key pairs: 32-byte seeds of one repeated byte.
zkwiki::primitives::Ed25519KeyPair key_pair(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(fill);
  return zkwiki::primitives::ed25519_from_seed(zkwiki::Secret::from_bytes(seed));
}
const zkwiki::primitives::Ed25519KeyPair& login_key() {
  static const auto k = key_pair(0x11);
  return k;
}
const zkwiki::primitives::Ed25519KeyPair& identity_key() {
  static const auto k = key_pair(0x22);
  return k;
}

// The encoded AccountRecord of `id` (login key pair `login`; the fixed identity key).
std::string account_record(const std::string& id, const zkwiki::primitives::Ed25519KeyPair& login) {
  zkwiki::AccountRecord r;
  r.id = zkwiki::AccountId::from_hex(id).value();
  r.login_public_key = login.public_key;
  r.public_keys.x25519.fill(0x33);
  r.public_keys.ed25519 = identity_key().public_key;
  return str(r.encode());
}

// The encoded revision record of (ws, coll, page) at revision `n` after `parent` (raw hash).
std::string revision_record(const std::string& page, std::uint64_t n, const std::string& parent,
                            std::string_view envelope) {
  zkwiki::EnvelopeContext ctx;
  ctx.workspace = zkwiki::WorkspaceId::from_hex(kWorkspace).value();
  ctx.collection = zkwiki::CollectionId::from_hex(kCollection).value();
  ctx.page = zkwiki::PageId::from_hex(page).value();
  ctx.revision = n;
  std::copy(parent.begin(), parent.end(), ctx.parent.bytes.begin());
  return str(zkwiki::sign_revision(ctx, as_span(envelope), identity_key().public_key,
                                   identity_key().secret_key)
                 .encode());
}

const std::string& head_record() {
  static const std::string r = revision_record(kPage, 1, "", "head");
  return r;
}

struct World {
  std::unique_ptr<Store> store = make_memory_store();
  Metrics metrics;
  std::unique_ptr<Api> api;

  World() {
    if (!crypto_init()) std::abort();
    Config cfg;
    cfg.quota_bytes = 1 << 20;
    api = std::make_unique<Api>(*store, cfg, &metrics);
    bool ok = store->create_account(Account{kAccount, str(login_key().public_key),
                                            account_record(kAccount, login_key()), 0, 0})
                  .ok() &&
              store->create_workspace(Workspace{kWorkspace, kAccount, "w", 0}).ok() &&
              store->create_collection(Collection{kWorkspace, kCollection, "c"}).ok() &&
              store->cas_head(kWorkspace, kCollection, kPage, std::nullopt,
                              hash_hex(head_record()), head_record(), Charge{kAccount, 0})
                  .ok() &&
              store->put_blob(kWorkspace, hash_hex("blob"), "blob", Charge{kAccount, 0}).ok();
    TokenRecord session;
    session.hash = hash_raw(std::string(32, '\x01'));
    session.token_id = "0000000000000000000000000000000a";
    session.account_id = kAccount;
    session.not_after = 4102444800;  // 2100
    TokenRecord scoped = session;
    scoped.hash = hash_raw(std::string(32, '\x02'));
    scoped.token_id = "0000000000000000000000000000000b";
    scoped.scoped = true;
    scoped.workspace_id = kWorkspace;
    scoped.collections = {kCollection};
    scoped.can_write = true;
    ok = ok && store->put_token(session).ok() && store->put_token(scoped).ok();
    if (!ok) std::abort();
  }
};

}  // namespace
