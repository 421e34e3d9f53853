// What the native agent and the MCP server share: a grant (and the agent's key, unless the grant
// is a bearer grant) loaded from the environment or files, opened into an agent Client; and the
// agent's use of the SDK's sealed search index.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "zkwiki/client.h"
#include "zkwiki/http_transport.h"

namespace zkwiki::agent {

struct Session {
  std::unique_ptr<HttpTransport> transport;
  std::unique_ptr<Client> client;
};

// The grant from `grant_file` when given, else $ZKWIKI_GRANT (the string itself); the agent key
// from `key_file`, else $ZKWIKI_AGENT_KEY (a file), else (unless the grant is a bearer grant,
// which needs none) the file agent-keygen wrote by default (cli::agent_key_path()).
// The client is logged in (Client::open_agent) and, with FirstSync::at_open, synced before this
// returns; with FirstSync::by_caller the caller runs the first sync (zkwiki-mcp does, in another
// thread, so that it answers its host at once however long the sync takes).
// Errors: invalid_argument (no grant), those of Grant::parse, parse_agent_secret,
// Client::open_agent and (at_open) Client::sync (expired, forbidden, io, ...).
enum class FirstSync { at_open, by_caller };
Result<Session> open_session(const std::string& grant_file, const std::string& key_file,
                             FirstSync first_sync = FirstSync::at_open);

// ---- search ----
// An agent searches with the SDK's index (Client::search): the segments of its granted
// collections only (it holds no other collection's key, from which the search key derives).
// The index lives in the agent's device store; whether the agent also uploads it:
//
// Why this agent keeps its index to itself, or nullopt when it uploads it. Only a read-write
// grant without a path prefix uploads: the server refuses a read-only token's writes, and an
// index a prefix-limited agent signed would speak for pages it may not write. Members' devices
// index the agent's pages themselves from their synced copies either way.
std::optional<std::string> index_kept_locally(const Client& client);

// Index upkeep after the agent's writes: indexes what changed, and, when the grant allows,
// seals and uploads the new segments and moves the manifest (Client::maintain_index); else
// keeps them in the device store (Client::index_coverage), with a notice saying why.
Result<IndexCoverage> keep_index(Client& client);

// Client::search, with keep_index's notice when the index stays local. Errors: those of
// Client::search (invalid_argument for a bad query).
Result<SearchReport> search(Client& client, std::string_view query, const SearchOptions& options = {});

// "index: I of K pages indexed, S segments" and, when I < K, that results may be incomplete.
std::string describe(const IndexCoverage& coverage);

}  // namespace zkwiki::agent
