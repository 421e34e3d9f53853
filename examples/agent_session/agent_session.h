// What the native agent and the MCP server share: a grant (and the agent's key, unless the grant
// is a bearer grant) loaded from the environment or files, opened into an agent Client.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "zkwiki/client.h"
#include "zkwiki/http_transport.h"

namespace zkwiki::agent {

struct Session {
  std::unique_ptr<HttpTransport> transport;
  std::unique_ptr<Client> client;
};

// The grant from `grant_file` when given, else $ZKWIKI_GRANT (the string itself); the agent key
// from `key_file`, else $ZKWIKI_AGENT_KEY (a file), else none (a bearer grant needs none).
// Errors: invalid_argument (no grant), those of Grant::parse, parse_agent_secret and
// Client::open_agent (expired, forbidden, io, ...).
Result<Session> open_session(const std::string& grant_file, const std::string& key_file);

struct SearchHit {
  std::string path;
  std::string title;
  double score = 0;
  std::string snippet;
};

// INTERIM (issue 5): a linear scan of every page this agent can read, scoring title, path and
// body matches of the query's words. To be replaced by the SDK's search (zkwiki/search.h) when
// it lands on main; callers use only this signature.
Result<std::vector<SearchHit>> search(Client& client, const std::string& query, std::size_t limit);

}  // namespace zkwiki::agent
