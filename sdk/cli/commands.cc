// The zkwiki commands that work on an existing account.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <charconv>

#include "cli.h"
#include "zkwiki/encoding.h"
#include "terminal.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace zkwiki::cli {
namespace {

std::string read_stream(std::istream& in) {
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<std::string> read_file(const fs::path& p) {
  // A directory opens as a stream that reads as empty: it would become an empty revision.
  std::error_code ec;
  if (fs::is_directory(p, ec)) return make_error(Errc::io, "cannot read " + printable(p.string()) + ": it is a directory");
  std::ifstream in(p, std::ios::binary);
  if (!in) return make_error(Errc::io, "cannot read " + printable(p.string()));
  std::string text = read_stream(in);
  if (in.bad()) return make_error(Errc::io, "cannot read " + printable(p.string()));
  return text;
}

// A revision number: 1 and up, or also 0 (`put --base 0`: a new page) when `zero` allows it.
std::uint64_t parse_revision(const std::string& s, bool zero = false) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || (v == 0 && !zero)) throw UsageError{"not a revision number: " + s};
  return v;
}

// A page path is relative, '/'-separated, without '.', '..' or empty segments.
bool safe_relative_path(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string::npos) return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    std::string seg = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return true;
}

// Pages are text: what `import` skips, `put` and `edit` refuse (docs/CLI.md, "Page text").
Result<void> check_text(const std::string& what, const std::string& body) {
  if (auto text = validate_page_text(body); !text) return Error{text.error().code, what + " is " + text.error().message};
  return {};
}

Result<void> cmd_ls(const Args& a, Client& c) {
  need(a, 0, 1, "ls [PREFIX]");
  ZKWIKI_ASSIGN(auto pages, c.list(a.positional.empty() ? "" : a.positional[0]));
  if (a.json) {
    json out = json::array();
    for (const auto& p : pages)
      out.push_back({{"path", p.path}, {"title", p.title}, {"tags", p.tags}, {"revision", p.revision},
                     {"size", p.size}, {"modified", format_time(p.modified_ms)}, {"queued", p.queued}});
    std::cout << out.dump() << "\n";
  } else {
    for (const auto& p : pages)
      std::cout << printable(p.path) << "\t" << printable(p.title) << (p.queued ? "\t(queued)" : "") << "\n";
  }
  return {};
}

Result<void> cmd_cat(const Args& a, Client& c) {
  need(a, 1, 1, "cat PATH [--rev N]");
  std::optional<std::uint64_t> rev;
  if (!a.option("rev").empty()) rev = parse_revision(a.option("rev"));
  ZKWIKI_ASSIGN(PageRead read, c.read_with_revision(a.positional[0], rev));
  const PageContent& page = read.content;
  if (a.json) {
    std::cout << json{{"path", page.meta.path}, {"revision", read.revision},
                      {"page", read.page.hex()}, {"title", page.meta.title},
                      {"tags", page.meta.tags}, {"links", page.meta.links}, {"body", page.body}}
                     .dump()
              << "\n";
  } else {
    std::cout << page.body;
  }
  return {};
}

