// zkwiki: the command-line client. Every page is sealed, signed, diffed and merged here; the
// server sees ciphertext. See docs/CLI.md for each command.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli.h"
#include "terminal.h"
#include "zkwiki/client.h"
#include "zkwiki/encoding.h"
#include "zkwiki/http_transport.h"
#include "zkwiki/sqlite_store.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace zkwiki::cli {
namespace {

constexpr const char* kUsageText = R"(usage: zkwiki [--passphrase-file FILE] [--json] COMMAND [ARGS]

  init --server URL          create an account and its workspace (prints the recovery key once)
  login --server URL --account ID [--workspace WS]
                             use an existing account on this device (a shared workspace with --workspace)
  whoami                     this account's id, fingerprint and workspace
  share ACCOUNT FINGERPRINT [--read-only]   share this workspace (the fingerprint comes from them)
  trust ACCOUNT FINGERPRINT  accept revisions and keys from another account (after the same check)
  unshare ACCOUNT [--rotate] remove a member (--rotate: new keys for what is written from now on)
  passwd                     change the passphrase (re-wraps keys only)
  recover --server URL --account ID [--workspace WS]
                             set a new passphrase with the recovery key (ends the account's sessions;
                             the new one from --new-passphrase-file, $ZKWIKI_NEW_PASSPHRASE, as passwd)
  import DIR [--into PATH]   import a tree of Markdown/text files as pages
  export DIR [--force]       write every page to DIR (byte-identical round trip of an import)
  ls [PREFIX]                list pages
  cat PATH [--rev N]         print a page (or one of its revisions; --json gives its revision and page)
  put PATH [FILE|-] [--base REV [--page ID]]
                             write a page from a file or standard input; --base: the revision the
                             text was made from (merged with later edits; overlapping ones: exit 5);
                             --page: the page it was read from (another page at PATH: exit 5)
  edit PATH                  edit a page with $EDITOR
  log PATH                   revisions: number, author fingerprint, time, size
  diff PATH [A [B]]          unified diff between revisions (default: the last change)
  restore PATH REV           a new revision with the text of revision REV
  mv FROM TO                 rename or move a page
  rm PATH                    delete a page (a tombstone revision; history stays readable)
  backlinks PATH             pages that link to PATH
  search QUERY [--limit N] [--prefix] [--typos]
                             ranked pages with snippets (client-side, sealed index; see docs/CLI.md)
  reindex                    rebuild the search index from every page and upload it
  sync                       send queued edits, fetch and verify what changed
  status                     queued edits, quarantined objects, last sync

The passphrase comes from --passphrase-file, $ZKWIKI_PASSPHRASE, or a prompt; never an argument.
The recovery key likewise: --recovery-key-file, $ZKWIKI_RECOVERY_KEY, or a prompt.
State lives in $ZKWIKI_HOME (default ~/.zkwiki). Exit codes: see docs/CLI.md.
)";

// ---- commands ----

int cmd_init(const Args& a) {
  need(a, 0, 0, "init --server URL");
  std::string server = a.option("server");
  if (server.empty()) throw UsageError{"usage: zkwiki init --server URL"};
  fs::path home = home_dir();
  if (fs::exists(home / "config.json"))
    return (std::fprintf(stderr, "zkwiki: %s already holds an account; use another ZKWIKI_HOME\n", home.c_str()), kConflict);
  auto run = [&]() -> Result<void> {
    ZKWIKI_TRY(ensure_home(home));
    ZKWIKI_ASSIGN(auto transport, HttpTransport::connect_to(server));
    ZKWIKI_ASSIGN(std::string pass, read_passphrase(a.passphrase_file, "ZKWIKI_PASSPHRASE", "New passphrase: ", true));
    if (pass.size() < 8) return make_error(Errc::invalid_argument, "choose a passphrase of at least 8 characters");
    ZKWIKI_ASSIGN(auto device, open_device_store(home));
    std::string recovery;
    ClientOptions options;
    options.connect_url = connect_http;
    ZKWIKI_ASSIGN(auto client, Client::create_account(*transport, std::move(device), pass, recovery,
                                                      KdfParams::generate(), std::move(options)));
    ZKWIKI_TRY(save_config(home, Config{transport->base_url(), client->account_id(), std::nullopt}));
    if (a.json) {
      std::cout << json{{"account", client->account_id().hex()}, {"workspace", client->workspace_id().hex()},
                        {"fingerprint", client->fingerprint()}, {"recovery_key", recovery}}
                       .dump()
                << "\n";
    } else {
      std::cout << "account      " << client->account_id().hex() << "\nfingerprint  " << client->fingerprint()
                << "\nworkspace    " << client->workspace_id().hex() << "\n\nRecovery key (shown once; store it offline):\n  "
                << recovery << "\n";
    }
    return {};
  };
  auto r = run();
  if (!r) return (std::fprintf(stderr, "zkwiki: %s\n", printable(r.error().message).c_str()), exit_code(r.error().code));
  return kOk;
}

