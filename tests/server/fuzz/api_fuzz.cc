// libFuzzer target for the pure request handler (Api::handle) over the in-memory store.
// Input: "METHOD TARGET\n" then "name: value\n" header lines, an empty line, then the body.
// The store holds a fixed account, workspace, collection, page, blob and two tokens, so inputs
// reach authorized paths:   session  Bearer zks_ + "01" x 32,   scoped  Bearer zka_ + "02" x 32
//   account    00000000000000000000000000000001   workspace 00000000000000000000000000000002
//   collection 00000000000000000000000000000003   page      00000000000000000000000000000004
// The account has a real AccountRecord and the page a real revision record, both from fixed
// keys (below), so seeds can carry records that verify; write_record_seeds() regenerates those
// seeds (zkwiki_server_fuzz_replay --write-seeds tests/server/fuzz/seeds).
// Built with clang as a libFuzzer binary (the "fuzz" preset; ./zkwiki.sh fuzz); built with any
// compiler as a seed replayer (ctest ServerApiFuzzSeeds).
#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "api.h"
#include "crypto.h"
#include "zkwiki/account.h"
#include "zkwiki/encoding.h"
#include "zkwiki/revision.h"

#include "fuzz_common.h"
#include "fuzz_world.h"

ZKWIKI_FUZZ_INIT

namespace {

using namespace zkwiki::server;

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

// Writes the seeds that carry records (valid for the World above) into `dir`.
bool write_record_seeds(const std::string& dir) {
  if (!crypto_init()) return false;
  std::string session = "Authorization: Bearer zks_", scoped = "Authorization: Bearer zka_";
  for (int i = 0; i < 32; ++i) {
    session += "01";
    scoped += "02";
  }
  const std::string coll_path = "/v1/workspaces/" + kWorkspace + "/collections/" + kCollection;
  const std::string new_page = "0000000000000000000000000000000d";
  const std::string created = revision_record(new_page, 1, "", "new");
  const std::string next = revision_record(kPage, 2, hash_raw(head_record()), "next");
  auto b64 = [](const std::string& raw) { return zkwiki::to_base64(as_span(raw)); };
  auto put = [&](const std::string& record) {
    return "{\"revision\":\"" + hash_hex(record) + "\",\"record\":\"" + b64(record) + "\"}";
  };
  const std::string new_account = "0000000000000000000000000000000f";
  const auto other_login = key_pair(0x44);
  const std::string account_rec = account_record(new_account, other_login);
  const std::string login_b64 = b64(str(other_login.public_key));
  const std::map<std::string, std::string> seeds = {
      {"page-create", "PUT " + coll_path + "/pages/" + new_page + "\n" + session +
                          "\nIf-None-Match: *\n\n" + put(created)},
      {"page-put", "PUT " + coll_path + "/pages/" + kPage + "\n" + scoped + "\nIf-Match: \"" +
                       hash_hex(head_record()) + "\"\n\n" + put(next)},
      {"revisions-batch", "POST /v1/workspaces/" + kWorkspace + "/revisions/batch\n" + scoped +
                              "\n\n{\"revisions\":[{\"collection_id\":\"" + kCollection + "\",\"page_id\":\"" + kPage +
                              "\",\"revision\":\"" + hash_hex(head_record()) + "\"},{\"collection_id\":\"" + kCollection +
                              "\",\"page_id\":\"" + new_page + "\",\"revision\":\"" + hash_hex(created) + "\"}]}"},
      {"revisions-batch-out-of-scope", "POST /v1/workspaces/" + kWorkspace + "/revisions/batch\n" + scoped +
                                           "\n\n{\"revisions\":[{\"collection_id\":\"0000000000000000000000000000000e\","
                                           "\"page_id\":\"" + kPage + "\",\"revision\":\"" + hash_hex(head_record()) + "\"}]}"},
      {"page-get", "GET " + coll_path + "/pages/" + kPage + "\n" + scoped +
                       "\nIf-None-Match: \"" + hash_hex(head_record()) + "\"\n\n"},
      {"account-create", "POST /v1/accounts\nContent-Type: application/json\n\n{\"account_id\":\"" +
                             new_account + "\",\"login_public_key\":\"" + login_b64 +
                             "\",\"record\":\"" + b64(account_rec) + "\"}"},
      {"account-update", "PUT /v1/accounts/" + kAccount + "\n" + session +
                             "\n\n{\"login_public_key\":\"" + login_b64 + "\",\"record\":\"" +
                             b64(account_record(kAccount, other_login)) + "\"}"},
      {"account-recover", "POST /v1/accounts/" + kAccount + "/recover\n\n{\"challenge\":\"" +
                              b64(std::string(32, '\0')) + "\",\"login_public_key\":\"" +
                              login_b64 + "\",\"record\":\"" +
                              b64(account_record(kAccount, other_login)) + "\",\"signature\":\"" +
                              b64(std::string(64, '\0')) + "\"}"},
  };
  for (auto& [name, text] : seeds) {
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out << text;
    if (!out) return false;
  }
  return true;
}

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