Result<void> cmd_put(const Args& a, Client& c) {
  need(a, 1, 2, "put PATH [FILE|-] [--base REV [--page ID]]");
  // --base: the revision the text was made from (`cat --json` gives it): merged with what was
  // written since, refused (exit 5, nothing written) where the edits overlap. Without it the
  // text replaces the page's head as this command synced it (docs/CLI.md, "put"). --page: the
  // page it was read from (`cat --json`), refused (exit 5) if another page has taken the path.
  WriteOptions options;
  if (!a.option("base").empty()) options.base_revision = parse_revision(a.option("base"), true);
  if (!a.option("page").empty()) {
    if (!options.base_revision) throw UsageError{"--page goes with --base (the page and revision the text was read from)"};
    auto id = PageId::from_hex(a.option("page"));
    if (!id) throw UsageError{"--page " + printable(a.option("page")) + ": not a page id (32 hex digits, as `cat --json` gives)"};
    // Zeros name a page made offline and not sent yet, which has no revision: never with a base.
    if (id->is_zero() && *options.base_revision != 0)
      throw UsageError{"--page 0...0 (a page not yet on the server) goes with --base 0 only"};
    options.base_page = *id;
  }
  std::string body;
  const bool from_stdin = a.positional.size() == 1 || a.positional[1] == "-";
  if (from_stdin) {
    body = read_stream(std::cin);
  } else {
    ZKWIKI_ASSIGN(body, read_file(a.positional[1]));
  }
  ZKWIKI_TRY(check_text(from_stdin ? "standard input" : printable(a.positional[1]), body));
  ZKWIKI_ASSIGN(SaveOutcome o, c.write(a.positional[0], body, options));
  print_outcome(a, a.positional[0], o);
  return {};
}

// How the editor ended, in words, from std::system's wait status: its exit code, or the signal
// that ended it (directly, or as the shell reports it: 128 + the signal's number).
std::string editor_ending(int status) {
  if (status == -1) return "could not be started";
  auto signal_name = [](int sig) { return "signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")"; };
  if (WIFSIGNALED(status)) return "was ended by " + signal_name(WTERMSIG(status));
  if (!WIFEXITED(status)) return "ended abnormally (wait status " + std::to_string(status) + ")";
  const int code = WEXITSTATUS(status);
  std::string out = "exited with code " + std::to_string(code);
  if (code == 127) out += " (not found: is $EDITOR a command?)";
  else if (code > 128 && code < 128 + NSIG) out += " (as a shell reports " + signal_name(code - 128) + ")";
  return out;
}

Result<void> cmd_edit(const Args& a, Client& c) {
  need(a, 1, 1, "edit PATH");
  const std::string& path = a.positional[0];
  ZKWIKI_TRY(validate_page_path(path));  // before the editor opens, not after the user's work
  std::string before;
  // The edit is based on the revision read (0: a new page): what another device writes while
  // the editor is open is merged in; overlapping edits are kept both, marked, since the user's
  // edited text must not be thrown away.
  WriteOptions options{.base_revision = 0, .on_conflict = OnConflict::mark};
  auto existing = c.read_with_revision(path);
  if (existing) {
    before = existing->content.body;
    options.base_revision = existing->revision;
    options.base_page = existing->page;  // a page that takes the path meanwhile is not this one
  } else if (existing.error().code != Errc::not_found) {
    return std::move(existing).error();
  }
  // The plaintext must be on disk for the editor: a private file, removed (and overwritten)
  // right after.
  fs::path dir = home_dir() / "tmp";
  std::error_code ec;
  fs::create_directories(dir, ec);
  ::chmod(dir.c_str(), 0700);
  std::string tmpl = (dir / "edit-XXXXXX.md").string();
  int fd = ::mkstemps(tmpl.data(), 3);
  if (fd < 0) return make_error(Errc::io, "cannot create a temporary file in " + dir.string());
  if (::write(fd, before.data(), before.size()) != static_cast<ssize_t>(before.size())) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    return make_error(Errc::io, "cannot write " + tmpl);
  }
  ::close(fd);
  const char* editor_env = std::getenv("EDITOR");
  const std::string editor = editor_env && *editor_env ? editor_env : "vi";
  std::string cmd = editor + " '" + tmpl + "'";
  int status = std::system(cmd.c_str());
  auto after = read_file(tmpl);
  { std::ofstream wipe_it(tmpl, std::ios::binary | std::ios::trunc); }
  ::unlink(tmpl.c_str());
  if (status != 0) return make_error(Errc::io, "the editor (" + editor + ") " + editor_ending(status) + "; nothing saved");
  if (!after) return std::move(after).error();
  if (*after == before) {
    std::cout << printable(path) << ": no change\n";
    return {};
  }
  auto checked = check_text("the edited text", *after);
  auto saved = checked ? c.write(path, *after, options) : Result<SaveOutcome>(std::move(checked).error());
  if (!saved) {
    // The edited text exists nowhere else: kept (private, like the editor's file) and named.
    Error e = std::move(saved).error();
    std::string keep = (dir / "unsaved-XXXXXX.md").string();
    int kept = ::mkstemps(keep.data(), 3);
    if (kept >= 0 && ::write(kept, after->data(), after->size()) == static_cast<ssize_t>(after->size())) {
      e.message += "; the edited text is kept in " + keep + " (remove it when done)";
    } else if (kept >= 0) {
      ::unlink(keep.c_str());
    }
    if (kept >= 0) ::close(kept);
    return e;
  }
  print_outcome(a, path, *saved);
  return {};
}

