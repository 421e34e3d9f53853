// The in-memory store: the same semantics as the SQLite store, for tests. One mutex.
#include <chrono>
#include <map>
#include <set>
#include <mutex>
#include <tuple>

#include "store.h"

namespace zkwiki::server {
namespace {

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using Key2 = std::pair<std::string, std::string>;
using Key3 = std::tuple<std::string, std::string, std::string>;
using Key4 = std::tuple<std::string, std::string, std::string, std::string>;

class MemoryStore final : public Store {
 public:
  Status create_account(const Account& a) override {
    std::lock_guard lock(mu_);
    if (accounts_.count(a.id)) return Status::Err(Code::exists, "account exists");
    Account copy = a;
    copy.used_bytes = 0;
    copy.created = now_seconds();
    accounts_[a.id] = copy;
    return {};
  }
  Result<Account> get_account(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(id);
    if (it == accounts_.end()) return Status::Err(Code::not_found, "no such account");
    return it->second;
  }
  Status update_account(const std::string& id, const Bytes& pk, const Bytes& record,
                        const Bytes& keep_session) override {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(id);
    if (it == accounts_.end()) return Status::Err(Code::not_found, "no such account");
    it->second.login_public_key = pk;
    it->second.record = record;
    for (auto& [h, t] : tokens_)
      if (t.account_id == id && !t.scoped && h != keep_session) t.revoked = true;
    return {};
  }

  Status put_token(const TokenRecord& t) override {
    std::lock_guard lock(mu_);
    tokens_[t.hash] = t;
    return {};
  }
  Result<TokenRecord> find_token(const Bytes& hash) override {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(hash);
    if (it == tokens_.end()) return Status::Err(Code::not_found, "no such token");
    return it->second;
  }
  Result<std::vector<TokenRecord>> list_tokens(const std::string& account,
                                               const std::string& after, int limit) override {
    std::lock_guard lock(mu_);
    std::map<std::string, TokenRecord> sorted;
    for (auto& [h, t] : tokens_)
      if (t.scoped && t.account_id == account && t.token_id > after) sorted[t.token_id] = t;
    std::vector<TokenRecord> out;
    for (auto& [id, t] : sorted) {
      if (static_cast<int>(out.size()) >= limit) break;
      out.push_back(t);
    }
    return out;
  }
  Status revoke_token(const std::string& account, const std::string& token_id) override {
    std::lock_guard lock(mu_);
    for (auto& [h, t] : tokens_) {
      if (t.token_id == token_id && t.account_id == account) {
        t.revoked = true;
        return {};
      }
    }
    return Status::Err(Code::not_found, "no such token");
  }
  Status revoke_token_hash(const Bytes& hash) override {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(hash);
    if (it == tokens_.end()) return Status::Err(Code::not_found, "no such token");
    it->second.revoked = true;
    return {};
  }

