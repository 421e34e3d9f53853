// Shared pieces of the zkwiki CLI: arguments, exit codes, configuration, sessions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "zkwiki/client.h"
#include "zkwiki/http_transport.h"

namespace zkwiki::cli {

// Exit codes (docs/CLI.md).
enum Exit : int { kOk = 0, kError = 1, kUsage = 2, kNotFound = 3, kAuth = 4, kConflict = 5, kNetwork = 6, kIntegrity = 7 };
int exit_code(Errc e);

struct UsageError {
  std::string message;
};

struct Args {
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // --name value
  std::map<std::string, bool> flags;           // --name
  bool json = false;
  std::string passphrase_file;

  bool flag(const std::string& n) const { return flags.contains(n); }
  std::string option(const std::string& n, const std::string& def = {}) const {
    auto it = options.find(n);
    return it == options.end() ? def : it->second;
  }
};

// The options a program takes: those followed by a value, and flags.
struct OptionSpec {
  std::vector<std::string> with_value;  // "--server", ...
  std::vector<std::string> flags;       // "--json", ...
};
// Throws UsageError on unknown options, a missing value, or a passphrase or recovery key given
// as an argument. "-h" is "--help" (when the spec has it).
Args parse_args(int argc, char** argv, const OptionSpec& spec);
// zkwiki's own options.
Args parse_args(int argc, char** argv);
void need(const Args& a, std::size_t min, std::size_t max, const char* synopsis);

std::filesystem::path home_dir();
// An agent's secret key file, as zkwiki-keyring agent-keygen writes it and the agents read it by
// default: $ZKWIKI_AGENT_HOME/agent.key, else ~/.zkwiki-agent/agent.key.
std::filesystem::path agent_key_path();
Result<void> ensure_home(const std::filesystem::path& home);

struct Config {
  std::string server;
  AccountId account;
  std::optional<WorkspaceId> workspace;  // a workspace shared with this account, if chosen
};
Result<Config> load_config(const std::filesystem::path& home);
Result<void> save_config(const std::filesystem::path& home, const Config& c);
Result<std::unique_ptr<LocalStore>> open_device_store(const std::filesystem::path& home);

struct Session {
  std::unique_ptr<HttpTransport> transport;
  std::unique_ptr<Client> client;
};
Result<Session> open_session(const Args& a);
// open_session, then sync (unless --offline), warning about quarantined objects on stderr.
Result<Session> open_synced(const Args& a);

std::string format_time(std::int64_t ms);
void print_outcome(const Args& a, const std::string& path, const SaveOutcome& o);

// Every command but init and login (commands.cc).
int run_command(const Args& a);

}  // namespace zkwiki::cli