Result<void> cmd_log(const Args& a, Client& c) {
  need(a, 1, 1, "log PATH");
  ZKWIKI_ASSIGN(auto revs, c.log(a.positional[0]));
  if (a.json) {
    json out = json::array();
    for (const auto& r : revs)
      out.push_back({{"revision", r.revision}, {"hash", r.hash.hex()}, {"author", r.author},
                     {"time", format_time(r.time_ms)}, {"size", r.size}, {"path", r.path}, {"deleted", r.deleted}});
    std::cout << out.dump() << "\n";
    return {};
  }
  for (auto it = revs.rbegin(); it != revs.rend(); ++it)
    std::cout << "r" << it->revision << "  " << format_time(it->time_ms) << "  " << it->author << "  " << it->size
              << " bytes" << (it->deleted ? "  (deleted)" : "") << "  " << printable(it->path) << "\n";
  return {};
}

Result<void> cmd_diff(const Args& a, Client& c) {
  need(a, 1, 3, "diff PATH [A [B]]");
  std::optional<std::uint64_t> from, to;
  if (a.positional.size() >= 2) from = parse_revision(a.positional[1]);
  if (a.positional.size() == 3) to = parse_revision(a.positional[2]);
  auto d = c.diff(a.positional[0], from, to);
  if (!d && d.error().code == Errc::too_large) {
    std::cout << "files differ (too large to diff: " << d.error().message << ")\n";
    return {};
  }
  if (!d) return std::move(d).error();
  if (a.json) std::cout << json{{"path", a.positional[0]}, {"diff", *d}}.dump() << "\n";
  else std::cout << *d;
  return {};
}

Result<void> cmd_backlinks(const Args& a, Client& c) {
  need(a, 1, 1, "backlinks PATH");
  ZKWIKI_ASSIGN(auto paths, c.backlinks(a.positional[0]));
  if (a.json) std::cout << json(paths).dump() << "\n";
  else
    for (const auto& p : paths) std::cout << printable(p) << "\n";
  return {};
}

Result<void> cmd_sync_or_status(const Args& a, Client& c, bool sync) {
  need(a, 0, 0, sync ? "sync" : "status");
  ZKWIKI_ASSIGN(SyncReport r, sync ? c.sync() : c.status());
  if (a.json) {
    std::cout << json{{"changes", r.changes},     {"pages_updated", r.pages_updated}, {"replayed", r.replayed},
                      {"pending", r.pending},     {"quarantined", r.quarantined},     {"last_seq", r.last_seq},
                      {"offline", c.offline()}}
                     .dump()
              << "\n";
    return {};
  }
  if (!sync && c.offline()) std::cout << "server: unreachable (working offline)\n";
  if (sync)
    std::cout << r.changes << " changes, " << r.pages_updated << " pages updated, " << r.replayed
              << " queued edits sent\n";
  std::cout << "pending edits: " << r.pending << "\nquarantined: " << r.quarantined.size() << "\n";
  for (const auto& q : r.quarantined) std::cout << "  " << printable(q) << "\n";
  std::cout << "last change seen: " << r.last_seq << "\n";
  return {};
}

