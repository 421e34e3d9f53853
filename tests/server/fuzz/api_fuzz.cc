// libFuzzer target for the pure request handler (Api::handle) over the in-memory store.
// Input: "METHOD TARGET\n" then "name: value\n" header lines, an empty line, then the body.
// The store holds a fixed account, workspace, collection, page, blob and two tokens, so inputs
// reach authorized paths:   session  Bearer zks_ + "01" x 32,   scoped  Bearer zka_ + "02" x 32
//   account    00000000000000000000000000000001   workspace 00000000000000000000000000000002
//   collection 00000000000000000000000000000003   page      00000000000000000000000000000004
// Built with clang as a libFuzzer binary; built with any compiler as a seed replayer (ctest).
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "api.h"
#include "crypto.h"

namespace {

using namespace zkwiki::server;

const std::string kAccount = "00000000000000000000000000000001";
const std::string kWorkspace = "00000000000000000000000000000002";
const std::string kCollection = "00000000000000000000000000000003";
const std::string kPage = "00000000000000000000000000000004";

struct World {
  std::unique_ptr<Store> store = make_memory_store();
  Metrics metrics;
  std::unique_ptr<Api> api;

  World() {
    if (!crypto_init()) std::abort();
    Config cfg;
    cfg.quota_bytes = 1 << 20;
    api = std::make_unique<Api>(*store, cfg, &metrics);
    bool ok = store->create_account(Account{kAccount, std::string(32, 'k'), "rec", 0, 0}).ok() &&
              store->create_workspace(Workspace{kWorkspace, kAccount, "w", 0}).ok() &&
              store->create_collection(Collection{kWorkspace, kCollection, "c"}).ok() &&
              store->cas_head(kWorkspace, kCollection, kPage, std::nullopt,
                              hash_hex("head"), "head", Charge{kAccount, 0}).ok() &&
              store->put_blob(kWorkspace, hash_hex("blob"), "blob", Charge{kAccount, 0}).ok();
    TokenRecord session;
    session.hash = hash_raw(std::string(32, '\x01'));
    session.token_id = "0000000000000000000000000000000a";
    session.account_id = kAccount;
    session.not_after = 4102444800;  // 2100
    TokenRecord scoped = session;
    scoped.hash = hash_raw(std::string(32, '\x02'));
    scoped.token_id = "0000000000000000000000000000000b";
    scoped.scoped = true;
    scoped.workspace_id = kWorkspace;
    scoped.collections = {kCollection};
    scoped.can_write = true;
    ok = ok && store->put_token(session).ok() && store->put_token(scoped).ok();
    if (!ok) std::abort();
  }
};

Request parse(std::string_view in) {
  Request r;
  r.remote = "192.0.2.1";
  auto line = [&]() {
    auto nl = in.find('\n');
    std::string_view l = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    return l;
  };
  std::string_view first = line();
  auto sp = first.find(' ');
  r.method = std::string(first.substr(0, sp));
  r.target = sp == std::string_view::npos ? "" : std::string(first.substr(sp + 1));
  while (!in.empty()) {
    std::string_view h = line();
    if (h.empty()) break;
    auto colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view v = h.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    std::string name(h.substr(0, colon));
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    r.headers.emplace_back(std::move(name), std::string(v));  // the transport lowercases names
  }
  r.body = std::string(in);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = nullptr;
  static int runs = 0;
  if (!world || ++runs % 5000 == 0) {  // start over now and then: the store only grows
    delete world;
    world = new World();
  }
  Request req = parse(std::string_view(reinterpret_cast<const char*>(data), size));
  Response res = world->api->handle(req);
  static const bool trace = std::getenv("ZKWIKI_FUZZ_TRACE") != nullptr;
  if (trace) std::fprintf(stderr, "%d %s %s\n", res.status, req.method.c_str(), res.route.c_str());
  // Properties: a valid status, never 500 from bad input, errors carry a JSON body.
  if (res.status < 200 || res.status > 599 || res.status == 500) std::abort();
  if (res.status >= 400 && (res.body.empty() || res.body[0] != '{')) std::abort();
  return 0;
}
