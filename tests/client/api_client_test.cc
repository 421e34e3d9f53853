// The SDK's API client against a real zkwiki-server: the whole path of a page from sealing on
// one device to opening on another, with the server holding only ciphertext.
#include <gtest/gtest.h>

#include "client.h"
#include "support/fixtures.h"
#include "zkwiki/api_client.h"
#include "zkwiki/envelope.h"
#include "zkwiki/http_transport.h"
#include "zkwiki/page.h"
#include "zkwiki/workspace_record.h"

namespace zkwiki {
namespace {

class ApiClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start(dir_.path(), {"--memory"})) << server_.error();
    auto t = HttpTransport::connect_to("http://127.0.0.1:" + std::to_string(server_.port()));
    ASSERT_TRUE(t.ok());
    transport_ = std::move(t).value();
    api_ = std::make_unique<ApiClient>(*transport_);
    auto a = create_account("passphrase", test::fast_kdf_params(), test::fast_kdf_policy());
    ASSERT_TRUE(a.ok());
    account_ = std::make_unique<NewAccount>(std::move(a).value());
    ASSERT_TRUE(api_->create_account(account_->record).ok());
    auto s = api_->login(account_->record.id, account_->login);
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_TRUE(api_->create_workspace(ws_, sign_workspace_record(ws_, CollectionId::random(), account_->keys).encode()).ok());
    ASSERT_TRUE(api_->create_collection(ws_, coll_, std::vector<std::uint8_t>{4, 5}).ok());
  }

  // Seals `text` as revision `rev` of `page_`, uploads the envelope, returns the signed record.
  RevisionRecord write_revision(const std::string& text, std::uint64_t rev, const Hash256& parent) {
    EnvelopeContext ctx{ContentKind::page_revision, ws_, coll_, page_, rev, parent};
    auto plain = encode_page(PageContent{{"notes/today.md", "Today", {}, 0, 0, {}, false}, text});
    auto env = seal_envelope(ctx, keyset_, *plain);
    EXPECT_TRUE(env.ok());
    EXPECT_TRUE(api_->put_blob(ws_, *env).ok());
    return sign_revision(ctx, *env, account_->keys.public_keys.ed25519, account_->keys.ed25519_secret);
  }

  test::TempDir dir_;
  test::ServerProcess server_;
  std::unique_ptr<HttpTransport> transport_;
  std::unique_ptr<ApiClient> api_;
  std::unique_ptr<NewAccount> account_;
  WorkspaceId ws_ = WorkspaceId::random();
  CollectionId coll_ = CollectionId::random();
  PageId page_ = PageId::random();
  Keyset keyset_ = Keyset::create(KeyScope::for_collection(ws_, coll_));
};

TEST_F(ApiClientTest, AccountRecordComesBackIntactAndUnlocks) {
  auto rec = api_->get_account(account_->record.id);
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_EQ(rec->encode(), account_->record.encode());
  EXPECT_TRUE(unlock_account(*rec, "passphrase", test::fast_kdf_policy()).ok());
}

TEST_F(ApiClientTest, WrappedKeysRoundTripThroughTheServer) {
  auto wrapped = wrap_generation(keyset_, 1, account_->keys.public_keys, account_->keys);
  ASSERT_TRUE(wrapped.ok());
  ASSERT_TRUE(api_->put_wrapped_key(ws_, coll_, account_->record.id, 1, *wrapped).ok());
  auto keys = api_->list_wrapped_keys(ws_, coll_);
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 1u);
  auto u = unwrap_generation((*keys)[0].wrapped, keyset_.scope(), account_->keys);
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->key.equals(*keyset_.find(1)));
}

