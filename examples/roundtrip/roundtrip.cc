// zkwiki-roundtrip DIR --out STORE: the SDK end to end over a real folder of text pages.
// Creates an account and a collection, seals every text file as a signed page revision into
// STORE (blobs named by their hash, as a server would keep them), opens everything back,
// checks it is byte-identical, and scans STORE for distinctive strings from the pages: a
// zero-knowledge store must contain none.
#include <algorithm>
#include <chrono>
#include <functional>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "zkwiki/account.h"
#include "zkwiki/envelope.h"
#include "zkwiki/page.h"
#include "zkwiki/revision.h"

namespace fs = std::filesystem;
using namespace zkwiki;
using Clock = std::chrono::steady_clock;

namespace {

struct SourcePage {
  std::string path;
  std::string text;
};

bool looks_like_text_page(const fs::path& p) {
  std::string name = p.filename().string();
  std::string ext = p.extension().string();
  if (ext == ".md" || ext == ".txt" || ext == ".markdown" || ext == ".rst") return true;
  return name.rfind("README", 0) == 0 || name.rfind("NEWS", 0) == 0 || name == "copyright" ||
         name.rfind("CHANGES", 0) == 0 || name.rfind("AUTHORS", 0) == 0;
}

std::vector<SourcePage> collect(const fs::path& root) {
  std::vector<SourcePage> pages;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file(ec) || it->is_symlink(ec) || !looks_like_text_page(it->path())) continue;
    if (it->file_size(ec) > kMaxPlaintextBytes / 2) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    if (text.empty() || text.find('\0') != std::string::npos) continue;  // binary, not a page
    pages.push_back({fs::relative(it->path(), root).string(), std::move(text)});
  }
  return pages;
}

std::string title_of(const SourcePage& p) {
  std::istringstream in(p.text);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t i = line.find_first_not_of("# \t=-*");
    if (i != std::string::npos && line.size() - i >= 4) return line.substr(i, 80);
  }
  return fs::path(p.path).filename().string();
}

// A distinctive string of a page: its longest line, if long enough to be unlikely elsewhere.
std::string distinctive(const std::string& text) {
  std::istringstream in(text);
  std::string line, best;
  while (std::getline(in, line))
    if (line.size() > best.size() && line.size() < 200) best = line;
  return best.size() >= 24 ? best : std::string();
}