Result<void> cmd_passwd(const Args& a, Client& c) {
  need(a, 0, 0, "passwd");
  ZKWIKI_ASSIGN(std::string next, read_passphrase(a.option("new-passphrase-file"), "ZKWIKI_NEW_PASSPHRASE",
                                                   "New passphrase: ", true));
  if (next.size() < 8) return make_error(Errc::invalid_argument, "choose a passphrase of at least 8 characters");
  ZKWIKI_TRY(c.change_passphrase(next));
  std::cout << "passphrase changed (keys re-wrapped; nothing re-encrypted)\n";
  return {};
}

Result<void> cmd_import(const Args& a, Client& c) {
  need(a, 1, 1, "import DIR [--into PATH]");
  fs::path root = a.positional[0];
  if (!fs::is_directory(root)) return make_error(Errc::not_found, "not a directory: " + root.string());
  std::string into = a.option("into");
  while (!into.empty() && into.back() == '/') into.pop_back();
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied);
       it != fs::recursive_directory_iterator(); ++it)
    if (it->is_regular_file() && !it->is_symlink()) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  Progress progress("import", files.size());
  std::uint64_t done = 0, bytes = 0, skipped = 0, queued = 0;
  // Batches bound memory (at most ~64 MB of text in flight); each batch is sealed here and
  // uploaded over several connections.
  std::vector<ImportItem> batch;
  std::size_t batch_bytes = 0;
  auto flush = [&]() -> Result<void> {
    if (batch.empty()) return {};
    ZKWIKI_ASSIGN(ImportReport r, c.import(batch, [&](std::uint64_t pages, std::uint64_t b) {
      progress.update(done + pages, bytes + b);
    }));
    done += r.written + r.unchanged + r.queued;
    bytes += r.bytes;
    queued += r.queued;
    batch.clear();
    batch_bytes = 0;
    return {};
  };
  for (const auto& f : files) {
    std::string rel = fs::relative(f, root).generic_string();
    std::string path = into.empty() ? rel : into + "/" + rel;
    ZKWIKI_ASSIGN(std::string body, read_file(f));
    if (!valid_text(body)) {
      std::fprintf(stderr, "\nzkwiki: skipped %s (not UTF-8 text)\n", printable(rel).c_str());
      ++skipped;
      continue;
    }
    if (auto valid = validate_page_path(path); !valid) {
      std::fprintf(stderr, "\nzkwiki: skipped %s (%s)\n", printable(rel).c_str(), valid.error().message.c_str());
      ++skipped;
      continue;
    }
    batch_bytes += body.size();
    batch.push_back({std::move(path), std::move(body)});
    if (batch.size() >= 2000 || batch_bytes >= (64u << 20)) ZKWIKI_TRY(flush());
  }
  ZKWIKI_TRY(flush());
  progress.finish(done, bytes);
  if (skipped) std::fprintf(stderr, "zkwiki: %llu files skipped\n", static_cast<unsigned long long>(skipped));
  if (queued) std::fprintf(stderr, "zkwiki: %llu edits queued (server unreachable): run `zkwiki sync`\n",
                           static_cast<unsigned long long>(queued));
  return {};
}

