// The wasm build's Transport and LocalStore, implemented by JS objects the page registers
// (Module.zkwObjects: id -> object). Both are asynchronous in JS (fetch, IndexedDB) and
// synchronous in C++: the calls go through Emscripten ASYNCIFY imports (EM_ASYNC_JS), which
// suspend the wasm stack while the JS promise settles. wasm/README.md ("Design") says why.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "zkwiki/local_store.h"
#include "zkwiki/transport.h"

namespace zkwiki::wasm {

// Sends each request through the JS object's `send({method, target, headers, body})`, which
// resolves to {status, headers: [[name, value]...], body: Uint8Array} or rejects (io).
class JsTransport final : public Transport {
 public:
  explicit JsTransport(std::int32_t js_id) : js_id_(js_id) {}
  Result<HttpResponse> send(const HttpRequest& request) override;

 private:
  std::int32_t js_id_;
};

// A LocalStore held in wasm memory and mirrored to a JS store: `load()` resolves to every
// entry ([table, key, value] with key and value as Uint8Array) once, when the store is first
// used; `commit(ops)` persists a batch of [table, key, value | null] atomically and resolves
// when it is durable. Reads never leave wasm. A put or erase outside a transaction is its own
// commit; a transaction commits once, when its body succeeds, and is undone in memory if the
// commit fails. The entries are sealed by the SealedLocalStore the client wraps around this.
//
// An unbound store (js id 0) keeps everything in memory until bind() (a new account's store,
// whose name the page only knows once the account id exists).
class JsLocalStore final : public LocalStore {
 public:
  explicit JsLocalStore(std::int32_t js_id) : js_id_(js_id) {}
  // Binds an unbound store to a JS store: loads nothing (the JS store must be empty) and
  // commits every entry held so far. Errors: invalid_argument (already bound), io.
  Result<void> bind(std::int32_t js_id);

  Result<std::optional<Bytes>> get(std::string_view table, std::string_view key) override;
  Result<void> put(std::string_view table, std::string_view key, std::span<const std::uint8_t> value) override;
  Result<void> erase(std::string_view table, std::string_view key) override;
  Result<std::vector<std::pair<std::string, Bytes>>> scan(std::string_view table, std::string_view prefix) override;
  Result<void> transaction(const std::function<Result<void>()>& body) override;

 private:
  struct Op {
    std::string table, key;
    std::optional<Bytes> value;  // nullopt: erase
  };
  using Table = std::map<std::string, Bytes, std::less<>>;

  Result<void> ensure_loaded();
  Result<void> commit(const std::vector<Op>& ops);
  // Applies `op` in memory; records what it replaced in `undo` when given.
  void apply(const Op& op, std::vector<Op>* undo);
  Result<void> write(Op op);

  std::int32_t js_id_;
  bool loaded_ = false;
  bool in_transaction_ = false;
  std::map<std::string, Table, std::less<>> tables_;
  std::vector<Op> pending_, undo_;
};

}  // namespace zkwiki::wasm
