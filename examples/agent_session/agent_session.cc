#include "agent_session.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli.h"
#include "zkwiki/agent.h"

namespace zkwiki::agent {
namespace {

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(Errc::not_found, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void add_local_notice(const Client& client, IndexCoverage& coverage) {
  if (auto why = index_kept_locally(client)) coverage.notices.push_back("kept on this agent, not uploaded: " + *why);
}

}  // namespace

Result<Session> open_session(const std::string& grant_file, const std::string& key_file, FirstSync first_sync) {
  std::string text;
  if (!grant_file.empty()) {
    ZKWIKI_ASSIGN(text, read_file(grant_file));
  } else if (const char* g = std::getenv("ZKWIKI_GRANT"); g != nullptr && *g != '\0') {
    text = g;
  } else {
    return make_error(Errc::invalid_argument, "no grant: set ZKWIKI_GRANT or pass --grant FILE");
  }
  ZKWIKI_ASSIGN(Grant grant, Grant::parse(text));
  std::optional<AccountKeys> key;
  std::string kf = key_file;
  if (kf.empty())
    if (const char* k = std::getenv("ZKWIKI_AGENT_KEY"); k != nullptr) kf = k;
  // A grant made for an agent key, and no key named: the file zkwiki-keyring agent-keygen wrote.
  if (kf.empty() && !grant.bearer) {
    std::error_code ec;
    if (auto def = cli::agent_key_path(); std::filesystem::exists(def, ec)) kf = def.string();
  }
  if (!kf.empty()) {
    ZKWIKI_ASSIGN(std::string secret, read_file(kf));
    ZKWIKI_ASSIGN(key, parse_agent_secret(secret));
  }
  Session s;
  ZKWIKI_ASSIGN(s.transport, HttpTransport::connect_to(grant.server));
  ClientOptions options;
  options.connect_url = connect_http;  // blobs through the cache the server names, if any
  ZKWIKI_ASSIGN(s.client, Client::open_agent(*s.transport, std::make_unique<MemoryLocalStore>(), grant,
                                             key ? &*key : nullptr, std::move(options)));
  if (first_sync == FirstSync::at_open) ZKWIKI_TRY(s.client->sync());
  return s;
}

std::optional<std::string> index_kept_locally(const Client& client) {
  const AgentCertificate* cert = client.agent_certificate();
  if (cert == nullptr) return std::nullopt;
  if (cert->read_only) return "the grant is read-only (the server refuses its writes)";
  if (!cert->path_prefix.empty()) return "the grant may write only below '" + cert->path_prefix + "'";
  return std::nullopt;
}

Result<IndexCoverage> keep_index(Client& client) {
  if (!index_kept_locally(client)) return client.maintain_index();
  ZKWIKI_ASSIGN(IndexCoverage coverage, client.index_coverage());
  add_local_notice(client, coverage);
  return coverage;
}

Result<SearchReport> search(Client& client, std::string_view query, const SearchOptions& options) {
  ZKWIKI_ASSIGN(SearchReport report, client.search(query, options));
  add_local_notice(client, report.coverage);
  return report;
}

std::string describe(const IndexCoverage& c) {
  std::string s = "index: " + std::to_string(c.indexed) + " of " + std::to_string(c.known) + " pages indexed, " +
                  std::to_string(c.segments) + " segment" + (c.segments == 1 ? "" : "s");
  if (c.indexed < c.known)
    s += " (incomplete: " + std::to_string(c.known - c.indexed) + " pages are not searched)";
  return s;
}

}  // namespace zkwiki::agent