Result<void> cmd_export(const Args& a, Client& c) {
  need(a, 1, 1, "export DIR [--force]");
  if (a.positional[0].empty()) throw UsageError{"usage: zkwiki export DIR [--force] (DIR is empty)"};
  fs::path root = a.positional[0];
  ZKWIKI_ASSIGN(auto pages, c.list());
  std::vector<const PageSummary*> targets;
  for (const auto& p : pages) {
    if (!safe_relative_path(p.path)) {
      std::fprintf(stderr, "zkwiki: not exporting a page with an unsafe path (%zu bytes)\n", p.path.size());
      continue;
    }
    targets.push_back(&p);
  }
  // Every target is checked before anything is written: a refused export leaves DIR as it was.
  if (!a.flag("force"))
    for (const PageSummary* p : targets)
      if (fs::path out = root / p->path; fs::exists(out))
        return make_error(Errc::conflict, printable(out.string()) + " exists; use --force to overwrite");
  std::uint64_t written = 0;
  for (const PageSummary* p : targets) {
    fs::path out = root / p->path;
    ZKWIKI_ASSIGN(PageContent page, c.read(p->path));
    std::error_code ec;
    fs::create_directories(out.parent_path(), ec);
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    f.write(page.body.data(), static_cast<std::streamsize>(page.body.size()));
    if (!f) return make_error(Errc::io, "cannot write " + printable(out.string()));
    ++written;
  }
  std::fprintf(stderr, "exported %llu pages to %s\n", static_cast<unsigned long long>(written), printable(root.string()).c_str());
  return {};
}

Result<void> cmd_whoami(const Args& a, Client& c) {
  need(a, 0, 0, "whoami");
  if (a.json)
    std::cout << json{{"account", c.account_id().hex()}, {"fingerprint", c.fingerprint()},
                      {"workspace", c.workspace_id().hex()}}
                     .dump()
              << "\n";
  else
    std::cout << "account      " << c.account_id().hex() << "\nfingerprint  " << c.fingerprint() << "\nworkspace    "
              << c.workspace_id().hex() << "\n";
  return {};
}

Result<void> cmd_share_or_trust(const Args& a, Client& c, bool share) {
  need(a, 2, 2, share ? "share ACCOUNT FINGERPRINT [--read-only]" : "trust ACCOUNT FINGERPRINT");
  auto id = AccountId::from_hex(a.positional[0]);
  if (!id) throw UsageError{"not an account id: " + a.positional[0]};
  if (share) {
    ZKWIKI_TRY(c.share(*id, a.positional[1], a.flag("read-only") ? "read" : "write"));
    std::cout << "shared workspace " << c.workspace_id().hex() << " with " << id->hex()
              << (a.flag("read-only") ? " (read only)" : "") << "; they log in with: zkwiki login --server URL --account "
              << id->hex() << " --workspace " << c.workspace_id().hex() << "\n";
  } else {
    ZKWIKI_TRY(c.trust(*id, a.positional[1]));
    std::cout << "trusting " << id->hex() << " on this device\n";
  }
  return {};
}

Result<void> cmd_unshare(const Args& a, Client& c) {
  need(a, 1, 1, "unshare ACCOUNT [--rotate]");
  auto id = AccountId::from_hex(a.positional[0]);
  if (!id) throw UsageError{"not an account id: " + a.positional[0]};
  ZKWIKI_TRY(c.remove_member(*id, a.flag("rotate")));
  std::cout << "removed " << id->hex() << " from workspace " << c.workspace_id().hex()
            << (a.flag("rotate") ? "; new key generations for what is written from now on\n"
                                 : "; the keys they held still open new pages: run with --rotate to change them\n");
  return {};
}

json coverage_json(const IndexCoverage& c) {
  return json{{"indexed", c.indexed},   {"known", c.known},
              {"segments", c.segments}, {"bytes", c.bytes},
              {"index_feed_seq", c.index_feed_seq}, {"device_seq", c.device_seq},
              {"uploaded", c.uploaded}, {"rebuilt", c.rebuilt},
              {"quarantined", c.quarantined}, {"untrusted_writer", c.untrusted_writer},
              {"notices", c.notices}};
}

