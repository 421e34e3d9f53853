// Agent objects (agent.h): certificates ("ZKWC"), revocations ("ZKWX"), grants ("ZKWG", binary
// and as zkwgrant_ strings) opened with the agent key of tests/vectors/agent-grant.json and as
// bearer grants, and certificate bundles opened with the vectors' collection keys. Every
// decoder sees every input. Properties: what decodes re-encodes to its exact bytes; a decoded
// certificate answers the write rules without crashing.
#include <map>

#include "fuzz_common.h"
#include "zkwiki/agent.h"

using namespace zkwiki;

ZKWIKI_FUZZ_INIT

namespace {
const AccountKeys& agent_keys() {
  static const AccountKeys k = std::move(parse_agent_secret(
      "zkwagentkey_mfrggzdfmztwq2lknnwg23tpobyxe43uov3ho6dzpj5xy7l6p6ahc4ttor2xm53ypf5hw7d5pz7ybamcqocilbuhrceyvc4mrw"
      "hi7ecy7hpie")).value();
  return k;
}
const std::map<CollectionId, Keyset>& keysets() {
  static const std::map<CollectionId, Keyset> m = [] {
    std::map<CollectionId, Keyset> out;
    auto c1 = fuzz::id_run<CollectionId>(0x20), c2 = fuzz::id_run<CollectionId>(0x21);
    Keyset k1(KeyScope::for_collection(fuzz::workspace(), c1)), k2(KeyScope::for_collection(fuzz::workspace(), c2));
    if (!k1.insert(1, Secret::from_bytes(fuzz::run(0xb0, 32)), true).ok()) std::abort();
    if (!k2.insert(2, Secret::from_bytes(fuzz::run(0xc0, 32)), true).ok()) std::abort();
    out.emplace(c1, std::move(k1));
    out.emplace(c2, std::move(k2));
    return out;
  }();
  return m;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto in = fuzz::bytes(data, size);
  auto same = [&](const std::vector<std::uint8_t>& enc) {
    return enc.size() == size && std::equal(enc.begin(), enc.end(), data);
  };
  if (auto c = AgentCertificate::decode(in); c.ok()) {
    ZKWIKI_FUZZ_CHECK(same(c->encode()));
    for (const auto& col : c->collections) {
      (void)c->covers(col);
      (void)check_agent_write(*c, nullptr, col, "agents/scribe/x.md", std::nullopt, c->not_before * 1000 + 1);
    }
    (void)c->covers_path("agents/scribe/notes.md");
  }
  if (auto r = AgentRevocation::decode(in); r.ok()) ZKWIKI_FUZZ_CHECK(same(r->encode()));
  if (auto g = Grant::decode(in); g.ok()) {
    ZKWIKI_FUZZ_CHECK(same(g->encode()));
    (void)open_grant(*g, &agent_keys());
    (void)open_grant(*g, nullptr);
    (void)Grant::parse(g->to_string());
  }
  (void)open_certificate(in, fuzz::workspace(), fuzz::id_run<GrantId>(0x40), keysets());
  return 0;
}
