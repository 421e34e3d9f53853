#include "mcp_server.h"

#include <cstdio>
#include <system_error>

#include "agent_session.h"

namespace zkwiki::mcp {
namespace {

constexpr const char* kLatestProtocol = "2025-06-18";
const char* const kProtocols[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
constexpr const char* kUriPrefix = "zkwiki:///";

// A JSON-RPC error, thrown only inside dispatch and turned into a reply by handle().
struct RpcError {
  int code;
  std::string message;
  json data = nullptr;  // the error's "data" member, when not null
};

// JSON-RPC 2.0's codes. A resources/read of a page that does not exist is -32602 (invalid
// params, with the uri in "data"), as SEP-2164 settled for MCP: the -32002 that the 2025-06-18
// spec suggested lies in JSON-RPC's range for implementation-defined server errors.
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;

json text_result(const std::string& text, bool is_error = false) {
  json r{{"content", json::array({json{{"type", "text"}, {"text", text}}})}};
  if (is_error) r["isError"] = true;
  return r;
}

json tool_error(const Error& e) { return text_result(std::string(errc_name(e.code)) + ": " + e.message, true); }

std::string need_string(const json& args, const char* name) {
  if (!args.contains(name) || !args[name].is_string() || args[name].get<std::string>().empty())
    throw RpcError{-32602, std::string("missing or empty string argument '") + name + "'"};
  return args[name].get<std::string>();
}

std::optional<std::uint64_t> opt_revision(const json& args, const char* name) {
  if (!args.contains(name) || args[name].is_null()) return std::nullopt;
  if (!args[name].is_number_unsigned() || args[name].get<std::uint64_t>() == 0)
    throw RpcError{-32602, std::string("argument '") + name + "' must be a revision number >= 1"};
  return args[name].get<std::uint64_t>();
}

bool opt_bool(const json& args, const char* name) {
  if (!args.contains(name) || args[name].is_null()) return false;
  if (!args[name].is_boolean()) throw RpcError{-32602, std::string("argument '") + name + "' must be true or false"};
  return args[name].get<bool>();
}

json schema(json properties, json required) {
  return json{{"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(required)}};
}

}  // namespace

Server::Server(Client& client, std::chrono::milliseconds sync_every) : client_(client), sync_every_(sync_every) {
  if (const AgentCertificate* cert = client.agent_certificate()) certificate_ = *cert;
}

Server::~Server() {
  if (first_sync_.valid()) first_sync_.wait();
}

void Server::start_first_sync() {
  if (first_sync_.valid()) return;
  first_sync_started_ = std::chrono::steady_clock::now();
  try {
    first_sync_ = std::async(std::launch::async, [&client = client_] { return client.sync(); });
  } catch (const std::system_error&) {
    // No thread to be had: the first call syncs, as without start_first_sync.
  }
}

bool Server::first_sync_running() const {
  return first_sync_.valid() && first_sync_.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
}

Result<void> Server::join_first_sync() {
  if (first_sync_running())
    std::fprintf(stderr, "zkwiki-mcp: this call waits for the first sync (still running since startup)\n");
  Result<SyncReport> synced = first_sync_.get();  // the future is invalid from here on: joined once
  if (!synced)
    return make_error(synced.error().code, "the first sync, at startup, failed: " + synced.error().message +
                                               " (the next call syncs again)");
  last_sync_ = first_sync_started_;
  return {};
}

Result<void> Server::fresh() {
  if (first_sync_.valid()) ZKWIKI_TRY(join_first_sync());
  auto now = std::chrono::steady_clock::now();
  if (now - last_sync_ < sync_every_) return {};
  auto r = client_.sync();
  if (!r) return std::move(r).error();
  last_sync_ = now;
  return {};
}

json Server::tools() const {
  const AgentCertificate* cert = certificate();
  json path{{"type", "string"}, {"description", "page path, e.g. memory/today.md"}};
  json list = json::array();
  list.push_back(
      {{"name", "search"},
       {"description",
        "Search the pages this grant can read, ranked (BM25 over title, tags, headings, text). Runs here over the "
        "collections' sealed index: the query is never sent. Words are ANDed; `a OR b`, `-word`, \"a phrase\", "
        "`word*`, `title:word`, `tag:word`, `path:dir/`. The result says how many pages the index covers."},
       {"inputSchema",
        schema({{"query", {{"type", "string"}}},
                {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}}},
                {"prefix", {{"type", "boolean"}, {"description", "the last word also matches as a prefix (type-ahead)"}}},
                {"typos", {{"type", "boolean"}, {"description", "words of 5+ letters also match one edit away"}}}},
               {"query"})},
       {"outputSchema",
        schema({{"hits",
                 {{"type", "array"},
                  {"items", schema({{"path", {{"type", "string"}}},
                                    {"title", {{"type", "string"}}},
                                    {"revision", {{"type", "integer"}}},
                                    {"score", {{"type", "number"}}},
                                    {"snippet", {{"type", "string"}}},
                                    {"highlights", {{"type", "array"},
                                                    {"items", {{"type", "array"}, {"items", {{"type", "integer"}}}}}}},
                                    {"phrase_unverified", {{"type", "boolean"}}}},
                                   {"path", "title", "revision", "score", "snippet", "highlights"})}}},
                {"coverage", schema({{"indexed", {{"type", "integer"}}},
                                     {"known", {{"type", "integer"}}},
                                     {"complete", {{"type", "boolean"}}},
                                     {"segments", {{"type", "integer"}}},
                                     {"uploaded", {{"type", "boolean"}}},
                                     {"kept_locally", {{"type", "boolean"}}},
                                     {"notices", {{"type", "array"}, {"items", {{"type", "string"}}}}}},
                                    {"indexed", "known", "complete", "notices"})}},
               {"hits", "coverage"})}});
  list.push_back(
      {{"name", "read_page"},
       {"description",
        "Read a page (its current text, or an older revision). The first content block is the text exactly; the "
        "second (and structuredContent) gives its revision: pass it as write_page's base_revision when you write an "
        "edit of this text."},
       {"inputSchema", schema({{"path", path}, {"revision", {{"type", "integer"}, {"minimum", 1}}}}, {"path"})},
       {"outputSchema", schema({{"path", {{"type", "string"}}},
                                {"revision", {{"type", "integer"}}},
                                {"title", {{"type", "string"}}},
                                {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}}},
                               {"path", "revision"})}});
  if (cert == nullptr || !cert->read_only)
    list.push_back(
        {{"name", "write_page"},
         {"description",
          "Write a page as its next revision" +
              (cert && !cert->path_prefix.empty() ? " (paths below " + cert->path_prefix + ")" : std::string()) +
              ". To change an existing page, pass base_revision: the revision read_page gave for the text your content "
              "was made from. Edits others made since are merged in; edits that overlap yours are refused (a conflict "
              "error, nothing written): read the page again and redo your edit on that text. A new page needs no "
              "base_revision; without it an existing page is never overwritten."},
         {"inputSchema",
          schema({{"path", path},
                  {"content", {{"type", "string"}}},
                  {"base_revision",
                   {{"type", "integer"},
                    {"minimum", 1},
                    {"description", "the revision (from read_page) that content is an edit of; required for a page "
                                    "that exists"}}}},
                 {"path", "content"})}});
  list.push_back({{"name", "list_pages"},
                  {"description", "List pages, optionally below a path prefix."},
                  {"inputSchema", schema({{"prefix", {{"type", "string"}}}}, json::array())}});
  list.push_back({{"name", "page_history"},
                  {"description", "The revisions of a page: number, author, time, size."},
                  {"inputSchema", schema({{"path", path}}, {"path"})}});
  list.push_back({{"name", "diff"},
                  {"description", "Unified diff between two revisions of a page (default: the last change)."},
                  {"inputSchema", schema({{"path", path}, {"from", {{"type", "integer"}, {"minimum", 0}}},
                                          {"to", {{"type", "integer"}, {"minimum", 1}}}},
                                         {"path"})}});
  return json{{"tools", list}};
}

json Server::call_tool(const std::string& name, const json& args) {
  if (!args.is_object()) throw RpcError{-32602, "arguments must be an object"};
  const AgentCertificate* cert = certificate();
  if (name == "write_page" && cert != nullptr && cert->read_only)
    throw RpcError{-32602, "unknown tool write_page (this grant is read-only)"};
  if (name != "search" && name != "read_page" && name != "write_page" && name != "list_pages" &&
      name != "page_history" && name != "diff")
    throw RpcError{-32602, "unknown tool " + name};
  if (auto f = fresh(); !f) return tool_error(f.error());
  if (name == "search") {
    std::string q = need_string(args, "query");
    SearchOptions options;
    if (args.contains("limit")) {
      if (!args["limit"].is_number_unsigned() || args["limit"] == 0 || args["limit"] > 100)
        throw RpcError{-32602, "limit must be 1..100"};
      options.limit = args["limit"].get<std::size_t>();
    }
    options.prefix_last = opt_bool(args, "prefix");
    options.typos = opt_bool(args, "typos");
    auto found = agent::search(client_, q, options);
    if (!found) return tool_error(found.error());
    json hits = json::array();
    std::string text;
    for (const auto& h : found->results) {
      json hl = json::array();
      for (auto [b, e] : h.highlights) hl.push_back({b, e});
      json hit{{"path", h.path}, {"title", h.title},   {"revision", h.revision},
               {"score", h.score}, {"snippet", h.snippet}, {"highlights", hl}};
      if (h.phrase_unverified) hit["phrase_unverified"] = true;
      hits.push_back(std::move(hit));
      text += h.path + " — " + h.title + (h.snippet.empty() ? "" : "\n  " + h.snippet) + "\n";
    }
    const IndexCoverage& c = found->coverage;
    if (found->results.empty()) text = "no pages match\n";
    for (const auto& n : c.notices) text += "search index: " + n + "\n";
    text += agent::describe(c);
    json r = text_result(text);
    r["structuredContent"] = {{"hits", hits},
                              {"coverage", {{"indexed", c.indexed},
                                            {"known", c.known},
                                            {"complete", c.indexed >= c.known},
                                            {"segments", c.segments},
                                            {"uploaded", c.uploaded},
                                            {"kept_locally", agent::index_kept_locally(client_).has_value()},
                                            {"notices", c.notices}}}};
    return r;
  }
  if (name == "read_page") {
    const std::string path = need_string(args, "path");
    auto page = client_.read_with_revision(path, opt_revision(args, "revision"));
    if (!page) return tool_error(page.error());
    remember_page(path, page->page);
    const std::string rev = std::to_string(page->revision);
    json r = text_result(page->content.body);
    r["content"].push_back({{"type", "text"},
                            {"text", "(" + path + " at revision " + rev + ": to write an edit of this text, call write_page "
                                     "with base_revision " + rev + ")"}});
    r["structuredContent"] = {{"path", path}, {"revision", page->revision}, {"title", page->content.meta.title},
                              {"tags", page->content.meta.tags}};
    return r;
  }
  if (name == "write_page") {
    std::string path = need_string(args, "path");
    if (!args.contains("content") || !args["content"].is_string()) throw RpcError{-32602, "missing string argument 'content'"};
    const auto base = opt_revision(args, "base_revision");
    if (!base) {
      // Only a new page is written without a base: an agent's text replacing a page it has not
      // read (or read before someone else's edit) would drop that edit.
      auto pages = client_.list(path);
      if (!pages) return tool_error(pages.error());
      for (const auto& p : *pages)
        if (p.path == path)
          return text_result("conflict: " + path + " already exists (revision " + std::to_string(p.revision) +
                                 "): pass base_revision, the revision read_page gave for the text this content was "
                                 "made from (read it now if you have not: it may hold changes you have not seen); "
                                 "nothing was written",
                             true);
    }
    // Without a base: a new page (base 0), which a page created meanwhile refuses too.
    WriteOptions options{.base_revision = base.value_or(0)};
    if (auto read = pages_read_.find(path); base && read != pages_read_.end()) options.base_page = read->second;
    auto out = client_.write(path, args["content"].get<std::string>(), options);
    if (!out) return tool_error(out.error());
    remember_page(path, out->page);
    std::string what = out->unchanged ? "unchanged"
                       : out->merged && base ? "written, merged with edits made since revision " + std::to_string(*base) +
                                                   " (read the page again before your next edit of it)"
                       : out->queued  ? "queued (server unreachable)"
                                      : "written";
    std::string text = path + ": revision " + std::to_string(out->revision) + ", " + what;
    // Index upkeep, as the CLI does after a write; a failure there never fails the write.
    if (!out->unchanged && !out->queued)
      if (auto indexed = agent::keep_index(client_); !indexed)
        text += "\n(search index not updated: " + indexed.error().message + ")";
    return text_result(text);
  }
  if (name == "list_pages") {
    std::string prefix;
    if (args.contains("prefix")) {
      if (!args["prefix"].is_string()) throw RpcError{-32602, "prefix must be a string"};
      prefix = args["prefix"];
    }
    auto pages = client_.list(prefix);
    if (!pages) return tool_error(pages.error());
    std::string text;
    json arr = json::array();
    for (const auto& p : *pages) {
      text += p.path + "  (" + p.title + ", r" + std::to_string(p.revision) + ")\n";
      arr.push_back({{"path", p.path}, {"title", p.title}, {"revision", p.revision}, {"size", p.size}});
    }
    json r = text_result(pages->empty() ? "no pages" : text);
    r["structuredContent"] = {{"pages", arr}};
    return r;
  }
  if (name == "page_history") {
    auto log = client_.log(need_string(args, "path"));
    if (!log) return tool_error(log.error());
    std::string text;
    for (const auto& r : *log)
      text += "r" + std::to_string(r.revision) + "  " + r.author + "  " + std::to_string(r.time_ms) + "  " +
              std::to_string(r.size) + " bytes" + (r.deleted ? "  (deleted)" : "") + "\n";
    return text_result(text);
  }
  // diff
  std::optional<std::uint64_t> from;
  if (args.contains("from") && !args["from"].is_null()) {
    if (!args["from"].is_number_unsigned()) throw RpcError{-32602, "from must be a revision number"};
    from = args["from"].get<std::uint64_t>();
  }
  auto d = client_.diff(need_string(args, "path"), from, opt_revision(args, "to"));
  if (!d) return tool_error(d.error());
  return text_result(d->empty() ? "no differences" : *d);
}

json Server::resources() {
  if (auto f = fresh(); !f) throw RpcError{-32603, f.error().message};
  auto pages = client_.list();
  if (!pages) throw RpcError{-32603, pages.error().message};
  json arr = json::array();
  for (const auto& p : *pages)
    arr.push_back({{"uri", kUriPrefix + p.path}, {"name", p.path}, {"title", p.title}, {"mimeType", "text/markdown"}});
  return json{{"resources", arr}};
}

void Server::remember_page(const std::string& path, const PageId& page) {
  if (!page.is_zero()) pages_read_[path] = page;  // zero: made offline, not on the server yet
}

json Server::read_resource(const json& params) {
  std::string uri = need_string(params, "uri");
  if (uri.rfind(kUriPrefix, 0) != 0) throw RpcError{-32602, "not a zkwiki resource: " + uri};
  if (auto f = fresh(); !f) throw RpcError{-32603, f.error().message};
  const std::string path = uri.substr(std::string(kUriPrefix).size());
  auto page = client_.read_with_revision(path);
  if (!page && page.error().code == Errc::not_found)
    throw RpcError{kInvalidParams, "resource not found: " + page.error().message, json{{"uri", uri}}};
  if (!page) throw RpcError{kInternalError, page.error().message};
  remember_page(path, page->page);  // as read_page: write_page goes to this page
  return json{{"contents",
               json::array({json{{"uri", uri}, {"mimeType", "text/markdown"}, {"text", page->content.body}}})}};
}

json Server::dispatch(const std::string& method, const json& params, bool& /*is_error_reply*/) {
  if (method == "initialize") {
    std::string asked = params.value("protocolVersion", "");
    std::string version = kLatestProtocol;
    for (const char* v : kProtocols)
      if (asked == v) version = asked;
    initialized_ = true;
    const AgentCertificate* cert = certificate();
    return json{{"protocolVersion", version},
                {"capabilities", {{"tools", json::object()}, {"resources", json::object()}}},
                {"serverInfo", {{"name", "zkwiki-mcp"}, {"version", "0.1.0"}}},
                {"instructions", "A zero-knowledge wiki: pages are decrypted here, never on the server. " +
                                     std::string(cert && cert->read_only ? "This grant is read-only." :
                                                 cert && !cert->path_prefix.empty() ? "Write pages below " + cert->path_prefix + "." : "")}};
  }
  if (method == "ping") return json::object();
  if (method == "tools/list") return tools();
  if (method == "tools/call") {
    if (!params.is_object() || !params.contains("name") || !params["name"].is_string())
      throw RpcError{-32602, "tools/call needs a tool name"};
    return call_tool(params["name"], params.value("arguments", json::object()));
  }
  if (method == "resources/list") return resources();
  if (method == "resources/read") return read_resource(params);
  throw RpcError{-32601, "method not found: " + method};
}

std::optional<std::string> Server::handle(const std::string& line) noexcept {
  json id = nullptr;
  try {
    json msg = json::parse(line, nullptr, false);
    if (msg.is_discarded())
      return json{{"jsonrpc", "2.0"}, {"id", nullptr}, {"error", {{"code", -32700}, {"message", "parse error"}}}}.dump();
    if (msg.is_array())
      return json{{"jsonrpc", "2.0"}, {"id", nullptr},
                  {"error", {{"code", -32600}, {"message", "batches are not supported"}}}}.dump();
    bool has_id = msg.is_object() && msg.contains("id");
    if (has_id) {
      id = msg["id"];
      if (!id.is_string() && !id.is_number_integer()) id = nullptr;
    }
    if (!msg.is_object() || msg.value("jsonrpc", "") != "2.0" || !msg.contains("method") || !msg["method"].is_string() ||
        (has_id && id.is_null()) || (msg.contains("params") && !msg["params"].is_object() && !msg["params"].is_array()))
      return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", -32600}, {"message", "invalid request"}}}}.dump();
    const std::string method = msg["method"];
    if (!has_id) return std::nullopt;  // a notification (notifications/initialized, cancelled, ...)
    bool unused = false;
    json result = dispatch(method, msg.value("params", json::object()), unused);
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}}.dump();
  } catch (const RpcError& e) {
    json error{{"code", e.code}, {"message", e.message}};
    if (!e.data.is_null()) error["data"] = e.data;
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}}.dump();
  } catch (const std::exception& e) {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", -32603}, {"message", std::string("internal error: ") + e.what()}}}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
  } catch (...) {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", -32603}, {"message", "internal error"}}}}.dump();
  }
}

}  // namespace zkwiki::mcp