// Coverage and notices on stderr: an incomplete or rebuilt index is never silent.
void print_coverage(const IndexCoverage& c) {
  for (const auto& n : c.notices) std::fprintf(stderr, "zkwiki: search index: %s\n", printable(n).c_str());
  std::fprintf(stderr, "index: %llu of %llu pages indexed, %llu segments, %llu bytes%s\n",
               static_cast<unsigned long long>(c.indexed), static_cast<unsigned long long>(c.known),
               static_cast<unsigned long long>(c.segments), static_cast<unsigned long long>(c.bytes),
               c.uploaded ? "" : " (not uploaded yet)");
  if (c.quarantined > 0 || c.untrusted_writer) {
    if (c.quarantined > 0)
      std::fprintf(stderr, "zkwiki: search index: %llu page%s skipped: quarantined on this device (`zkwiki status` says why)\n",
                   static_cast<unsigned long long>(c.quarantined), c.quarantined == 1 ? "" : "s");
    std::fprintf(stderr, "zkwiki: pages and indexes written by a member this device does not trust are held back: "
                         "check their fingerprint with them, then `zkwiki trust ACCOUNT FINGERPRINT`\n");
  }
}

Result<void> cmd_search(const Args& a, Client& c) {
  if (a.positional.empty()) throw UsageError{"usage: zkwiki search QUERY [--limit N] [--prefix] [--typos] [--json]"};
  std::string query;
  for (const auto& p : a.positional) query += (query.empty() ? "" : " ") + p;
  SearchOptions options;
  if (!a.option("limit").empty()) {
    std::size_t n = 0;
    const std::string& l = a.option("limit");
    auto [end, ec] = std::from_chars(l.data(), l.data() + l.size(), n);
    if (ec != std::errc() || end != l.data() + l.size() || n == 0 || n > 1000)
      throw UsageError{"--limit takes a number from 1 to 1000"};
    options.limit = n;
  }
  options.prefix_last = a.flag("prefix");
  options.typos = a.flag("typos");
  ZKWIKI_ASSIGN(SearchReport r, c.search(query, options));
  if (a.json) {
    json results = json::array();
    for (const auto& h : r.results) {
      json hl = json::array();
      for (auto [b, e] : h.highlights) hl.push_back({b, e});
      results.push_back({{"path", h.path}, {"title", h.title}, {"revision", h.revision}, {"score", h.score},
                         {"snippet", h.snippet}, {"highlights", hl}, {"phrase_unverified", h.phrase_unverified}});
    }
    std::cout << json{{"query", query}, {"results", results}, {"coverage", coverage_json(r.coverage)}}.dump() << "\n";
    return {};
  }
  bool tty = isatty(STDOUT_FILENO) != 0;
  for (const auto& h : r.results) {
    std::cout << printable(h.path) << "\t" << printable(h.title) << "\n";
    if (!h.snippet.empty()) {
      // Matches in bold on a terminal, between [ ] otherwise.
      std::string s;
      std::size_t at = 0;
      for (auto [b, e] : h.highlights) {
        if (b < at) continue;
        s += printable(h.snippet.substr(at, b - at)) + (tty ? "\033[1m" : "[") + printable(h.snippet.substr(b, e - b)) +
             (tty ? "\033[0m" : "]");
        at = e;
      }
      s += printable(h.snippet.substr(at));
      std::cout << "    " << s << "\n";
    }
    if (h.phrase_unverified) std::cout << "    (phrase matched by its words; this device lacks the text to check it)\n";
  }
  if (r.results.empty()) std::fprintf(stderr, "no pages match\n");
  print_coverage(r.coverage);
  return {};
}

Result<void> cmd_reindex(const Args& a, Client& c) {
  need(a, 0, 0, "reindex");
  ZKWIKI_ASSIGN(IndexCoverage cov, c.reindex());
  if (a.json) std::cout << coverage_json(cov).dump() << "\n";
  else std::cout << "reindexed " << cov.indexed << " of " << cov.known << " pages\n";
  print_coverage(cov);
  return {};
}

}  // namespace

