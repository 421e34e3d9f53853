// zkwiki-keyring: agent key pairs, scoped and expiring grants, revocation with rotation.
// See docs/AGENTS.md (what a grant gives and what revocation can take back) and docs/CLI.md.
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "zkwiki/agent.h"
#include "zkwiki/client.h"
#include "zkwiki/encoding.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace zkwiki::keyring {
namespace {

using cli::UsageError;

constexpr const char* kUsage = R"(usage: zkwiki-keyring [--passphrase-file FILE] [--json] COMMAND [ARGS]

  agent-keygen [--out FILE] [--force]
        make an agent key pair (run where the agent lives); the secret half goes to FILE
        (default $ZKWIKI_AGENT_HOME/agent.key, ~/.zkwiki-agent/agent.key), mode 0600;
        prints the public key (zkwagent_...) to give to the person granting
  grant --collections A,B [--to AGENT_PUBKEY] [--read-only] [--paths PREFIX] [--ttl 8h]
        [--label NAME] [--out FILE]
        grant an agent these collections until the ttl ends (s, m, h, d); prints the grant
        (zkwgrant_...) or writes it to FILE (0600). Without --to, a bearer grant: whoever
        holds the string is the agent (weaker; see docs/AGENTS.md)
  list                      grants of this workspace: id, label, scope, expiry, last use
  revoke ID [--rotate]      end a grant now; --rotate also moves its collections to new keys
  collections               collections this account holds keys for
  collection-add NAME       create a collection

The user's commands read the zkwiki CLI's account ($ZKWIKI_HOME) and passphrase
(--passphrase-file, $ZKWIKI_PASSPHRASE, or a prompt). Exit codes as zkwiki's (docs/CLI.md).
)";

using cli::Args;

Args parse(int argc, char** argv) {
  static const cli::OptionSpec kKeyring = {
      {"--out", "--to", "--collections", "--paths", "--ttl", "--label", "--passphrase-file"},
      {"--read-only", "--rotate", "--force", "--json", "--help"}};
  return cli::parse_args(argc, argv, kKeyring);
}

// "8h", "30m", "45s", "2d" or plain seconds, up to a year (kMaxGrantSeconds).
std::int64_t parse_ttl(const std::string& s) {
  const std::string accepted = "a number of seconds, minutes, hours or days such as 45s, 30m, 8h, 2d, at most " +
                               std::to_string(kMaxGrantSeconds / 86400) + "d";
  std::int64_t unit = 1;
  std::string digits = s;
  switch (s.empty() ? '\0' : s.back()) {
    case 's': unit = 1; digits.pop_back(); break;
    case 'm': unit = 60; digits.pop_back(); break;
    case 'h': unit = 3600; digits.pop_back(); break;
    case 'd': unit = 86400; digits.pop_back(); break;
    default: break;
  }
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError{"--ttl " + s + " is not a duration: use " + accepted};
  std::int64_t v = std::stoll(digits) * unit;
  if (v <= 0) throw UsageError{"--ttl " + s + " is no time at all: use " + accepted};
  if (v > kMaxGrantSeconds)
    throw UsageError{"--ttl " + s + " is longer than a grant may last: at most " +
                     std::to_string(kMaxGrantSeconds / 86400) + "d (a year)"};
  return v;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// Writes `text` to a new file of mode 0600; never overwrites unless `force`.
Result<void> write_secret_file(const fs::path& path, const std::string& text, bool force) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  int flags = O_WRONLY | O_CREAT | (force ? O_TRUNC : O_EXCL);
  int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0)
    return make_error(errno == EEXIST ? Errc::conflict : Errc::io,
                      path.string() + (errno == EEXIST ? " exists (use --force to replace it)" : ": cannot create"));
  ::fchmod(fd, 0600);
  std::string line = text + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return make_error(Errc::io, "cannot write " + path.string());
  return {};
}

std::string when(std::int64_t t) { return cli::format_time(t * 1000); }