  Result<std::int64_t> purge_tokens(std::int64_t before) override {
    std::lock_guard lock(mu_);
    std::int64_t n = 0;
    for (auto it = tokens_.begin(); it != tokens_.end();) {
      if (it->second.not_after < before) {
        it = tokens_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }

  Status create_workspace(const Workspace& w) override {
    std::lock_guard lock(mu_);
    if (workspaces_.count(w.id)) return Status::Err(Code::exists, "workspace exists");
    Workspace copy = w;
    copy.seq = 0;
    workspaces_[w.id] = copy;
    members_[{w.id, w.owner}] = Member{w.id, w.owner, "admin"};
    return {};
  }
  Result<Workspace> get_workspace(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = workspaces_.find(id);
    if (it == workspaces_.end()) return Status::Err(Code::not_found, "no such workspace");
    return it->second;
  }
  Result<std::vector<Workspace>> list_workspaces(const std::string& account,
                                                 const std::string& after, int limit) override {
    std::lock_guard lock(mu_);
    std::vector<Workspace> out;
    for (auto& [id, w] : workspaces_) {
      if (static_cast<int>(out.size()) >= limit) break;
      if (id > after && members_.count({id, account})) out.push_back(w);
    }
    return out;
  }
  Result<Member> get_member(const std::string& ws, const std::string& account) override {
    std::lock_guard lock(mu_);
    auto it = members_.find({ws, account});
    if (it == members_.end()) return Status::Err(Code::not_found, "not a member");
    return it->second;
  }
  Result<std::int64_t> put_member(const Member& m) override {
    std::lock_guard lock(mu_);
    auto w = workspaces_.find(m.workspace_id);
    if (w == workspaces_.end()) return Status::Err(Code::not_found, "no such workspace");
    members_[{m.workspace_id, m.account_id}] = m;
    return add_change(w->second, Change{0, "member", "", "", m.account_id});
  }
  Result<std::int64_t> remove_member(const std::string& ws, const std::string& account) override {
    std::lock_guard lock(mu_);
    auto w = workspaces_.find(ws);
    if (w == workspaces_.end() || !members_.erase({ws, account}))
      return Status::Err(Code::not_found, "not a member");
    return add_change(w->second, Change{0, "member", "", "", account});
  }
  Result<std::vector<Member>> list_members(const std::string& ws, const std::string& after,
                                           int limit) override {
    std::lock_guard lock(mu_);
    std::vector<Member> out;
    for (auto it = members_.upper_bound({ws, after});
         it != members_.end() && it->first.first == ws && static_cast<int>(out.size()) < limit;
         ++it)
      out.push_back(it->second);
    return out;
  }
  Result<std::int64_t> create_collection(const Collection& c) override {
    std::lock_guard lock(mu_);
    auto w = workspaces_.find(c.workspace_id);
    if (w == workspaces_.end()) return Status::Err(Code::not_found, "no such workspace");
    if (collections_.count({c.workspace_id, c.id}))
      return Status::Err(Code::exists, "collection exists");
    collections_[{c.workspace_id, c.id}] = c;
    return add_change(w->second, Change{0, "collection", c.id, "", ""});
  }
  Result<Collection> get_collection(const std::string& ws, const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = collections_.find({ws, id});
    if (it == collections_.end()) return Status::Err(Code::not_found, "no such collection");
    return it->second;
  }
  Result<std::vector<Collection>> list_collections(const std::string& ws,
                                                   const std::string& after, int limit) override {
    std::lock_guard lock(mu_);
    std::vector<Collection> out;
    for (auto it = collections_.upper_bound({ws, after});
         it != collections_.end() && it->first.first == ws &&
         static_cast<int>(out.size()) < limit;
         ++it)
      out.push_back(it->second);
    return out;
  }
  Result<TokenRecord> find_token_id(const std::string& token_id) override {
    std::lock_guard lock(mu_);
    for (auto& [h, t] : tokens_)
      if (t.token_id == token_id) return t;
    return Status::Err(Code::not_found, "no such token");
  }

  Result<std::int64_t> put_grant(const std::string& ws, const GrantRecord& g) override {
    std::lock_guard lock(mu_);
    auto w = workspaces_.find(ws);
    if (w == workspaces_.end()) return Status::Err(Code::not_found, "no such workspace");
    if (grants_.count({ws, g.grant_id})) return Status::Err(Code::exists, "grant exists");
    GrantRecord copy = g;
    copy.revocation.clear();
    copy.seq = w->second.seq + 1;
    grants_[{ws, g.grant_id}] = copy;
    return add_change(w->second, Change{0, "grant", "", "", g.grant_id});
  }
  Result<GrantRecord> get_grant(const std::string& ws, const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = grants_.find({ws, id});
    if (it == grants_.end()) return Status::Err(Code::not_found, "no such grant");
    return it->second;
  }
  Result<std::vector<GrantRecord>> list_grants(const std::string& ws, const std::string& after,
                                               int limit) override {
    std::lock_guard lock(mu_);
    std::vector<GrantRecord> out;
    for (auto it = grants_.upper_bound({ws, after});
         it != grants_.end() && it->first.first == ws && static_cast<int>(out.size()) < limit; ++it)
      out.push_back(it->second);
    return out;
  }
  Result<std::int64_t> revoke_grant(const std::string& ws, const std::string& id,
                                    const Bytes& revocation) override {
    std::lock_guard lock(mu_);
    auto w = workspaces_.find(ws);
    auto it = grants_.find({ws, id});
    if (w == workspaces_.end() || it == grants_.end()) return Status::Err(Code::not_found, "no such grant");
    it->second.revocation = revocation;
    it->second.seq = w->second.seq + 1;
    for (auto& [h, t] : tokens_)
      if (t.token_id == id && t.scoped) t.revoked = true;
    return add_change(w->second, Change{0, "grant", "", "", id});
  }

  Result<std::int64_t> put_wrapped_key(const std::string& ws, const std::string& coll,
                                       const WrappedKey& k) override {
    std::lock_guard lock(mu_);
    auto w = workspaces_.find(ws);
    if (w == workspaces_.end()) return Status::Err(Code::not_found, "no such workspace");
    if (!collections_.count({ws, coll})) return Status::Err(Code::not_found, "no such collection");
    keys_[{ws, coll, k.account_id, k.generation}] = k;
    return add_change(w->second,
                      Change{0, "key", coll, "", k.account_id + ":" + std::to_string(k.generation)});
  }
  Result<std::vector<WrappedKey>> list_wrapped_keys(const std::string& ws, const std::string& coll,
                                                    const std::string& account) override {
    std::lock_guard lock(mu_);
    std::vector<WrappedKey> out;
    for (auto& [k, v] : keys_) {
      if (std::get<0>(k) == ws && std::get<1>(k) == coll &&
          (account.empty() || std::get<2>(k) == account))
        out.push_back(v);
    }
    return out;
  }

  Result<Head> get_head(const std::string& ws, const std::string& coll,
                        const std::string& page) override {
    std::lock_guard lock(mu_);
    auto it = heads_.find({ws, coll, page});
    if (it == heads_.end()) return Status::Err(Code::not_found, "no such page");
    return it->second;
  }
  Result<std::vector<Head>> list_heads(const std::string& ws, const std::string& coll,
                                       const std::string& after, int limit) override {
    std::lock_guard lock(mu_);
    std::vector<Head> out;
    for (auto it = heads_.upper_bound({ws, coll, after});
         it != heads_.end() && std::get<0>(it->first) == ws && std::get<1>(it->first) == coll &&
         static_cast<int>(out.size()) < limit;
         ++it)
      out.push_back(it->second);
    return out;
  }
  Result<CasResult> cas_head(const std::string& ws, const std::string& coll,
                             const std::string& page, const std::optional<std::string>& expected,
                             const std::string& revision, const Bytes& record,
                             const Charge& charge) override {
    std::lock_guard lock(mu_);
    auto w = workspaces_.find(ws);
    if (w == workspaces_.end()) return Status::Err(Code::not_found, "no such workspace");
    if (!collections_.count({ws, coll})) return Status::Err(Code::not_found, "no such collection");
    auto it = heads_.find({ws, coll, page});
    const bool matches = expected ? (it != heads_.end() && it->second.revision == *expected)
                                  : (it == heads_.end());
    if (!matches) {
      Result<CasResult> r(Status::Err(Code::conflict, "head changed"));
      if (it != heads_.end()) r.value.current = it->second;
      return r;
    }
    auto acc = accounts_.find(charge.account_id);
    if (acc == accounts_.end()) return Status::Err(Code::not_found, "no such account");
    if (revisions_.count({ws, coll, page, revision}))
      return Status::Err(Code::exists, "the page already has this revision");
    const auto cost = static_cast<std::int64_t>(record.size());
    if (charge.quota > 0 && acc->second.used_bytes + cost > charge.quota)
      return Status::Err(Code::quota, "storage quota exceeded");
    acc->second.used_bytes += cost;
    const std::int64_t seq = add_change(w->second, Change{0, "page", coll, page, revision});
    revisions_[{ws, coll, page, revision}] = Revision{revision, record, seq};
    CasResult out;
    out.created = it == heads_.end();
    out.seq = seq;
    heads_[{ws, coll, page}] = Head{page, revision, seq};
    return out;
  }
  Result<std::vector<CreatedPage>> create_pages(const std::string& ws, const std::string& coll,
                                                const std::vector<NewPage>& pages,
                                                const Charge& charge) override {
    std::lock_guard lock(mu_);
    auto w = workspaces_.find(ws);
    if (w == workspaces_.end()) return Status::Err(Code::not_found, "no such workspace");
    if (!collections_.count({ws, coll})) return Status::Err(Code::not_found, "no such collection");
    auto acc = accounts_.find(charge.account_id);
    if (acc == accounts_.end()) return Status::Err(Code::not_found, "no such account");
    // First pass: what would be written and what it costs, so that a batch over quota changes
    // nothing.
    std::vector<CreatedPage> out(pages.size());
    std::set<std::string> new_blobs, new_pages;
    std::int64_t cost = 0;
    for (std::size_t i = 0; i < pages.size(); ++i) {
      const NewPage& p = pages[i];
      if (auto it = heads_.find({ws, coll, p.page}); it != heads_.end()) {
        out[i].current = it->second;
        continue;
      }
      if (!new_pages.insert(p.page).second) continue;  // twice in one batch: the first wins
      out[i].created = true;
      cost += static_cast<std::int64_t>(p.record.size());
      if (!blob_refs_.count({ws, p.blob_id}) && new_blobs.insert(p.blob_id).second)
        cost += static_cast<std::int64_t>(p.blob.size());
    }
    if (charge.quota > 0 && acc->second.used_bytes + cost > charge.quota)
      return Status::Err(Code::quota, "storage quota exceeded");
    acc->second.used_bytes += cost;
    for (std::size_t i = 0; i < pages.size(); ++i) {
      if (!out[i].created) continue;
      const NewPage& p = pages[i];
      if (blob_refs_.insert({ws, p.blob_id}).second) blobs_.emplace(p.blob_id, p.blob);
      out[i].seq = add_change(w->second, Change{0, "page", coll, p.page, p.revision});
      revisions_[{ws, coll, p.page, p.revision}] = Revision{p.revision, p.record, out[i].seq};
      heads_[{ws, coll, p.page}] = Head{p.page, p.revision, out[i].seq};
    }
    for (std::size_t i = 0; i < pages.size(); ++i)
      if (!out[i].created && !out[i].current) out[i].current = heads_.at({ws, coll, pages[i].page});
    return out;
  }
  Result<Revision> get_revision(const std::string& ws, const std::string& coll,
                                const std::string& page, const std::string& revision) override {
    std::lock_guard lock(mu_);
    auto it = revisions_.find({ws, coll, page, revision});
    if (it == revisions_.end()) return Status::Err(Code::not_found, "no such revision");
    return it->second;
  }
  Result<std::vector<Revision>> list_revisions(const std::string& ws, const std::string& coll,
                                               const std::string& page, std::int64_t after_seq,
                                               int limit) override {
    std::lock_guard lock(mu_);
    std::map<std::int64_t, Revision> by_seq;
    for (auto it = revisions_.lower_bound({ws, coll, page, ""});
         it != revisions_.end() && std::get<0>(it->first) == ws &&
         std::get<1>(it->first) == coll && std::get<2>(it->first) == page;
         ++it) {
      if (it->second.seq > after_seq) by_seq[it->second.seq] = Revision{it->second.revision, {}, it->second.seq};
    }
    std::vector<Revision> out;
    for (auto& [s, r] : by_seq) {
      if (static_cast<int>(out.size()) >= limit) break;
      out.push_back(r);
    }
    return out;
  }
  Result<std::vector<Change>> changes(const std::string& ws, std::int64_t since,
                                      int limit) override {
    std::lock_guard lock(mu_);
    std::vector<Change> out;
    for (auto it = changes_.upper_bound({ws, since});
         it != changes_.end() && it->first.first == ws && static_cast<int>(out.size()) < limit;
         ++it)
      out.push_back(it->second);
    return out;
  }

  Result<bool> put_blob(const std::string& ws, const std::string& id, const Bytes& data,
                        const Charge& charge) override {
    std::lock_guard lock(mu_);
    if (!workspaces_.count(ws)) return Status::Err(Code::not_found, "no such workspace");
    if (blob_refs_.count({ws, id})) return false;
    auto acc = accounts_.find(charge.account_id);
    if (acc == accounts_.end()) return Status::Err(Code::not_found, "no such account");
    const auto cost = static_cast<std::int64_t>(data.size());
    if (charge.quota > 0 && acc->second.used_bytes + cost > charge.quota)
      return Status::Err(Code::quota, "storage quota exceeded");
    acc->second.used_bytes += cost;
    blobs_.emplace(id, data);
    blob_refs_.insert({ws, id});
    return true;
  }
  Result<Bytes> get_blob(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = blobs_.find(id);
    if (it == blobs_.end()) return Status::Err(Code::not_found, "no such blob");
    return it->second;
  }
  Result<std::int64_t> blob_size(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = blobs_.find(id);
    if (it == blobs_.end()) return Status::Err(Code::not_found, "no such blob");
    return static_cast<std::int64_t>(it->second.size());
  }

  Status ping() override { return {}; }
  Status integrity_check() override { return {}; }

 private:
  // REQUIRES: mu_ held.
  std::int64_t add_change(Workspace& w, Change c) {
    c.seq = ++w.seq;
    changes_[{w.id, c.seq}] = c;
    return c.seq;
  }

  std::mutex mu_;
  std::map<std::string, Account> accounts_;
  std::map<Bytes, TokenRecord> tokens_;
  std::map<std::string, Workspace> workspaces_;
  std::map<Key2, Member> members_;
  std::map<Key2, Collection> collections_;
  std::map<std::tuple<std::string, std::string, std::string, std::int64_t>, WrappedKey> keys_;
  std::map<Key2, GrantRecord> grants_;
  std::map<Key3, Head> heads_;
  std::map<Key4, Revision> revisions_;
  std::map<std::pair<std::string, std::int64_t>, Change> changes_;
  std::map<std::string, Bytes> blobs_;
  std::set<Key2> blob_refs_;
};

}  // namespace

std::unique_ptr<Store> make_memory_store() { return std::make_unique<MemoryStore>(); }

}  // namespace zkwiki::server
