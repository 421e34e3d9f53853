// The C ABI's stateless part (abi.h): Markdown, diffs, and the format byte for byte.
#include <md4c-html.h>
#include <sodium.h>
#include <utf8proc.h>

#include "abi.h"
#include "abi_common.h"
#include "zkwiki/account.h"
#include "zkwiki/diff.h"
#include "zkwiki/encoding.h"
#include "zkwiki/envelope.h"
#include "zkwiki/kdf.h"
#include "zkwiki/keyset.h"
#include "zkwiki/keystring.h"
#include "zkwiki/markdown_meta.h"
#include "zkwiki/page.h"
#include "zkwiki/revision.h"

using namespace zkwiki;
using namespace zkwiki::wasm;

namespace {

std::string hex_of(std::span<const std::uint8_t> b) { return to_hex(b); }

json revision_json(const RevisionRecord& r) {
  return {{"workspace", r.workspace.hex()},
          {"collection", r.collection.hex()},
          {"page", r.page.hex()},
          {"revision", r.revision},
          {"parent", r.parent.hex()},
          {"envelopeId", r.envelope_id.hex()},
          {"envelopeSize", r.envelope_size},
          {"author", hex_of(r.author)},
          {"hash", r.hash().hex()}};
}

json page_json(const PageContent& p) {
  return {{"path", p.meta.path},       {"title", p.meta.title},     {"tags", p.meta.tags},
          {"createdMs", p.meta.created_ms}, {"modifiedMs", p.meta.modified_ms}, {"links", p.meta.links},
          {"deleted", p.meta.deleted}, {"body", p.body}};
}

void on_html(const MD_CHAR* text, MD_SIZE size, void* user) { static_cast<std::string*>(user)->append(text, size); }

}  // namespace

