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
//
// The first sync runs in another thread (start_first_sync), so that the host's initialize,
// tools/list and ping are answered at once however large the wiki or slow the server; the first
// call that needs the client waits for it. The client is not thread-safe: while that sync runs,
// only the certificate copied at construction is read here.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <map>
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
  explicit Server(Client& client, std::chrono::milliseconds sync_every = std::chrono::milliseconds(0));
  // Waits for a first sync that still runs (the client must not go while it does).
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Starts the client's first sync in another thread and returns at once. Until it ends nothing
  // else touches the client: tools/call and resources/* wait for it (and print a line on stderr
  // saying so); if it failed, the first of them answers that error (a tool error for tools/call,
  // -32603 for resources/*) and the next one syncs again. Without it, the first call just syncs.
  void start_first_sync();
  // Whether the first sync was started and has not ended yet.
  bool first_sync_running() const;

  // One incoming line; the answer to send back, or nothing (a notification).
  std::optional<std::string> handle(const std::string& line) noexcept;

 private:
  json dispatch(const std::string& method, const json& params, bool& is_error_reply);
  json tools() const;
  json call_tool(const std::string& name, const json& args);
  json resources();
  json read_resource(const json& params);
  Result<void> fresh();
  Result<void> join_first_sync();
  const AgentCertificate* certificate() const { return certificate_ ? &*certificate_ : nullptr; }

  Client& client_;
  std::optional<AgentCertificate> certificate_;  // copied before any sync: tools/list reads it meanwhile
  std::future<Result<SyncReport>> first_sync_;   // valid until a call has joined it
  std::chrono::steady_clock::time_point first_sync_started_{};
  std::chrono::milliseconds sync_every_;
  std::chrono::steady_clock::time_point last_sync_{};
  bool initialized_ = false;
  // The page each path held when read_page or resources/read last read it (or write_page wrote
  // it), for this process's lifetime: a write with a base_revision goes to that page only, not
  // to another that took the path meanwhile.
  std::map<std::string, PageId> pages_read_;
  void remember_page(const std::string& path, const PageId& page);
};

}  // namespace zkwiki::mcp
