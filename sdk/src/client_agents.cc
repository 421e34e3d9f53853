// Client: collections by name, agent grants (issue, list, revoke with rotation), the agent's own
// session, and the rules every reader applies to what an agent signed (docs/AGENTS.md).
#include <algorithm>

#include "zkwiki/encoding.h"
#include "client_impl.h"
#include "internal.h"

namespace zkwiki {
namespace {

EnvelopeContext collection_record_context(const WorkspaceId& ws, const CollectionId& c) {
  return EnvelopeContext{ContentKind::collection_metadata, ws, c, PageId{}, 0, Hash256{}};
}

std::string format_unix(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

// "this agent's grant 'scribe' (0f3c...)": the label and the id `zkwiki-keyring list` shows.
std::string grant_name(const AgentCertificate& cert) {
  return "this agent's grant" + (cert.label.empty() ? std::string() : " '" + cert.label + "'") + " (" +
         cert.grant.hex() + ")";
}

std::string granter(const AgentCertificate& cert) {
  return "the member who granted it (account " + cert.issuer.hex() + ")";
}

}  // namespace

// ---- the agent's side ----

const AgentCertificate* Client::agent_certificate() const { return impl_->agent ? &*impl_->agent : nullptr; }

Result<void> Client::Impl::agent_alive() {
  if (!agent) return {};
  const std::int64_t now = now_ms() / 1000;
  if (now >= agent->not_after)
    return make_error(Errc::expired, grant_name(*agent) + " expired at " + format_unix(agent->not_after) + ": ask " +
                                         granter(*agent) + " for a new grant");
  auto it = known_grants.find(agent->grant);
  if (it != known_grants.end() && it->second.revocation) {
    const AgentRevocation& r = *it->second.revocation;
    return make_error(Errc::expired, grant_name(*agent) + " was revoked at " + format_unix(r.revoked_at) + " by " +
                                         (r.signer == agent->issuer_key ? "the member who granted it"
                                                                        : "another member of the workspace") +
                                         ": ask " + granter(*agent) + " for a new grant");
  }
  return {};
}

Result<std::unique_ptr<Client>> Client::open_agent(Transport& transport, std::unique_ptr<LocalStore> device,
                                                   const Grant& grant, const AccountKeys* agent_key,
                                                   ClientOptions options) {
  ZKWIKI_ASSIGN(OpenedGrant opened, open_grant(grant, agent_key));
  const AgentCertificate& cert = grant.certificate;
  auto impl = std::make_unique<Impl>(transport, std::move(options));
  impl->agent = cert;
  ZKWIKI_TRY(impl->agent_alive());
  impl->api.set_token(opened.token);
  // The server refuses an agent's token once its grant is revoked (or the server dropped it):
  // no login helps, a new grant does. The server's reason comes first ("the token was revoked").
  impl->api.set_refusal_advice(grant_name(cert) + " no longer opens the workspace, though valid until " +
                               format_unix(cert.not_after) + ": ask " + granter(cert) +
                               " for a new grant; `zkwiki-keyring list` on their device shows it as REVOKED");
  ZKWIKI_ASSIGN(ServerSession session, impl->api.session());  // a revoked grant fails here
  impl->follow_blob_url(session.blob_url);
  impl->record.id = AccountId{cert.grant.bytes};
  impl->record.public_keys = cert.agent;
  impl->keys = std::move(opened.agent);
  impl->keys.id = impl->record.id;
  impl->workspace = cert.workspace;
  impl->default_collection = cert.collections.front();
  // The agent trusts the author keys its granter trusts; its own key writes under its certificate.
  impl->trusted_authors.insert(cert.issuer_key);
  impl->trusted_authors.insert(grant.trusted.begin(), grant.trusted.end());
  impl->grant_wraps = grant.wraps;
  impl->keysets = std::move(opened.keysets);
  Secret store_key = derive_subkey(Secret::from_bytes(impl->keys.x25519_secret.reveal()), "zkwlocal");
  ZKWIKI_ASSIGN(impl->sealed_device, SealedLocalStore::open(std::move(device), std::move(store_key)));
  ZKWIKI_TRY(impl->load_keysets());  // the grant's wraps, and any re-wrapped to it since
  ZKWIKI_TRY(impl->load_grants());
  ZKWIKI_TRY(impl->agent_alive());   // revoked before it started
  ZKWIKI_TRY(impl->load_pages());
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

// ---- what every reader checks ----

Result<void> Client::Impl::load_grants() {
  // Offline, the grants this device verified when it last could, verified again.
  std::vector<GrantEntry> entries;
  if (offline) {
    ZKWIKI_ASSIGN(entries, cached_grants());
  } else {
    ZKWIKI_ASSIGN(entries, api.list_grants(workspace));
  }
  known_grants.clear();
  unknown_authors.clear();
  std::vector<GrantEntry> verified;
  for (const auto& e : entries) {
    auto cert = open_certificate(e.record, workspace, e.id, keysets);
    if (!cert) {
      // A grant for collections this device cannot open is none of its business.
      if (cert.error().code != Errc::unknown_key) ZKWIKI_TRY(quarantine("grant:" + e.id.hex(), cert.error().message));
      continue;
    }
    if (!trusted_authors.contains(cert->issuer_key)) {
      ZKWIKI_TRY(quarantine("grant:" + e.id.hex(), "certificate signed by an account this device does not trust"));
      continue;
    }
    KnownGrant known{std::move(cert).value(), std::nullopt};
    if (!e.revocation.empty()) {
      auto rev = AgentRevocation::decode(e.revocation);
      if (rev && rev->workspace == workspace && rev->grant == e.id && trusted_authors.contains(rev->signer))
        known.revocation = *rev;
      else
        ZKWIKI_TRY(quarantine("grant:" + e.id.hex() + ":revocation", "a revocation that does not verify"));
    }
    known_grants.insert_or_assign(e.id, std::move(known));
    verified.push_back(e);
  }
  if (!offline) ZKWIKI_TRY(cache_grants(verified));
  return {};
}

Result<void> Client::Impl::check_author(const RevisionRecord& rec) {
  if (trusted_authors.contains(rec.author)) return {};
  // An agent key: some verified certificate of it must let it write to this collection. Grants
  // are reloaded once for a key not seen before (a grant newer than this device's view).
  for (int pass = 0; pass < 2; ++pass) {
    std::string why = "signed by a key that is neither a trusted member nor a known agent";
    for (const auto& [id, g] : known_grants) {
      if (g.cert.agent.ed25519 != rec.author) continue;
      if (g.cert.read_only) why = "signed by agent '" + g.cert.label + "', whose grant is read-only";
      else if (!g.cert.covers(rec.collection)) why = "signed by agent '" + g.cert.label + "', whose grant omits this collection";
      else return {};
    }
    if (pass == 1 || unknown_authors.contains(rec.author)) return make_error(Errc::auth_failed, why);
    ZKWIKI_TRY(load_grants());
    unknown_authors.insert(rec.author);
  }
  return make_error(Errc::auth_failed, "signed by an unknown key");
}

Result<void> Client::Impl::check_agent_content(const RevisionRecord& rec, const PageContent& content) {
  if (trusted_authors.contains(rec.author)) return {};
  std::optional<std::string> parent_path;
  if (rec.revision > 1) {
    ZKWIKI_ASSIGN(RevisionRecord parent, fetch_record(rec.collection, rec.page, rec.parent));
    ZKWIKI_ASSIGN(PageContent before, open_content(parent));
    parent_path = before.meta.path;
  }
  Error last{Errc::auth_failed, "no certificate of its key covers it"};
  for (const auto& [id, g] : known_grants) {
    if (g.cert.agent.ed25519 != rec.author) continue;
    auto ok = check_agent_write(g.cert, g.revocation ? &*g.revocation : nullptr, rec.collection, content.meta.path,
                                parent_path ? std::optional<std::string_view>(*parent_path) : std::nullopt,
                                content.meta.modified_ms);
    if (ok) return {};
    last = std::move(ok).error();
  }
  return make_error(Errc::auth_failed, "an agent's revision of " + content.meta.path + " is refused: " + last.message);
}

// ---- collections by name ----

Result<std::vector<CollectionInfo>> Client::collections() {
  Impl& im = *impl_;
  ZKWIKI_TRY(im.agent_alive());
  ZKWIKI_ASSIGN(auto all, im.api.list_collections(im.workspace));
  std::vector<CollectionInfo> out;
  for (const auto& [c, record] : all) {
    const Keyset* k = im.keyset_for(c);
    if (k == nullptr) continue;
    auto name = open_envelope(collection_record_context(im.workspace, c), *k, record);
    out.push_back({c, name ? std::string(name->begin(), name->end()) : c.hex()});
  }
  return out;
}

Result<CollectionId> Client::create_collection(std::string_view name) {
  Impl& im = *impl_;
  if (name.empty() || !valid_text(name)) return make_error(Errc::invalid_argument, "a collection needs a name");
  ZKWIKI_ASSIGN(auto existing, collections());
  for (const auto& c : existing)
    if (c.name == name) return make_error(Errc::conflict, "a collection named " + std::string(name) + " exists");
  CollectionId id = CollectionId::random();
  Keyset keyset = Keyset::create(KeyScope::for_collection(im.workspace, id));
  ZKWIKI_ASSIGN(Bytes sealed, seal_envelope(collection_record_context(im.workspace, id), keyset, internal::as_bytes(name)));
  ZKWIKI_TRY(im.api.create_collection(im.workspace, id, sealed));
  ZKWIKI_ASSIGN(Bytes wrapped, wrap_generation(keyset, 1, im.keys.public_keys, im.keys));
  ZKWIKI_TRY(im.api.put_wrapped_key(im.workspace, id, im.record.id, 1, wrapped));
  im.keysets.emplace(id, std::move(keyset));
  return id;
}

Result<void> Client::use_collection(std::string_view name) {
  ZKWIKI_ASSIGN(auto all, collections());
  for (const auto& c : all)
    if (c.name == name) {
      impl_->default_collection = c.id;
      return {};
    }
  return make_error(Errc::not_found, "no collection named " + std::string(name) + " (that this device can open)");
}

// ---- members ----

Result<void> Client::remove_member(const AccountId& member, bool rotate) {
  Impl& im = *impl_;
  if (im.agent) return make_error(Errc::forbidden, "an agent cannot remove members");
  if (member == im.record.id) return make_error(Errc::invalid_argument, "this account cannot remove itself");
  std::vector<CollectionId> all;
  for (const auto& [c, _] : im.keysets) all.push_back(c);
  if (rotate) ZKWIKI_TRY(im.check_rotatable(all));  // before the removal
  ZKWIKI_TRY(im.api.remove_member(im.workspace, member));
  if (!rotate) return {};
  ZKWIKI_TRY(im.load_grants());
  return im.rotate_collections(all, std::nullopt, member);
}

// ---- the granter's side ----

Result<IssuedGrant> Client::grant(const GrantOptions& o) {
  Impl& im = *impl_;
  if (im.agent) return make_error(Errc::forbidden, "an agent cannot grant");
  if (o.ttl_seconds <= 0 || o.ttl_seconds > kMaxGrantSeconds)
    return make_error(Errc::invalid_argument, "the lifetime must be between 1 second and a year (" +
                                                  std::to_string(kMaxGrantSeconds / 86400) + " days)");
  ZKWIKI_TRY(validate_path_prefix(o.path_prefix));
  if (o.collections.empty()) return make_error(Errc::invalid_argument, "name at least one collection");
  ZKWIKI_ASSIGN(auto all, collections());
  std::vector<CollectionId> ids;
  for (const auto& name : o.collections) {
    auto it = std::find_if(all.begin(), all.end(), [&](const CollectionInfo& c) { return c.name == name; });
    if (it == all.end()) return make_error(Errc::not_found, "no collection named " + name);
    if (std::find(ids.begin(), ids.end(), it->id) == ids.end()) ids.push_back(it->id);
  }
  const std::int64_t now = im.now_ms() / 1000;
  Secret bearer;
  PublicKeys agent_keys;
  if (o.agent) {
    agent_keys = *o.agent;
  } else {
    bearer = Secret::random(32);
    agent_keys = bearer_agent_keys(bearer).public_keys;
  }
  AgentCertificate draft;
  draft.workspace = im.workspace;
  draft.issuer = im.record.id;
  draft.agent = agent_keys;
  draft.not_before = now;
  draft.not_after = now + o.ttl_seconds;
  draft.read_only = o.read_only;
  draft.collections = ids;
  draft.path_prefix = o.path_prefix;
  draft.label = o.label;
  // Checked before the server is asked for anything.
  ZKWIKI_TRY(sign_certificate(draft, im.keys));

  ZKWIKI_ASSIGN(ScopedToken token, im.api.create_token(im.workspace, ids, !o.read_only, draft.not_after));
  draft.grant = token.id;
  auto issued = [&]() -> Result<IssuedGrant> {
    ZKWIKI_ASSIGN(AgentCertificate cert, sign_certificate(draft, im.keys));
    ZKWIKI_ASSIGN(Bytes bundle, seal_certificate(cert, im.keysets));
    ZKWIKI_TRY(im.api.put_grant(im.workspace, cert.grant, cert.agent.ed25519, bundle));
    // Every generation of exactly these collections, so the agent also reads older content.
    std::vector<Bytes> wraps;
    for (const auto& c : ids) {
      const Keyset& k = im.keysets.at(c);
      for (std::uint32_t g : k.generations()) {
        ZKWIKI_ASSIGN(Bytes w, wrap_generation(k, g, cert.agent, im.keys));
        wraps.push_back(std::move(w));
      }
    }
    std::vector<Ed25519Public> trusted{im.keys.public_keys.ed25519};
    for (const auto& t : im.trusted_authors)
      if (t != im.keys.public_keys.ed25519) trusted.push_back(t);
    ZKWIKI_ASSIGN(Grant g, make_grant(o.server_url, token.token, cert, std::move(trusted), std::move(wraps), std::move(bearer)));
    im.known_grants.insert_or_assign(cert.grant, Impl::KnownGrant{cert, std::nullopt});
    return IssuedGrant{cert.grant, g.to_string(), cert.not_after, g.bearer};
  }();
  // A grant that could not be completed must not leave a live token behind.
  if (!issued) (void)im.api.revoke_token(token.id);
  return issued;
}

Result<std::vector<GrantSummary>> Client::grants() {
  Impl& im = *impl_;
  ZKWIKI_TRY(im.load_grants());
  std::map<GrantId, ScopedToken> tokens;
  if (!im.agent) {
    ZKWIKI_ASSIGN(auto mine, im.api.list_tokens());
    for (auto& t : mine) tokens.emplace(t.id, std::move(t));
  }
  std::map<CollectionId, std::string> names;
  if (auto all = collections()) for (const auto& c : *all) names[c.id] = c.name;
  std::vector<GrantSummary> out;
  for (const auto& [id, g] : im.known_grants) {
    GrantSummary s;
    s.id = id;
    s.label = g.cert.label;
    for (const auto& c : g.cert.collections) s.collections.push_back(names.contains(c) ? names[c] : c.hex());
    s.read_only = g.cert.read_only;
    s.path_prefix = g.cert.path_prefix;
    s.not_before = g.cert.not_before;
    s.not_after = g.cert.not_after;
    s.revoked = g.revocation.has_value();
    s.agent_fingerprint = g.cert.agent.fingerprint();
    s.mine = g.cert.issuer == im.record.id;
    if (auto t = tokens.find(id); t != tokens.end()) {
      s.last_used = t->second.last_used;
      s.revoked = s.revoked || t->second.revoked;
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<void> Client::revoke(const GrantId& id, bool rotate) {
  Impl& im = *impl_;
  if (im.agent) return make_error(Errc::forbidden, "an agent cannot revoke grants");
  ZKWIKI_TRY(im.load_grants());
  auto it = im.known_grants.find(id);
  if (it == im.known_grants.end()) return make_error(Errc::not_found, "no grant " + id.hex() + " that this device can verify");
  const AgentCertificate cert = it->second.cert;
  if (rotate) ZKWIKI_TRY(im.check_rotatable(cert.collections));  // before anything is sent
  if (!it->second.revocation) {
    AgentRevocation rev = sign_revocation(im.workspace, id, im.now_ms() / 1000, im.keys);
    ZKWIKI_TRY(im.api.revoke_grant(im.workspace, id, rev.encode()));
    it->second.revocation = rev;
  }
  if (!rotate) return {};
  return im.rotate_collections(cert.collections, id, std::nullopt);
}

// Rotation: a new generation of each collection, wrapped to every member the server lists whose
// keys this device has verified and to every other grant still live; whoever was removed or
// revoked gets none, so content written from then on is sealed under a key they never had.
Result<void> Client::Impl::check_rotatable(const std::vector<CollectionId>& collections) {
  for (const auto& c : collections)
    if (keysets.contains(c)) ZKWIKI_TRY(sealing_keyset(c));
  return {};
}

Result<void> Client::Impl::rotate_collections(const std::vector<CollectionId>& collections,
                                              const std::optional<GrantId>& except_grant,
                                              const std::optional<AccountId>& except_member) {
  ZKWIKI_ASSIGN(auto members, api.list_members(workspace));
  const std::int64_t now = now_ms() / 1000;
  for (const auto& c : collections) {
    auto ks = keysets.find(c);
    if (ks == keysets.end()) continue;
    std::uint32_t gen = ks->second.rotate();
    ZKWIKI_TRY(note_generation(c, gen));
    for (const auto& [member, role] : members) {
      if (except_member && member == *except_member) continue;  // a server still listing them
      PublicKeys pk;
      if (member == record.id) {
        pk = keys.public_keys;
      } else {
        // Keys verified by fingerprint on this device (share/trust); a member trusted before
        // the X25519 half was kept gets the server's copy, if its Ed25519 half matches.
        ZKWIKI_ASSIGN(auto ed, store().get(kStateTable, "trusted:" + member.hex()));
        if (!ed || ed->size() != 32) continue;  // never verified here: not given the new key
        std::copy(ed->begin(), ed->end(), pk.ed25519.begin());
        ZKWIKI_ASSIGN(auto x, store().get(kStateTable, "trustedpub:" + member.hex()));
        if (x && x->size() == 32) {
          std::copy(x->begin(), x->end(), pk.x25519.begin());
        } else {
          ZKWIKI_ASSIGN(AccountRecord rec, api.get_account(member));
          if (rec.public_keys.ed25519 != pk.ed25519) continue;
          pk.x25519 = rec.public_keys.x25519;
        }
      }
      ZKWIKI_ASSIGN(Bytes w, wrap_generation(ks->second, gen, pk, keys));
      ZKWIKI_TRY(api.put_wrapped_key(workspace, c, member, gen, w));
    }
    for (const auto& [gid, g] : known_grants) {
      if ((except_grant && gid == *except_grant) || g.revocation || g.cert.not_after <= now || !g.cert.covers(c)) continue;
      // A removed member's grants end with their membership (the server checks the issuer).
      if (except_member && g.cert.issuer == *except_member) continue;
      ZKWIKI_ASSIGN(Bytes w, wrap_generation(ks->second, gen, g.cert.agent, keys));
      ZKWIKI_TRY(api.put_wrapped_key(workspace, c, AccountId{gid.bytes}, gen, w));
    }
  }
  return {};
}

}  // namespace zkwiki