extern "C" {

int32_t zkw_info(void) {
  set_out_json(json{{"module", "zkwiki"},
               {"libsodium", sodium_version_string()},
               {"utf8proc", utf8proc_version()},
               {"envelopeVersion", kEnvelopeVersion},
               {"maxPlaintextBytes", kMaxPlaintextBytes},
               {"chunkBytes", kChunkBytes}});
  return 0;
}

int32_t zkw_markdown_to_html(const uint8_t* md, size_t md_len) {
  std::string_view text = in_text(md, md_len);
  if (text.size() > kMaxPlaintextBytes) return fail(Errc::too_large, "Markdown over the page size limit");
  if (!valid_utf8(text)) return fail(Errc::invalid_argument, "Markdown is not valid UTF-8");
  std::string html;
  html.reserve(text.size() + text.size() / 4 + 16);
  unsigned flags = MD_DIALECT_GITHUB | MD_FLAG_NOHTML | MD_FLAG_WIKILINKS;
  // Entities as written ("&eacute;"): the browser's HTML parser decodes them, and the module
  // carries no table of named entities (wasm/md4c/entity_verbatim.c).
  unsigned renderer_flags = MD_HTML_FLAG_SKIP_UTF8_BOM | MD_HTML_FLAG_VERBATIM_ENTITIES;
  if (md_html(text.data(), static_cast<MD_SIZE>(text.size()), on_html, &html, flags, renderer_flags) != 0)
    return fail(Errc::internal, "md4c failed (out of memory?)");
  set_out(html);
  return 0;
}

int32_t zkw_diff_lines(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len, uint32_t context) {
  DiffOptions opt;
  opt.context = context;
  return finish(diff_lines(in_text(a, a_len), in_text(b, b_len), opt), [](const LineDiff& d) {
    json hunks = json::array();
    for (const auto& h : d.hunks) {
      json lines = json::array();
      for (const auto& l : h.lines) {
        const char* op = l.op == DiffOp::added ? "added" : l.op == DiffOp::removed ? "removed" : "context";
        lines.push_back({{"op", op}, {"oldLine", l.old_line}, {"newLine", l.new_line}, {"text", l.text},
                         {"noNewline", l.no_newline}});
      }
      hunks.push_back({{"oldStart", h.old_start}, {"oldCount", h.old_count}, {"newStart", h.new_start},
                       {"newCount", h.new_count}, {"lines", std::move(lines)}});
    }
    set_out_json(json{{"hunks", std::move(hunks)}, {"added", d.lines_added}, {"removed", d.lines_removed}});
  });
}

int32_t zkw_unified_diff(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len, const uint8_t* path,
                         size_t path_len) {
  return finish(unified_diff(in_text(a, a_len), in_text(b, b_len), in_text(path, path_len)),
                [](const std::string& s) { set_out(s); });
}

int32_t zkw_merge3(const uint8_t* base, size_t base_len, const uint8_t* ours, size_t ours_len, const uint8_t* theirs,
                   size_t theirs_len) {
  return finish(merge3(in_text(base, base_len), in_text(ours, ours_len), in_text(theirs, theirs_len)),
                [](const MergeResult& m) {
                  json conflicts = json::array();
                  auto range = [](const LineRange& r) { return json::array({r.start, r.count}); };
                  for (const auto& c : m.conflicts)
                    conflicts.push_back({{"markerLine", c.marker_line}, {"base", range(c.base)},
                                         {"ours", range(c.ours)}, {"theirs", range(c.theirs)}});
                  set_out_json(json{{"text", m.text}, {"conflicts", std::move(conflicts)}});
                });
}

int32_t zkw_markdown_meta(const uint8_t* path, size_t path_len, const uint8_t* md, size_t md_len) {
  return finish(parse_markdown_meta(in_text(path, path_len), in_text(md, md_len)), [](const MarkdownMeta& m) {
    json fields = json::object();
    for (const auto& f : m.fields) fields[f.key] = f.value;
    set_out_json(json{{"title", m.title ? json(*m.title) : json(nullptr)},
                 {"tags", m.tags},
                 {"fields", std::move(fields)},
                 {"links", m.link_targets()}});
  });
}




int32_t zkw_envelope_inspect(const uint8_t* env, size_t env_len) {
  return finish(inspect_envelope(in_bytes(env, env_len)), [](const EnvelopeHeaderInfo& h) {
    set_out_json(json{{"version", h.version}, {"kind", static_cast<int>(h.kind)}, {"generation", h.generation}});
  });
}

int32_t zkw_revision_decode(const uint8_t* rec, size_t rec_len) {
  return finish(RevisionRecord::decode(in_bytes(rec, rec_len)),
                [](const RevisionRecord& r) { set_out_json(revision_json(r)); });
}

int32_t zkw_revision_sign(const uint8_t* ctx, size_t ctx_len, const uint8_t* env, size_t env_len, const uint8_t* seed,
                          size_t seed_len) {
  auto c = context_from(ctx, ctx_len);
  if (!c) return fail(c.error());
  if (seed_len != primitives::kEd25519SeedBytes) return fail(Errc::invalid_argument, "an Ed25519 seed is 32 bytes");
  auto kp = primitives::ed25519_from_seed(Secret::from_bytes(in_bytes(seed, seed_len)));
  set_out(sign_revision(*c, in_bytes(env, env_len), kp.public_key, kp.secret_key).encode());
  return 0;
}

int32_t zkw_revision_verify_envelope(const uint8_t* rec, size_t rec_len, const uint8_t* env, size_t env_len) {
  auto r = RevisionRecord::decode(in_bytes(rec, rec_len));
  if (!r) return fail(r.error());
  return finish(verify_envelope(*r, in_bytes(env, env_len)));
}

int32_t zkw_blob_id(const uint8_t* bytes, size_t len) {
  set_out(blob_id(in_bytes(bytes, len)).hex());
  return 0;
}

int32_t zkw_page_encode(const uint8_t* text, size_t text_len) {
  json j = parse_json(in_text(text, text_len));
  PageContent p;
  if (!j.is_object() || !get_string(j, "path", p.meta.path) || !get_string(j, "body", p.body))
    return fail(Errc::invalid_argument, "a page is an object with at least a path and a body (strings)");
  if (j.contains("title") && !get_string(j, "title", p.meta.title))
    return fail(Errc::invalid_argument, "page title: not a string");
  if (j.contains("tags") && !get_strings(j, "tags", p.meta.tags))
    return fail(Errc::invalid_argument, "page tags: not an array of strings");
  if (j.contains("links") && !get_strings(j, "links", p.meta.links))
    return fail(Errc::invalid_argument, "page links: not an array of strings");
  if (j.contains("createdMs") && !get_int(j, "createdMs", p.meta.created_ms))
    return fail(Errc::invalid_argument, "page createdMs: not an integer");
  if (j.contains("modifiedMs") && !get_int(j, "modifiedMs", p.meta.modified_ms))
    return fail(Errc::invalid_argument, "page modifiedMs: not an integer");
  if (j.contains("deleted")) {
    if (!j["deleted"].is_boolean()) return fail(Errc::invalid_argument, "page deleted: not a boolean");
    p.meta.deleted = j["deleted"].get<bool>();
  }
  return finish(encode_page(p), [](const Bytes& b) { set_out(b); });
}

int32_t zkw_page_decode(const uint8_t* bytes, size_t len) {
  return finish(decode_page(in_bytes(bytes, len)), [](const PageContent& p) { set_out_json(page_json(p)); });
}

int32_t zkw_keystring_decode(const uint8_t* text, size_t text_len, int32_t type) {
  if (type < 0 || type > static_cast<int32_t>(KeyStringType::agent_secret))
    return fail(Errc::invalid_argument, "unknown key string type");
  return finish(decode_key_string(in_text(text, text_len), static_cast<KeyStringType>(type)),
                [](Bytes& b) {
                  set_out(b);
                  wipe(b);
                });
}

int32_t zkw_keystring_encode(int32_t type, const uint8_t* payload, size_t payload_len, int32_t group) {
  if (type < 0 || type > static_cast<int32_t>(KeyStringType::agent_secret))
    return fail(Errc::invalid_argument, "unknown key string type");
  if (group < 0 || group > 64) return fail(Errc::invalid_argument, "group size out of range");
  set_out(encode_key_string(static_cast<KeyStringType>(type), in_bytes(payload, payload_len), group));
  return 0;
}

int32_t zkw_public_keys_fingerprint(const uint8_t* text, size_t text_len) {
  return finish(PublicKeys::parse(in_text(text, text_len)), [](const PublicKeys& k) { set_out(k.fingerprint()); });
}

int32_t zkw_account_unlock(const uint8_t* rec, size_t rec_len, const uint8_t* pass, size_t pass_len,
                           uint32_t min_opslimit, uint32_t min_memlimit_kib) {
  auto record = AccountRecord::decode(in_bytes(rec, rec_len));
  if (!record) return fail(record.error());
  KdfPolicy policy;
  policy.min_opslimit = min_opslimit;
  policy.min_memlimit_kib = min_memlimit_kib;
  return finish(unlock_account(*record, in_text(pass, pass_len), policy), [](const UnlockedAccount& u) {
    set_out_json(json{{"publicKeys", u.keys.public_keys.to_string()}, {"loginPublicKey", hex_of(u.login.public_key)}});
  });
}

int32_t zkw_kdf_benchmark(uint32_t opslimit, uint32_t memlimit_kib) {
  auto key = derive_root_key("correct horse battery staple", KdfParams::generate(opslimit, memlimit_kib),
                             AccountId::random());
  return key ? 0 : fail(key.error());
}

int32_t zkw_unwrap_generation(const uint8_t* wrapped, size_t wrapped_len, int32_t scope_kind, const uint8_t* ws,
                              size_t ws_len, const uint8_t* coll, size_t coll_len, const uint8_t* x25519_secret,
                              size_t xs_len, const uint8_t* ed25519_seed, size_t es_len) {
  if (ws_len != 16 || coll_len != 16) return fail(Errc::invalid_argument, "workspace and collection ids are 16 bytes");
  if (xs_len != 32 || es_len != 32) return fail(Errc::invalid_argument, "the recipient's secrets are 32 bytes each");
  if (scope_kind != 1 && scope_kind != 2) return fail(Errc::invalid_argument, "scope kind is 1 or 2");
  KeyScope scope;
  scope.kind = static_cast<ScopeKind>(scope_kind);
  copy_to(scope.workspace.bytes, ws);
  copy_to(scope.collection.bytes, coll);
  auto me = AccountKeys::from_seeds(AccountId{}, Secret::from_bytes(in_bytes(x25519_secret, xs_len)),
                                    Secret::from_bytes(in_bytes(ed25519_seed, es_len)));
  return finish(unwrap_generation(in_bytes(wrapped, wrapped_len), scope, me), [](const UnwrappedGeneration& u) {
    set_out_json(json{{"generation", u.generation},
                 {"primary", u.primary},
                 {"key", hex_of(u.key.reveal())},
                 {"granter", hex_of(u.granter)}});
  });
}

}  // extern "C"