TEST_F(ApiClientTest, PageWriteReadAndCompareAndSwap) {
  auto r1 = write_revision("first version\n", 1, Hash256{});
  auto put1 = api_->put_head(ws_, coll_, page_, r1.encode(), std::nullopt);
  ASSERT_TRUE(put1.ok()) << put1.error().message;
  EXPECT_TRUE(put1->accepted);

  // A second creator loses and is told the current head.
  auto other = write_revision("competing first version\n", 1, Hash256{});
  auto lost = api_->put_head(ws_, coll_, page_, other.encode(), std::nullopt);
  ASSERT_TRUE(lost.ok());
  EXPECT_FALSE(lost->accepted);
  ASSERT_TRUE(lost->current.has_value());
  EXPECT_EQ(*lost->current, r1.hash());

  auto r2 = write_revision("second version\n", 2, r1.hash());
  auto put2 = api_->put_head(ws_, coll_, page_, r2.encode(), r1.hash());
  ASSERT_TRUE(put2.ok());
  EXPECT_TRUE(put2->accepted);
  EXPECT_GT(put2->seq, put1->seq);
  auto stale = api_->put_head(ws_, coll_, page_, write_revision("stale\n", 2, r1.hash()).encode(), r1.hash());
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(stale->accepted);
  EXPECT_EQ(*stale->current, r2.hash());

  // Another device: head -> record -> blob -> plaintext.
  auto head = api_->get_head(ws_, coll_, page_);
  ASSERT_TRUE(head.ok());
  auto rec = RevisionRecord::decode(head->record);
  ASSERT_TRUE(rec.ok());
  ASSERT_TRUE(verify_chain(r1, *rec).ok());
  auto blob = api_->get_blob(rec->envelope_id);
  ASSERT_TRUE(blob.ok());
  ASSERT_TRUE(verify_envelope(*rec, *blob).ok());
  auto plain = open_envelope(rec->envelope_context(), keyset_, *blob);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(decode_page(*plain)->body, "second version\n");

  auto history = api_->list_revisions(ws_, coll_, page_);
  ASSERT_TRUE(history.ok()) << history.error().message;
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0], r1.hash());
  auto old = api_->get_revision(ws_, coll_, page_, r1.hash());
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, r1.encode());
}

TEST_F(ApiClientTest, ChangeFeedListsWritesInOrder) {
  auto r1 = write_revision("a\n", 1, Hash256{});
  ASSERT_TRUE(api_->put_head(ws_, coll_, page_, r1.encode(), std::nullopt)->accepted);
  auto r2 = write_revision("b\n", 2, r1.hash());
  ASSERT_TRUE(api_->put_head(ws_, coll_, page_, r2.encode(), r1.hash())->accepted);
  auto feed = api_->changes(ws_, 0);
  ASSERT_TRUE(feed.ok()) << feed.error().message;
  std::vector<Hash256> pages;
  std::uint64_t last = 0;
  for (const auto& c : feed->changes) {
    EXPECT_GT(c.seq, last);
    last = c.seq;
    if (c.kind == "page") pages.push_back(c.revision);
  }
  EXPECT_EQ(pages, (std::vector<Hash256>{r1.hash(), r2.hash()}));
  auto rest = api_->changes(ws_, feed->next);
  ASSERT_TRUE(rest.ok());
  EXPECT_TRUE(rest->changes.empty());
}

TEST_F(ApiClientTest, BatchFetchReturnsPresentAndMissingBlobs) {
  std::vector<Hash256> ids;
  for (int i = 0; i < 5; ++i) {
    std::vector<std::uint8_t> b(1000 + i, static_cast<std::uint8_t>(i));
    auto id = api_->put_blob(ws_, b);
    ASSERT_TRUE(id.ok());
    ids.push_back(*id);
  }
  ids.push_back(Hash256::random());
  auto got = api_->get_blobs(ids);
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_EQ(got->size(), 6u);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*got)[i].has_value());
    EXPECT_EQ((*got)[i]->size(), 1000u + i);
  }
  EXPECT_FALSE((*got)[5].has_value());
}

TEST_F(ApiClientTest, LogoutEndsTheSession) {
  ASSERT_TRUE(api_->logout().ok());
  api_->set_token("zks_" + std::string(64, '0'));
  auto r = api_->list_workspaces();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::expired);
}

TEST_F(ApiClientTest, WrongLoginKeyIsRefused) {
  auto other = primitives::ed25519_from_seed(Secret::random(32));
  auto s = api_->login(account_->record.id, other);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::expired);  // 401 login_failed
  EXPECT_NE(s.error().message.find("login_failed"), std::string::npos);
}

// A transport that corrupts what the server says, as a malicious server or cache would.
class FlippingTransport final : public Transport {
 public:
  explicit FlippingTransport(Transport& inner) : inner_(inner) {}
  Result<HttpResponse> send(const HttpRequest& request) override {
    auto r = inner_.send(request);
    if (r.ok() && flip_ && !r->body.empty() && request.target.rfind("/v1/blobs", 0) == 0) r->body[r->body.size() / 2] ^= 1;
    return r;
  }
  bool flip_ = false;

 private:
  Transport& inner_;
};

TEST_F(ApiClientTest, TamperedBlobsAreDetectedByHash) {
  std::vector<std::uint8_t> b(5000, 7);
  auto id = api_->put_blob(ws_, b);
  ASSERT_TRUE(id.ok());
  FlippingTransport evil(*transport_);
  ApiClient via_evil(evil);
  evil.flip_ = true;
  auto got = via_evil.get_blob(*id);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::auth_failed);
  auto batch = via_evil.get_blobs(std::vector<Hash256>{*id});
  ASSERT_FALSE(batch.ok());
}

}  // namespace
}  // namespace zkwiki
