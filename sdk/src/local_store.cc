#include "zkwiki/local_store.h"

#include <map>
#include <optional>
#include <utility>

namespace zkwiki {

struct MemoryLocalStore::Impl {
  using Table = std::map<std::string, Bytes, std::less<>>;
  std::map<std::string, Table, std::less<>> tables;
  bool in_transaction = false;
  // In a transaction: the value each touched entry had before it (nullopt: absent), first
  // touch only, so a rollback costs what the transaction wrote rather than a copy of the store.
  std::map<std::pair<std::string, std::string>, std::optional<Bytes>> undo;

  void remember(std::string_view table, std::string_view key) {
    if (!in_transaction) return;
    auto k = std::make_pair(std::string(table), std::string(key));
    if (undo.contains(k)) return;
    std::optional<Bytes> before;
    if (auto t = tables.find(table); t != tables.end())
      if (auto it = t->second.find(key); it != t->second.end()) before = it->second;
    undo.emplace(std::move(k), std::move(before));
  }
};

MemoryLocalStore::MemoryLocalStore() : impl_(std::make_unique<Impl>()) {}
MemoryLocalStore::~MemoryLocalStore() = default;

Result<std::optional<LocalStore::Bytes>> MemoryLocalStore::get(std::string_view table, std::string_view key) {
  auto t = impl_->tables.find(table);
  if (t == impl_->tables.end()) return std::optional<Bytes>{};
  auto it = t->second.find(key);
  if (it == t->second.end()) return std::optional<Bytes>{};
  return std::optional<Bytes>(it->second);
}

Result<void> MemoryLocalStore::put(std::string_view table, std::string_view key, std::span<const std::uint8_t> value) {
  impl_->remember(table, key);
  auto& t = impl_->tables[std::string(table)];
  t[std::string(key)] = Bytes(value.begin(), value.end());
  return {};
}

Result<void> MemoryLocalStore::erase(std::string_view table, std::string_view key) {
  impl_->remember(table, key);
  auto t = impl_->tables.find(table);
  if (t != impl_->tables.end()) {
    auto it = t->second.find(key);
    if (it != t->second.end()) t->second.erase(it);
  }
  return {};
}

Result<std::vector<std::pair<std::string, LocalStore::Bytes>>> MemoryLocalStore::scan(std::string_view table,
                                                                                      std::string_view prefix) {
  std::vector<std::pair<std::string, Bytes>> out;
  auto t = impl_->tables.find(table);
  if (t == impl_->tables.end()) return out;
  for (auto it = t->second.lower_bound(prefix); it != t->second.end() && it->first.starts_with(prefix); ++it)
    out.emplace_back(it->first, it->second);
  return out;
}

Result<void> MemoryLocalStore::transaction(const std::function<Result<void>()>& body) {
  if (impl_->in_transaction) return make_error(Errc::invalid_argument, "LocalStore transactions do not nest");
  impl_->undo.clear();
  impl_->in_transaction = true;
  auto r = body();
  impl_->in_transaction = false;
  if (!r) {
    for (auto& [k, before] : impl_->undo) {
      auto& t = impl_->tables[k.first];
      if (before) t[k.second] = std::move(*before);
      else t.erase(k.second);
    }
  }
  impl_->undo.clear();
  return r;
}

}  // namespace zkwiki