// The session takes the passphrase options only (not the keyring's --json, for instance).
cli::Args session_args(const Args& a) {
  cli::Args c;
  c.passphrase_file = a.passphrase_file;
  return c;
}

int fail(const Error& e) {
  std::cerr << "zkwiki-keyring: " << printable(e.message) << "\n";
  return cli::exit_code(e.code);
}

int agent_keygen(const Args& a) {
  if (!a.positional.empty()) throw UsageError{"usage: zkwiki-keyring agent-keygen [--out FILE] [--force]"};
  fs::path out = a.option("out", cli::agent_key_path().string());
  AccountKeys keys = generate_agent_keys();
  if (auto w = write_secret_file(out, agent_secret_string(keys), a.flag("force")); !w) return fail(w.error());
  if (a.flag("json")) {
    std::cout << json{{"public_key", keys.public_keys.to_string(true)}, {"fingerprint", keys.public_keys.fingerprint()},
                      {"key_file", out.string()}}
                     .dump()
              << "\n";
  } else {
    std::cerr << "secret key written to " << out.string() << " (mode 0600); fingerprint "
              << keys.public_keys.fingerprint() << "\n";
    std::cout << keys.public_keys.to_string(true) << "\n";
  }
  return cli::kOk;
}

int grant(const Args& a) {
  if (!a.positional.empty() || a.option("collections").empty())
    throw UsageError{"usage: zkwiki-keyring grant --collections A,B [--to AGENT_PUBKEY] [--read-only] [--paths PREFIX] "
                     "[--ttl 8h] [--label NAME] [--out FILE]"};
  GrantOptions o;
  // Every argument is checked before the passphrase is asked for: a mistake is a usage error.
  if (!a.option("to").empty()) {
    auto pk = PublicKeys::parse(a.option("to"), true);
    if (!pk)
      throw UsageError{"--to: " + pk.error().message + ": give the agent's public key as `zkwiki-keyring agent-keygen` "
                       "printed it (zkwagent_...)"};
    o.agent = *pk;
  }
  o.collections = split_commas(a.option("collections"));
  o.read_only = a.flag("read-only");
  o.path_prefix = a.option("paths");
  if (auto prefix = validate_path_prefix(o.path_prefix); !prefix) throw UsageError{"--paths: " + prefix.error().message};
  o.ttl_seconds = parse_ttl(a.option("ttl", "8h"));
  o.label = a.option("label");
  auto cfg = cli::load_config(cli::home_dir());
  if (!cfg) return fail(cfg.error());
  o.server_url = cfg->server;
  auto s = cli::open_session(session_args(a));
  if (!s) return fail(s.error());
  auto g = s->client->grant(o);
  if (!g) return fail(g.error());
  if (g->bearer)
    std::cerr << "zkwiki-keyring: warning: a bearer grant (no --to): whoever holds this string acts as the agent "
                 "until it expires or is revoked. Keep it as secret as a password.\n";
  std::string out = a.option("out");
  if (!out.empty()) {
    if (auto w = write_secret_file(out, g->grant, a.flag("force")); !w) return fail(w.error());
  }
  if (a.flag("json")) {
    json j{{"id", g->id.hex()}, {"not_after", g->not_after}, {"bearer", g->bearer}};
    if (out.empty()) j["grant"] = g->grant;
    else j["file"] = out;
    std::cout << j.dump() << "\n";
  } else {
    std::cerr << "grant " << g->id.hex() << " valid until " << when(g->not_after) << "\n";
    if (out.empty()) std::cout << g->grant << "\n";
    else std::cerr << "written to " << out << " (mode 0600)\n";
  }
  return cli::kOk;
}

