#include "zkwiki/local_store.h"

#include <map>

namespace zkwiki {

struct MemoryLocalStore::Impl {
  using Table = std::map<std::string, Bytes, std::less<>>;
  std::map<std::string, Table, std::less<>> tables;
  bool in_transaction = false;
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
  auto& t = impl_->tables[std::string(table)];
  t[std::string(key)] = Bytes(value.begin(), value.end());
  return {};
}

Result<void> MemoryLocalStore::erase(std::string_view table, std::string_view key) {
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
  auto snapshot = impl_->tables;
  impl_->in_transaction = true;
  auto r = body();
  impl_->in_transaction = false;
  if (!r) impl_->tables = std::move(snapshot);
  return r;
}

}  // namespace zkwiki
