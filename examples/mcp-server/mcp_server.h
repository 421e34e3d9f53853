// The Model Context Protocol over JSON-RPC 2.0, one message per line (the stdio transport),
// over an agent Client. Tools: search, read_page, write_page, list_pages, page_history, diff
// (write_page only for a read-write grant); resources: the pages, as zkwiki:///PATH.
// read_page gives the revision it read; write_page takes it back as base_revision, so an edit
// is merged with what others wrote since (overlapping edits refused) instead of replacing it,
// and without one it only creates pages (an existing page is refused, never overwritten).
//
// Malformed JSON-RPC gets JSON-RPC errors (-32700 parse, -32600 invalid request, -32601 no such
// method, -32602 invalid params); a tool that fails answers a result with isError and a message
// (an expired or revoked grant among them). Nothing here throws out of handle().
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "zkwiki/client.h"

namespace zkwiki::mcp {

using json = nlohmann::json;

class Server {
 public:
  // `client` must outlive the server. Every tool call syncs first (so a revoked or expired
  // grant fails at once) unless the last sync is younger than `sync_every`.
  explicit Server(Client& client, std::chrono::milliseconds sync_every = std::chrono::milliseconds(0))
      : client_(client), sync_every_(sync_every) {}

  // One incoming line; the answer to send back, or nothing (a notification).
  std::optional<std::string> handle(const std::string& line) noexcept;

 private:
  json dispatch(const std::string& method, const json& params, bool& is_error_reply);
  json tools() const;
  json call_tool(const std::string& name, const json& args);
  json resources();
  json read_resource(const json& params);
  Result<void> fresh();

  Client& client_;
  std::chrono::milliseconds sync_every_;
  std::chrono::steady_clock::time_point last_sync_{};
  bool initialized_ = false;
};

}  // namespace zkwiki::mcp