int list(const Args& a) {
  if (!a.positional.empty()) throw UsageError{"usage: zkwiki-keyring list"};
  auto s = cli::open_session(session_args(a));
  if (!s) return fail(s.error());
  auto grants = s->client->grants();
  if (!grants) return fail(grants.error());
  json arr = json::array();
  for (const auto& g : *grants) {
    std::string scope;
    for (const auto& c : g.collections) scope += (scope.empty() ? "" : ",") + c;
    if (a.flag("json")) {
      arr.push_back(json{{"id", g.id.hex()}, {"label", g.label}, {"collections", g.collections},
                         {"read_only", g.read_only}, {"paths", g.path_prefix}, {"not_before", g.not_before},
                         {"not_after", g.not_after}, {"revoked", g.revoked},
                         {"last_used", g.last_used ? json(*g.last_used) : json()},
                         {"agent_fingerprint", g.agent_fingerprint}, {"mine", g.mine}});
      continue;
    }
    std::cout << g.id.hex() << "  " << (g.label.empty() ? "-" : printable(g.label)) << "  " << printable(scope) << " "
              << (g.read_only ? "read" : "read-write") << (g.path_prefix.empty() ? "" : " " + printable(g.path_prefix) + "*")
              << "  until " << when(g.not_after) << "  "
              << (g.revoked ? "REVOKED" : "last used " + (g.last_used ? when(*g.last_used) : std::string("never")))
              << "\n";
  }
  if (a.flag("json")) std::cout << arr.dump() << "\n";
  return cli::kOk;
}

int revoke(const Args& a) {
  if (a.positional.size() != 1) throw UsageError{"usage: zkwiki-keyring revoke ID [--rotate]"};
  auto id = GrantId::from_hex(a.positional[0]);
  if (!id) throw UsageError{"not a grant id: " + a.positional[0]};
  auto s = cli::open_session(session_args(a));
  if (!s) return fail(s.error());
  if (auto r = s->client->revoke(*id, a.flag("rotate")); !r) return fail(r.error());
  std::cerr << "grant " << id->hex() << " revoked" << (a.flag("rotate") ? "; its collections moved to new keys" : "")
            << "\n";
  return cli::kOk;
}

int collections(const Args& a) {
  auto s = cli::open_session(session_args(a));
  if (!s) return fail(s.error());
  if (a.command == "collection-add") {
    if (a.positional.size() != 1) throw UsageError{"usage: zkwiki-keyring collection-add NAME"};
    auto c = s->client->create_collection(a.positional[0]);
    if (!c) return fail(c.error());
    std::cout << c->hex() << "  " << a.positional[0] << "\n";
    return cli::kOk;
  }
  auto all = s->client->collections();
  if (!all) return fail(all.error());
  for (const auto& c : *all) std::cout << c.id.hex() << "  " << printable(c.name) << "\n";
  return cli::kOk;
}

}  // namespace
}  // namespace zkwiki::keyring

int main(int argc, char** argv) {
  using namespace zkwiki::keyring;
  try {
    Args a = parse(argc, argv);
    if (a.command.empty() || a.command == "help" || a.flag("help")) {
      bool asked = !a.command.empty() || a.flag("help");
      std::fputs(kUsage, asked ? stdout : stderr);
      return asked ? zkwiki::cli::kOk : zkwiki::cli::kUsage;
    }
    if (a.command == "agent-keygen") return agent_keygen(a);
    if (a.command == "grant") return grant(a);
    if (a.command == "list") return list(a);
    if (a.command == "revoke") return revoke(a);
    if (a.command == "collections" || a.command == "collection-add") return collections(a);
    throw zkwiki::cli::UsageError{"unknown command " + a.command + " (see `zkwiki-keyring help`)"};
  } catch (const zkwiki::cli::UsageError& e) {
    // One line that names what is wrong (a synopsis where the shape is wrong), as zkwiki does.
    std::fprintf(stderr, "zkwiki-keyring: %s\n", zkwiki::printable(e.message).c_str());
    return zkwiki::cli::kUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zkwiki-keyring: internal error: %s\n", e.what());
    return zkwiki::cli::kError;
  }
}
