#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "terminal.h"
#include "zkwiki/encoding.h"
#include "zkwiki/sqlite_store.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace zkwiki::cli {

int exit_code(Errc e) {
  switch (e) {
    case Errc::not_found: return kNotFound;
    case Errc::wrong_passphrase:
    case Errc::weak_parameters:
    case Errc::expired:
    case Errc::forbidden: return kAuth;
    case Errc::conflict: return kConflict;
    case Errc::io: return kNetwork;
    case Errc::auth_failed:
    case Errc::malformed:
    case Errc::truncated:
    case Errc::trailing_data:
    case Errc::unsupported_version:
    case Errc::unknown_key: return kIntegrity;
    case Errc::invalid_argument:
    case Errc::wrong_type: return kUsage;
    default: return kError;
  }
}

Args parse_args(int argc, char** argv, const OptionSpec& spec) {
  auto in = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--passphrase" || s.rfind("--passphrase=", 0) == 0)
      throw UsageError{"the passphrase is never an argument: use --passphrase-file FILE or ZKWIKI_PASSPHRASE"};
    if (s == "--recovery-key" || s.rfind("--recovery-key=", 0) == 0)
      throw UsageError{"the recovery key is never an argument: use --recovery-key-file FILE or ZKWIKI_RECOVERY_KEY"};
    if (s == "-h") s = "--help";
    if (s.size() > 2 && s.rfind("--", 0) == 0) {
      if (in(spec.with_value, s)) {
        if (i + 1 >= argc) throw UsageError{s + " needs a value"};
        // An empty value is an error, not "option absent": `--base "$(jq ...)"` whose
        // substitution came out empty must not silently become a write with no base.
        if (*argv[i + 1] == '\0') throw UsageError{s + " needs a value (it was given an empty one)"};
        a.options[s.substr(2)] = argv[++i];
      } else if (in(spec.flags, s)) {
        a.flags[s.substr(2)] = true;
      } else {
        throw UsageError{"unknown option " + s};
      }
    } else if (a.command.empty()) {
      a.command = s;
    } else {
      a.positional.push_back(s);
    }
  }
  a.json = a.flag("json");
  a.passphrase_file = a.option("passphrase-file");
  return a;
}

Args parse_args(int argc, char** argv) {
  static const OptionSpec kZkwiki = {
      {"--server", "--account", "--into", "--rev", "--passphrase-file", "--new-passphrase-file", "--workspace",
       "--recovery-key-file", "--limit", "--base", "--page"},
      {"--json", "--force", "--offline", "--read-only", "--rotate", "--help", "--prefix", "--typos"}};
  return parse_args(argc, argv, kZkwiki);
}

void need(const Args& a, std::size_t min, std::size_t max, const char* synopsis) {
  if (a.positional.size() < min || a.positional.size() > max) throw UsageError{std::string("usage: zkwiki ") + synopsis};
}

fs::path home_dir() {
  if (const char* h = std::getenv("ZKWIKI_HOME"); h != nullptr && *h != '\0') return h;
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : ".") / ".zkwiki";
}

fs::path agent_key_path() {
  if (const char* h = std::getenv("ZKWIKI_AGENT_HOME"); h != nullptr && *h != '\0') return fs::path(h) / "agent.key";
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : ".") / ".zkwiki-agent" / "agent.key";
}

Result<void> ensure_home(const fs::path& home) {
  std::error_code ec;
  fs::create_directories(home, ec);
  if (ec) return make_error(Errc::io, "cannot create " + home.string() + ": " + ec.message());
  if (::chmod(home.c_str(), 0700) != 0) return make_error(Errc::io, "cannot set mode 0700 on " + home.string());
  return {};
}

Result<Config> load_config(const fs::path& home) {
  std::ifstream in(home / "config.json");
  if (!in) return make_error(Errc::not_found, "no account on this device: run `zkwiki init --server URL` or `zkwiki login`");
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("server") || !j["server"].is_string() || !j.contains("account") ||
      !j["account"].is_string())
    return make_error(Errc::malformed, (home / "config.json").string() + " is damaged");
  auto id = AccountId::from_hex(j["account"].get<std::string>());
  if (!id) return make_error(Errc::malformed, (home / "config.json").string() + ": bad account id");
  Config c{j["server"].get<std::string>(), *id, std::nullopt};
  if (j.contains("workspace") && j["workspace"].is_string()) {
    auto ws = WorkspaceId::from_hex(j["workspace"].get<std::string>());
    if (!ws) return make_error(Errc::malformed, (home / "config.json").string() + ": bad workspace id");
    c.workspace = *ws;
  }
  return c;
}

Result<void> save_config(const fs::path& home, const Config& c) {
  fs::path tmp = home / "config.json.tmp";
  {
    std::ofstream out(tmp);
    json j{{"server", c.server}, {"account", c.account.hex()}};
    if (c.workspace) j["workspace"] = c.workspace->hex();
    out << j.dump(2) << "\n";
    if (!out) return make_error(Errc::io, "cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, home / "config.json", ec);
  if (ec) return make_error(Errc::io, "cannot write the config: " + ec.message());
  return {};
}

Result<std::unique_ptr<LocalStore>> open_device_store(const fs::path& home) {
  ZKWIKI_ASSIGN(auto store, SqliteLocalStore::open((home / "store.sqlite").string()));
  return std::unique_ptr<LocalStore>(std::move(store));
}

Result<Session> open_session(const Args& a) {
  fs::path home = home_dir();
  ZKWIKI_ASSIGN(Config cfg, load_config(home));
  Session s;
  ZKWIKI_ASSIGN(s.transport, HttpTransport::connect_to(cfg.server));
  ZKWIKI_ASSIGN(std::string pass, read_passphrase(a.passphrase_file, "ZKWIKI_PASSPHRASE", "Passphrase: "));
  ZKWIKI_ASSIGN(auto device, open_device_store(home));
  ClientOptions options;
  options.workspace = cfg.workspace;
  options.connect = [server = cfg.server] { return connect_http(server); };
  options.connect_url = connect_http;
  ZKWIKI_ASSIGN(s.client, Client::login(*s.transport, std::move(device), cfg.account, pass, std::move(options)));
  return s;
}

Result<Session> open_synced(const Args& a) {
  ZKWIKI_ASSIGN(Session s, open_session(a));
  if (!a.flag("offline") && !s.client->offline()) {
    auto r = s.client->sync();
    if (!r) return std::move(r).error();
    for (const auto& q : r->quarantined) std::fprintf(stderr, "zkwiki: warning: quarantined %s\n", printable(q).c_str());
  }
  return s;
}

std::string format_time(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

void print_outcome(const Args& a, const std::string& raw_path, const SaveOutcome& o) {
  if (a.json) {
    std::cout << json{{"path", raw_path},       {"revision", o.revision}, {"unchanged", o.unchanged},
                      {"merged", o.merged}, {"conflict", o.conflict}, {"queued", o.queued}}
                     .dump()
              << "\n";
    return;
  }
  const std::string path = printable(raw_path);
  if (o.queued) std::cout << path << ": queued on this device (the server has not got it yet; `zkwiki sync` sends it)\n";
  else if (o.unchanged) std::cout << path << ": unchanged (revision " << o.revision << ")\n";
  else if (o.conflict) std::cout << path << ": revision " << o.revision << " — CONFLICT with another device's edit; both versions kept between <<<<<<< and >>>>>>> markers\n";
  else if (o.merged) std::cout << path << ": revision " << o.revision << " (merged with another device's edit)\n";
  else std::cout << path << ": revision " << o.revision << "\n";
}

}  // namespace zkwiki::cli