// login and recover: an existing account on this device, opened with its passphrase or, when
// that is lost, with the recovery key and a new passphrase.
int cmd_login(const Args& a) {
  const bool recover = a.command == "recover";
  const std::string synopsis = a.command + " --server URL --account ID [--workspace WS]";
  need(a, 0, 0, synopsis.c_str());
  auto id = AccountId::from_hex(a.option("account"));
  if (a.option("server").empty() || !id) throw UsageError{"usage: zkwiki " + synopsis};
  std::optional<WorkspaceId> workspace;
  if (!a.option("workspace").empty()) {
    auto ws = WorkspaceId::from_hex(a.option("workspace"));
    if (!ws) throw UsageError{"not a workspace id: " + a.option("workspace")};
    workspace = *ws;
  }
  fs::path home = home_dir();
  auto run = [&]() -> Result<void> {
    ZKWIKI_TRY(ensure_home(home));
    ZKWIKI_ASSIGN(auto transport, HttpTransport::connect_to(a.option("server")));
    std::string recovery_key;
    if (recover) {
      ZKWIKI_ASSIGN(recovery_key, read_passphrase(a.option("recovery-key-file"), "ZKWIKI_RECOVERY_KEY", "Recovery key: "));
    }
    // recover's new passphrase is read as passwd reads one (--new-passphrase-file,
    // $ZKWIKI_NEW_PASSPHRASE); else, as it is the one this device uses from now on, as every
    // command reads the passphrase.
    const char* new_env = std::getenv("ZKWIKI_NEW_PASSPHRASE");
    const bool given_as_new = !a.option("new-passphrase-file").empty() || (new_env != nullptr && *new_env != '\0');
    ZKWIKI_ASSIGN(std::string pass, recover && given_as_new
                                        ? read_passphrase(a.option("new-passphrase-file"), "ZKWIKI_NEW_PASSPHRASE",
                                                          "New passphrase: ", true)
                                        : read_passphrase(a.passphrase_file, "ZKWIKI_PASSPHRASE",
                                                          recover ? "New passphrase: " : "Passphrase: ", recover));
    if (recover && pass.size() < 8) return make_error(Errc::invalid_argument, "choose a passphrase of at least 8 characters");
    ZKWIKI_ASSIGN(auto device, open_device_store(home));
    ClientOptions options;
    options.workspace = workspace;
    options.connect_url = connect_http;
    auto opened = recover ? Client::recover(*transport, std::move(device), *id, recovery_key, pass, KdfParams::generate(),
                                            std::move(options))
                          : Client::login(*transport, std::move(device), *id, pass, std::move(options));
    if (!opened) return std::move(opened).error();
    auto& client = *opened;
    // Opened from this device's copy: nothing was checked with the server, and the config stays.
    if (client->offline())
      return make_error(Errc::io, "the server at " + transport->base_url() + " is unreachable: " + a.command +
                                      " needs it (other commands work offline on this device)");
    ZKWIKI_TRY(save_config(home, Config{transport->base_url(), *id, workspace}));
    ZKWIKI_ASSIGN(SyncReport s, client->sync());
    if (recover) std::cout << "new passphrase set; every other session of this account has ended\n";
    std::cout << "logged in as " << id->hex() << " (fingerprint " << client->fingerprint() << "); " << s.pages_updated
              << " pages synced\n";
    return {};
  };
  auto r = run();
  if (!r) return (std::fprintf(stderr, "zkwiki: %s\n", printable(r.error().message).c_str()), exit_code(r.error().code));
  return kOk;
}

}  // namespace
}  // namespace zkwiki::cli

int main(int argc, char** argv) {
  using namespace zkwiki::cli;
  try {
    Args a = parse_args(argc, argv);
    if (a.command == "help" || a.flag("help")) {
      std::fputs(kUsageText, stdout);
      return kOk;
    }
    if (a.command.empty()) {
      std::fputs(kUsageText, stderr);
      return kUsage;
    }
    if (a.command == "init") return cmd_init(a);
    if (a.command == "login" || a.command == "recover") return cmd_login(a);
    return run_command(a);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "zkwiki: %s\n", zkwiki::printable(e.message).c_str());
    return kUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zkwiki: unexpected error: %s\n", e.what());
    return kError;
  }
}
