#include "js_bridge.h"

#include <emscripten.h>

#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "zkwiki/secret.h"

// ---- the JS side of the imports ----
//
// (No array destructuring in these bodies: Emscripten 3.1.6 mangles "[a, b]" patterns in EM_JS.)
// Buffers handed back to C++ are allocated with zkw_alloc (malloc) and freed by the caller.
// Layouts (little-endian u32 lengths):
//   response: u32 status, u32 header count, (u32 len, name, u32 len, value)*, body
//   entries:  (u32 len, table, u32 len, key, u32 len, value)*
//   ops:      (u8 put?1:0, u32 len, table, u32 len, key, [u32 len, value])*
//   error:    UTF-8 message


EM_ASYNC_JS(int, zkw_js_send,
            (int id, const char* meta, std::size_t meta_len, const std::uint8_t* body, std::size_t body_len,
             std::uint8_t** out, std::size_t* out_len),
            {
  const put = (bytes) => {
    const p = _zkw_alloc(bytes.length || 1);
    HEAPU8.set(bytes, p);
    HEAPU32[out >> 2] = p;
    HEAPU32[out_len >> 2] = bytes.length;
  };
  const m = JSON.parse(UTF8ToString(meta, meta_len));
  const request = {method : m.method, target : m.target, headers : m.headers, body : HEAPU8.slice(body, body + body_len)};
  let res;
  try {
    const t = Module['zkwObjects'].get(id);
    if (!t) throw new Error('no transport ' + id);
    res = await t.send(request);
  } catch (e) {
    put(new TextEncoder().encode(String((e && e.message) || e)));
    return 1;
  }
  const enc = new TextEncoder();
  const hs = (res.headers || []).map(function(h) { return [ enc.encode(String(h[0]).toLowerCase()), enc.encode(String(h[1])) ]; });
  const resBody = res.body instanceof Uint8Array ? res.body : new Uint8Array(res.body || 0);
  let n = 8 + resBody.length;
  for (const h of hs) n += 8 + h[0].length + h[1].length;
  const buf = new Uint8Array(n);
  const dv = new DataView(buf.buffer);
  dv.setUint32(0, res.status >>> 0, true);
  dv.setUint32(4, hs.length, true);
  let o = 8;
  for (const h of hs) {
    for (const b of h) { dv.setUint32(o, b.length, true); buf.set(b, o + 4); o += 4 + b.length; }
  }
  buf.set(resBody, o);
  put(buf);
  return 0;
});

EM_ASYNC_JS(int, zkw_js_store_load, (int id, std::uint8_t** out, std::size_t* out_len), {
  const put = (bytes) => {
    const p = _zkw_alloc(bytes.length || 1);
    HEAPU8.set(bytes, p);
    HEAPU32[out >> 2] = p;
    HEAPU32[out_len >> 2] = bytes.length;
  };
  let entries;
  try {
    const s = Module['zkwObjects'].get(id);
    if (!s) throw new Error('no store ' + id);
    entries = await s.load();
  } catch (e) {
    put(new TextEncoder().encode(String((e && e.message) || e)));
    return 1;
  }
  const enc = new TextEncoder();
  const parts = [];
  let n = 0;
  for (const e of entries) {
    const tb = enc.encode(e[0]);
    parts.push(tb, e[1], e[2]);
    n += 12 + tb.length + e[1].length + e[2].length;
  }
  const buf = new Uint8Array(n);
  const dv = new DataView(buf.buffer);
  let o = 0;
  for (const p of parts) { dv.setUint32(o, p.length, true); buf.set(p, o + 4); o += 4 + p.length; }
  put(buf);
  return 0;
});

EM_ASYNC_JS(int, zkw_js_store_commit,
            (int id, const std::uint8_t* ops, std::size_t ops_len, std::uint8_t** out, std::size_t* out_len), {
  const bytes = HEAPU8.slice(ops, ops + ops_len);
  const dv = new DataView(bytes.buffer);
  const dec = new TextDecoder();
  const list = [];
  let o = 0;
  const take = () => { const n = dv.getUint32(o, true); const b = bytes.subarray(o + 4, o + 4 + n); o += 4 + n; return b; };
  while (o < bytes.length) {
    const isPut = bytes[o++] === 1;
    const t = dec.decode(take());
    const k = take();
    list.push([ t, k, isPut ? take() : null ]);
  }
  try {
    const s = Module['zkwObjects'].get(id);
    if (!s) throw new Error('no store ' + id);
    await s.commit(list);
  } catch (e) {
    const m = new TextEncoder().encode(String((e && e.message) || e));
    const p = _zkw_alloc(m.length || 1);
    HEAPU8.set(m, p);
    HEAPU32[out >> 2] = p;
    HEAPU32[out_len >> 2] = m.length;
    return 1;
  }
  return 0;
});