void write_file(const fs::path& p, std::span<const std::uint8_t> bytes) {
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                           static_cast<std::streamsize>(bytes.size()));
}
std::vector<std::uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int fail(const std::string& what) {
  std::fprintf(stderr, "zkwiki-roundtrip: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || std::strcmp(argv[2], "--out") != 0) {
    std::fprintf(stderr, "usage: zkwiki-roundtrip DIR --out STORE\n");
    return 2;
  }
  fs::path src = argv[1], store = argv[3];
  if (!fs::is_directory(src)) return fail("not a directory: " + src.string());
  fs::remove_all(store);
  fs::create_directories(store / "blobs");

  auto pages = collect(src);
  if (pages.empty()) return fail("no text pages under " + src.string());
  std::size_t total_bytes = 0;
  for (const auto& p : pages) total_bytes += p.text.size();
  std::printf("found %zu text pages (%.1f MB) under %s\n", pages.size(), total_bytes / 1e6, src.c_str());

  auto t0 = Clock::now();
  auto created = create_account("demo passphrase: correct horse battery staple");
  if (!created) return fail(created.error().message);
  NewAccount& account = *created;
  std::printf("account %s created in %.0f ms (Argon2id t=%u, m=%u MiB); public key fingerprint %s\n",
              account.record.id.hex().c_str(), seconds_since(t0) * 1e3, account.record.kdf.opslimit,
              account.record.kdf.memlimit_kib / 1024, account.keys.public_keys.fingerprint().c_str());
  write_file(store / "account.bin", account.record.encode());

  WorkspaceId ws = WorkspaceId::random();
  CollectionId coll = CollectionId::random();
  Keyset keyset = Keyset::create(KeyScope::for_collection(ws, coll));
  auto wrapped = wrap_generation(keyset, 1, account.keys.public_keys, account.keys);
  if (!wrapped) return fail(wrapped.error().message);
  write_file(store / "collection-key.bin", *wrapped);

  // Seal: one signed revision per page.
  std::vector<std::pair<PageId, std::vector<std::uint8_t>>> records;
  records.reserve(pages.size());
  std::vector<std::uint8_t> env;
  std::size_t sealed_bytes = 0;
  t0 = Clock::now();
  for (const auto& p : pages) {
    PageContent content{{p.path, title_of(p), {}, 0, 0, {}, false}, p.text};
    EnvelopeContext ctx{ContentKind::page_revision, ws, coll, PageId::random(), 1, Hash256{}};
    auto plain_page = encode_page(content);
    if (!plain_page) return fail(p.path + ": " + plain_page.error().message);
    if (auto r = seal_envelope(ctx, keyset, *plain_page, env); !r) return fail(r.error().message);
    RevisionRecord rec = sign_revision(ctx, env, account.keys.public_keys.ed25519, account.keys.ed25519_secret);
    write_file(store / "blobs" / rec.envelope_id.hex(), env);
    records.emplace_back(ctx.page, rec.encode());
    sealed_bytes += env.size();
  }
  double seal_s = seconds_since(t0);
  {
    std::ofstream idx(store / "records.bin", std::ios::binary);
    for (const auto& [_, bytes] : records) idx.write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  std::printf("sealed  %zu pages in %.2f s: %.0f pages/s, %.1f MB/s (ciphertext %.1f MB, %.1f%% padding+overhead)\n",
              pages.size(), seal_s, pages.size() / seal_s, total_bytes / 1e6 / seal_s, sealed_bytes / 1e6,
              100.0 * (double(sealed_bytes) - double(total_bytes)) / double(total_bytes));

  // Open: a new device with the passphrase reads everything back from the store alone.
  t0 = Clock::now();
  auto record = AccountRecord::decode(read_bytes(store / "account.bin"));
  if (!record) return fail(record.error().message);
  auto unlocked = unlock_account(*record, "demo passphrase: correct horse battery staple");
  if (!unlocked) return fail(unlocked.error().message);
  auto gen = unwrap_generation(read_bytes(store / "collection-key.bin"), keyset.scope(), unlocked->keys);
  if (!gen) return fail(gen.error().message);
  Keyset device_keys(keyset.scope());
  if (auto r = device_keys.insert(gen->generation, std::move(gen->key), gen->primary); !r) return fail(r.error().message);
  double unlock_s = seconds_since(t0);

  t0 = Clock::now();
  std::vector<std::uint8_t> plain;
  std::size_t identical = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto rec = RevisionRecord::decode(records[i].second);
    if (!rec) return fail(rec.error().message);
    if (rec->author != unlocked->keys.public_keys.ed25519) return fail("a revision by an unknown author");
    auto blob = read_bytes(store / "blobs" / rec->envelope_id.hex());
    if (auto r = verify_envelope(*rec, blob); !r) return fail(r.error().message);
    if (auto r = open_envelope(rec->envelope_context(), device_keys, blob, plain); !r) return fail(r.error().message);
    auto page = decode_page(plain);
    if (!page) return fail(page.error().message);
    if (page->body == pages[i].text && page->meta.path == pages[i].path) ++identical;
  }
  double open_s = seconds_since(t0);
  std::printf("opened  %zu pages in %.2f s: %.0f pages/s, %.1f MB/s (unlock on a new device: %.0f ms)\n",
              records.size(), open_s, records.size() / open_s, total_bytes / 1e6 / open_s, unlock_s * 1e3);
  std::printf("round trip: %zu of %zu pages byte-identical\n", identical, pages.size());

  // Zero knowledge: no title or distinctive line of any page appears anywhere in the store.
  std::vector<std::string> needles;
  for (const auto& p : pages) {
    if (auto d = distinctive(p.text); !d.empty()) needles.push_back(d);
    if (auto t = title_of(p); t.size() >= 12) needles.push_back(t);
  }
  std::string haystack;
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(store)) {
    if (!e.is_regular_file()) continue;
    auto b = read_bytes(e.path());
    haystack.append(b.begin(), b.end());
    ++files;
  }
  // At most 300 needles, evenly spread over the pages, keep the scan to a few seconds.
  if (needles.size() > 300) {
    std::vector<std::string> sample;
    for (std::size_t i = 0; i < 300; ++i) sample.push_back(needles[i * needles.size() / 300]);
    needles.swap(sample);
  }
  std::size_t found = 0;
  for (const auto& n : needles) {
    std::boyer_moore_horspool_searcher searcher(n.begin(), n.end());
    if (std::search(haystack.begin(), haystack.end(), searcher) != haystack.end()) ++found;
  }
  std::printf("zero-knowledge check: %zu of %zu distinctive strings and titles found in %zu files (%.1f MB) of %s\n",
              found, needles.size(), files, haystack.size() / 1e6, store.c_str());
  if (identical != pages.size()) return fail("round trip lost or changed pages");
  if (found != 0) return fail("plaintext found in the store");
  return 0;
}