int run_command(const Args& a) {
  static const std::map<std::string, Result<void> (*)(const Args&, Client&)> kCommands = {
      {"ls", cmd_ls},       {"cat", cmd_cat},     {"put", cmd_put},
      {"edit", cmd_edit},   {"log", cmd_log},     {"diff", cmd_diff},
      {"backlinks", cmd_backlinks}, {"passwd", cmd_passwd}, {"import", cmd_import},
      {"export", cmd_export},       {"whoami", cmd_whoami},
      {"search", cmd_search},       {"reindex", cmd_reindex},
      {"share", [](const Args& x, Client& c) { return cmd_share_or_trust(x, c, true); }},
      {"trust", [](const Args& x, Client& c) { return cmd_share_or_trust(x, c, false); }},
      {"unshare", cmd_unshare},
      {"sync", [](const Args& x, Client& c) { return cmd_sync_or_status(x, c, true); }},
      {"status", [](const Args& x, Client& c) { return cmd_sync_or_status(x, c, false); }},
      {"restore",
       [](const Args& x, Client& c) -> Result<void> {
         need(x, 2, 2, "restore PATH REV");
         ZKWIKI_ASSIGN(SaveOutcome o, c.restore(x.positional[0], parse_revision(x.positional[1])));
         print_outcome(x, x.positional[0], o);
         return {};
       }},
      {"mv",
       [](const Args& x, Client& c) -> Result<void> {
         need(x, 2, 2, "mv FROM TO");
         ZKWIKI_ASSIGN(SaveOutcome o, c.move(x.positional[0], x.positional[1]));
         print_outcome(x, x.positional[1], o);
         return {};
       }},
      {"rm",
       [](const Args& x, Client& c) -> Result<void> {
         need(x, 1, 1, "rm PATH");
         ZKWIKI_ASSIGN(SaveOutcome o, c.remove(x.positional[0]));
         print_outcome(x, x.positional[0], o);
         return {};
       }},
  };
  auto it = kCommands.find(a.command);
  if (it == kCommands.end()) throw UsageError{"unknown command '" + a.command + "' (see `zkwiki help`)"};
  // Reads sync first, to show other devices' writes; so do writes, so that an edit is based on
  // the page's current head and a page another device created (or an import killed after the
  // server took it) is updated rather than created a second time under a new id.
  static const std::set<std::string> kNoSyncFirst = {"sync", "status", "passwd", "whoami", "share", "trust"};
  auto session = kNoSyncFirst.contains(a.command) ? open_session(a) : open_synced(a);
  Result<void> r = session ? it->second(a, *session->client) : Result<void>(std::move(session).error());
  // Opened without the server: one line says so, with what waits in the queue (sync's own
  // error says it already).
  const bool offline = session && session->client->offline();
  if (offline && !(a.command == "sync" && !r)) {
    auto st = session->client->status();
    std::uint64_t pending = st ? st->pending : 0;
    std::fprintf(stderr, "zkwiki: offline: %s is unreachable; using this device's copy, %llu edit%s queued%s\n",
                 session->transport->base_url().c_str(), static_cast<unsigned long long>(pending),
                 pending == 1 ? "" : "s", pending ? " (sent by the next command that reaches the server)" : "");
  }
  if (!r) {
    std::fprintf(stderr, "zkwiki: %s\n", printable(r.error().message).c_str());
    return exit_code(r.error().code);
  }
  // Writes keep the search index current (indexed here, sealed, uploaded); a failure there
  // never fails the write itself.
  static const std::set<std::string> kIndexAfter = {"put", "edit", "import", "restore", "mv", "rm", "sync"};
  if (kIndexAfter.contains(a.command) && !a.flag("offline") && !offline) {
    auto cov = session->client->maintain_index();
    if (!cov) std::fprintf(stderr, "zkwiki: search index not updated: %s\n", printable(cov.error().message).c_str());
    else for (const auto& n : cov->notices) std::fprintf(stderr, "zkwiki: search index: %s\n", printable(n).c_str());
  }
  return kOk;
}

}  // namespace zkwiki::cli
