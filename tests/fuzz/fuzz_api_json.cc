// The client's side of the API (api_client.h): every JSON (and batch-framed) answer a hostile
// server can give. Input: one byte choosing the status, then the body every call receives.
// Each read call of ApiClient parses it. The transport refuses after 32 calls of one method
// so that paging ends (a server that repeats a cursor is bounded by the caller's loop).
// Property: no crash, no exception, no error without a message.
#include "fuzz_common.h"
#include "zkwiki/api_client.h"
#include "zkwiki/primitives.h"

using namespace zkwiki;

ZKWIKI_FUZZ_INIT

namespace {
class Canned final : public Transport {
 public:
  Canned(int status, std::string body) : status_(status), body_(std::move(body)) {}
  Result<HttpResponse> send(const HttpRequest&) override {
    if (++calls_ > 32) return make_error(Errc::io, "fuzz: enough");
    HttpResponse r;
    r.status = status_;
    r.headers = {{"content-type", "application/json"}, {"etag", "\"" + std::string(64, 'a') + "\""}};
    r.body = body_;
    return r;
  }
  void reset() { calls_ = 0; }

 private:
  int status_;
  std::string body_;
  int calls_ = 0;
};

template <class T>
void check(const Result<T>& r) {
  if (!r.ok()) ZKWIKI_FUZZ_CHECK(!r.error().message.empty());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const int kStatuses[] = {200, 201, 204, 304, 400, 401, 404, 409, 412, 413, 429, 500, 507};
  Canned net(kStatuses[data[0] % (sizeof kStatuses / sizeof kStatuses[0])], std::string(fuzz::text(data + 1, size - 1)));
  ApiClient api(net);
  const WorkspaceId ws = fuzz::workspace();
  const CollectionId c = fuzz::collection();
  const PageId p = fuzz::page();
  const Hash256 h = fuzz::id_run<Hash256>(0x40);
  const AccountId a = fuzz::id_run<AccountId>(0x50);
  auto step = [&](auto&& r) {
    check(r);
    net.reset();
  };
  step(api.get_account(a));
  static const auto login_key = primitives::ed25519_from_seed(Secret::from_bytes(fuzz::run(0x11, 32)));
  step(api.login(a, login_key));
  step(api.get_workspace_record(ws));
  step(api.list_workspaces());
  step(api.list_collections(ws));
  step(api.list_wrapped_keys(ws, c));
  step(api.get_head(ws, c, p));
  step(api.put_head(ws, c, p, fuzz::run(0, 16), h));
  step(api.list_revisions(ws, c, p));
  step(api.get_revision(ws, c, p, h));
  step(api.list_pages(ws, c));
  step(api.changes(ws, 0));
  step(api.list_members(ws));
  step(api.list_tokens());
  step(api.list_grants(ws));
  step(api.get_blob(h));
  std::vector<Hash256> ids{h, fuzz::id_run<Hash256>(0x41)};
  step(api.get_blobs(ids));
  step(api.put_blob(ws, fuzz::run(0, 8)));
  return 0;
}