// Asks transport `id` for a transport to `url` (its optional forUrl(url)); registers it and
// returns its id, or 0 for none. Synchronous: forUrl only builds an object.
EM_JS(int, zkw_js_transport_for, (int id, const char* url, std::size_t url_len), {
  const t = Module['zkwObjects'].get(id);
  if (!t || typeof t.forUrl !== 'function') return 0;
  let u = null;
  try { u = t.forUrl(UTF8ToString(url, url_len)); } catch (e) { return 0; }
  if (!u || typeof u.send !== 'function') return 0;
  return Module['zkwRegister'](u);
});

EM_JS(void, zkw_js_release, (int id), { Module['zkwObjects'].delete(id); });

namespace zkwiki::wasm {
namespace {

// A buffer handed back by JS; freed (and wiped: it may hold sealed entries or responses) on scope exit.
struct JsBuffer {
  std::uint8_t* data = nullptr;
  std::size_t size = 0;
  ~JsBuffer() {
    if (data != nullptr) {
      wipe({data, size});
      std::free(data);
    }
  }
  std::string text() const { return std::string(reinterpret_cast<const char*>(data), size); }
};

class Reader {
 public:
  Reader(const std::uint8_t* p, std::size_t n) : p_(p), n_(n) {}
  bool done() const { return pos_ >= n_; }
  bool u32(std::uint32_t& v) {
    if (n_ - pos_ < 4) return false;
    v = std::uint32_t{p_[pos_]} | std::uint32_t{p_[pos_ + 1]} << 8 | std::uint32_t{p_[pos_ + 2]} << 16 |
        std::uint32_t{p_[pos_ + 3]} << 24;
    pos_ += 4;
    return true;
  }
  bool bytes(std::string& s) {
    std::uint32_t len = 0;
    if (!u32(len) || n_ - pos_ < len) return false;
    s.assign(reinterpret_cast<const char*>(p_ + pos_), len);
    pos_ += len;
    return true;
  }
  std::string rest() {
    std::string s(reinterpret_cast<const char*>(p_ + pos_), n_ - pos_);
    pos_ = n_;
    return s;
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_, pos_ = 0;
};

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_bytes(std::vector<std::uint8_t>& out, std::string_view s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

}  // namespace

JsTransport::~JsTransport() {
  if (owned_) zkw_js_release(js_id_);
}

std::unique_ptr<JsTransport> JsTransport::for_url(std::string_view url) const {
  int id = zkw_js_transport_for(js_id_, url.data(), url.size());
  if (id == 0) return nullptr;
  return std::unique_ptr<JsTransport>(new JsTransport(id, true));
}

Result<HttpResponse> JsTransport::send(const HttpRequest& request) {
  nlohmann::json headers = nlohmann::json::array();
  for (const auto& [k, v] : request.headers) headers.push_back({k, v});
  nlohmann::json meta = {{"method", request.method}, {"target", request.target}, {"headers", headers}};
  std::string m = meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  JsBuffer out;
  int rc = zkw_js_send(js_id_, m.data(), m.size(), reinterpret_cast<const std::uint8_t*>(request.body.data()),
                       request.body.size(), &out.data, &out.size);
  if (rc != 0) return make_error(Errc::io, request.method + " " + request.target + ": " + out.text());
  Reader r(out.data, out.size);
  HttpResponse res;
  std::uint32_t status = 0, count = 0;
  if (!r.u32(status) || !r.u32(count)) return make_error(Errc::internal, "transport: short response from JS");
  res.status = static_cast<int>(status);
  for (std::uint32_t i = 0; i < count; ++i) {
    std::string k, v;
    if (!r.bytes(k) || !r.bytes(v)) return make_error(Errc::internal, "transport: bad headers from JS");
    res.headers.emplace_back(std::move(k), std::move(v));
  }
  res.body = r.rest();
  return res;
}

Result<void> JsLocalStore::ensure_loaded() {
  if (loaded_ || js_id_ == 0) {
    loaded_ = true;
    return {};
  }
  JsBuffer out;
  if (zkw_js_store_load(js_id_, &out.data, &out.size) != 0)
    return make_error(Errc::io, "local store: load failed: " + out.text());
  Reader r(out.data, out.size);
  while (!r.done()) {
    std::string t, k, v;
    if (!r.bytes(t) || !r.bytes(k) || !r.bytes(v)) return make_error(Errc::io, "local store: load returned bad entries");
    tables_[t][k] = Bytes(v.begin(), v.end());
  }
  loaded_ = true;
  return {};
}

Result<void> JsLocalStore::commit(const std::vector<Op>& ops) {
  if (js_id_ == 0 || ops.empty()) return {};
  std::vector<std::uint8_t> buf;
  for (const Op& op : ops) {
    buf.push_back(op.value ? 1 : 0);
    put_bytes(buf, op.table);
    put_bytes(buf, op.key);
    if (op.value)
      put_bytes(buf, std::string_view(reinterpret_cast<const char*>(op.value->data()), op.value->size()));
  }
  JsBuffer out;
  if (zkw_js_store_commit(js_id_, buf.data(), buf.size(), &out.data, &out.size) != 0)
    return make_error(Errc::io, "local store: commit failed: " + out.text());
  return {};
}

void JsLocalStore::apply(const Op& op, std::vector<Op>* undo) {
  auto& table = tables_[op.table];
  auto it = table.find(op.key);
  if (undo != nullptr) {
    Op before{op.table, op.key, std::nullopt};
    if (it != table.end()) before.value = it->second;
    undo->push_back(std::move(before));
  }
  if (op.value) {
    if (it != table.end()) it->second = *op.value;
    else table.emplace(op.key, *op.value);
  } else if (it != table.end()) {
    table.erase(it);
  }
}

Result<void> JsLocalStore::write(Op op) {
  ZKWIKI_TRY(ensure_loaded());
  if (in_transaction_) {
    apply(op, &undo_);
    pending_.push_back(std::move(op));
    return {};
  }
  std::vector<Op> one;
  one.push_back(std::move(op));
  ZKWIKI_TRY(commit(one));  // durable first, then visible
  apply(one.front(), nullptr);
  return {};
}

Result<void> JsLocalStore::bind(std::int32_t js_id) {
  if (js_id_ != 0) return make_error(Errc::invalid_argument, "local store: already bound");
  if (js_id == 0) return make_error(Errc::invalid_argument, "local store: no store to bind to");
  std::vector<Op> all;
  for (const auto& [t, table] : tables_)
    for (const auto& [k, v] : table) all.push_back(Op{t, k, v});
  js_id_ = js_id;
  auto r = commit(all);
  if (!r) js_id_ = 0;
  return r;
}

Result<std::optional<LocalStore::Bytes>> JsLocalStore::get(std::string_view table, std::string_view key) {
  ZKWIKI_TRY(ensure_loaded());
  auto t = tables_.find(table);
  if (t == tables_.end()) return std::optional<Bytes>{};
  auto it = t->second.find(key);
  if (it == t->second.end()) return std::optional<Bytes>{};
  return std::optional<Bytes>(it->second);
}

Result<void> JsLocalStore::put(std::string_view table, std::string_view key, std::span<const std::uint8_t> value) {
  return write(Op{std::string(table), std::string(key), Bytes(value.begin(), value.end())});
}

Result<void> JsLocalStore::erase(std::string_view table, std::string_view key) {
  return write(Op{std::string(table), std::string(key), std::nullopt});
}

Result<std::vector<std::pair<std::string, LocalStore::Bytes>>> JsLocalStore::scan(std::string_view table,
                                                                                  std::string_view prefix) {
  ZKWIKI_TRY(ensure_loaded());
  std::vector<std::pair<std::string, Bytes>> out;
  auto t = tables_.find(table);
  if (t == tables_.end()) return out;
  for (auto it = t->second.lower_bound(prefix); it != t->second.end() && it->first.starts_with(prefix); ++it)
    out.emplace_back(it->first, it->second);
  return out;
}

Result<void> JsLocalStore::transaction(const std::function<Result<void>()>& body) {
  if (in_transaction_) return make_error(Errc::invalid_argument, "LocalStore transactions do not nest");
  ZKWIKI_TRY(ensure_loaded());
  in_transaction_ = true;
  pending_.clear();
  undo_.clear();
  auto r = body();
  in_transaction_ = false;
  if (r) r = commit(pending_);
  if (!r) {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) apply(*it, nullptr);
  }
  pending_.clear();
  undo_.clear();
  return r;
}

}  // namespace zkwiki::wasm
