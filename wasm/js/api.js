// zkwiki's hand-written JS API over the module's C ABI (wasm/src/abi.h). Appended to the
// Emscripten glue of both builds (ES module for browsers and workers, CommonJS for node); the
// tails (tail_esm.js, tail_cjs.js) export it. Declarations: wasm/zkwiki.d.ts.
//
// Rules kept here:
// - Every error is a ZkwikiError with `code` (the SDK's errc_name: "auth_failed", ...).
// - Inputs are copied into wasm memory and wiped (zkw_free) after the call; outputs copied out.
// - Client calls may suspend (ASYNCIFY, on fetch and storage); they go through one queue per
//   module, one at a time. Everything else is synchronous and may run at any time.

class ZkwikiError extends Error {
  constructor(code, message) {
    super(message || code);
    this.name = 'ZkwikiError';
    this.code = code;
  }
}

const zkwikiEncoder = new TextEncoder();
const zkwikiDecoder = new TextDecoder();

function zkwikiHex(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}

function zkwikiUnhex(hex, what) {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex))
    throw new ZkwikiError('invalid_argument', (what || 'value') + ': not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

// Bytes from a Uint8Array, an ArrayBuffer or a hex string of exactly `size` bytes (if given).
function zkwikiBytes(v, what, size) {
  let b;
  if (v instanceof Uint8Array) b = v;
  else if (v instanceof ArrayBuffer) b = new Uint8Array(v);
  else if (typeof v === 'string') b = zkwikiUnhex(v, what);
  else throw new ZkwikiError('invalid_argument', what + ': expected bytes or hex');
  if (size !== undefined && b.length !== size)
    throw new ZkwikiError('invalid_argument', what + ': expected ' + size + ' bytes, got ' + b.length);
  return b;
}

// Content: a string (UTF-8 text) or bytes.
function zkwikiData(v, what) {
  if (typeof v === 'string') return zkwikiEncoder.encode(v);
  return zkwikiBytes(v, what);
}

// In-memory store (tests; a tab that must persist nothing). `entries()` shows what is held:
// hashed keys and sealed values only.
function zkwikiMemoryStore() {
  const map = new Map();
  const id = (t, k) => t + '\u0000' + zkwikiHex(k);
  return {
    async load() { return [...map.values()].map(([t, k, v]) => [t, k, v]); },
    async commit(ops) {
      for (const [t, k, v] of ops) {
        if (v === null) map.delete(id(t, k));
        else map.set(id(t, k), [t, new Uint8Array(k), new Uint8Array(v)]);
      }
    },
    entries() { return [...map.values()]; },
  };
}

// IndexedDB store (browsers): one database per account, one object store of entries keyed by
// "table\0hexkey". Each commit is one readwrite transaction, resolved when it completes.
function zkwikiIndexedDbStore(name, idb) {
  const factory = idb || globalThis.indexedDB;
  if (!factory) throw new ZkwikiError('invalid_argument', 'IndexedDB is not available here');
  let dbp = null;
  const open = () => dbp || (dbp = new Promise((resolve, reject) => {
    const r = factory.open(name, 1);
    r.onupgradeneeded = () => r.result.createObjectStore('entries');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error || new Error('IndexedDB open failed'));
  }));
  const done = (tx) => new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error || new Error('IndexedDB transaction failed'));
  });
  return {
    name,
    async load() {
      const db = await open();
      const tx = db.transaction('entries', 'readonly');
      const all = tx.objectStore('entries').getAll();
      await done(tx);
      return all.result.map((e) => [e.t, new Uint8Array(e.k), new Uint8Array(e.v)]);
    },
    async commit(ops) {
      const db = await open();
      const tx = db.transaction('entries', 'readwrite', { durability: 'strict' });
      const os = tx.objectStore('entries');
      for (const [t, k, v] of ops) {
        const key = t + '\u0000' + zkwikiHex(k);
        if (v === null) os.delete(key);
        else os.put({ t, k: new Uint8Array(k), v: new Uint8Array(v) }, key);
      }
      await done(tx);
    },
    async close() { if (dbp) (await dbp).close(); dbp = null; },
  };
}

// The server through fetch(). `baseUrl` is the server's origin ("http://127.0.0.1:8080"), or ""
// for the page's own origin. `forUrl(url)` is the same transport to another origin: the client
// reads blobs through it when the server names a cache (its blob_url, zkwiki-server
// --public-url); null for anything but an http: or https: URL (blobs then come from the server).
function zkwikiFetchTransport(baseUrl, opts) {
  const f = (opts && opts.fetch) || globalThis.fetch;
  const timeoutMs = (opts && opts.timeoutMs) || 30000;
  const base = String(baseUrl || '').replace(/\/+$/, '');
  const forbidden = new Set(['host', 'content-length', 'connection']);
  return {
    async send(req) {
      const headers = [];
      for (const [k, v] of req.headers) if (!forbidden.has(k.toLowerCase())) headers.push([k, v]);
      const init = { method: req.method, headers, cache: 'no-store' };
      if (req.body.length > 0) init.body = req.body;
      if (typeof AbortSignal !== 'undefined' && AbortSignal.timeout) init.signal = AbortSignal.timeout(timeoutMs);
      const res = await f(base + req.target, init);
      const body = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, headers: [...res.headers.entries()], body };
    },
    forUrl(url) {
      let u;
      try { u = new URL(String(url)); } catch (e) { return null; }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
      return zkwikiFetchTransport(String(url), opts);
    },
  };
}

async function zkwikiInstantiate(factory, options) {
  options = options || {};
  // JS objects the module calls (transports, stores), by id. The module registers the blob
  // transports it asks a transport's forUrl() for, and releases them itself (js_bridge.cc).
  const objects = new Map();
  let nextObject = 1;
  const register = (obj) => { const id = nextObject++; objects.set(id, obj); return id; };
  // The progress callback of the KDF running now. A call that sets it puts back the one it
  // found when it ends: a synchronous KDF call made while a client call is suspended (from its
  // transport, say) must not take the client call's callback away (a fresh user's report).
  let progress = null;
  const withProgress = (onProgress, fn) => {
    const outer = progress;
    progress = onProgress || null;
    try { return fn(); } finally { progress = outer; }
  };
  const moduleArgs = {
    zkwObjects: objects,
    zkwRegister: register,
    zkwKdfProgress: (done, total) => { if (progress) progress(done, total); },
  };
  for (const k of ['wasmBinary', 'locateFile', 'instantiateWasm', 'print', 'printErr'])
    if (options[k] !== undefined) moduleArgs[k] = options[k];
  const M = await factory(moduleArgs);

  const errcName = (code) => {
    M._zkw_errc_name(code);
    return zkwikiDecoder.decode(M.HEAPU8.subarray(M._zkw_out_ptr(), M._zkw_out_ptr() + M._zkw_out_len()));
  };
  const lastError = (rc) => new ZkwikiError(errcName(rc),
    zkwikiDecoder.decode(M.HEAPU8.slice(M._zkw_error_ptr(), M._zkw_error_ptr() + M._zkw_error_len())));
  const outBytes = () => M.HEAPU8.slice(M._zkw_out_ptr(), M._zkw_out_ptr() + M._zkw_out_len());
  // Decoded in place (no copy): the output buffer stays put until the next call.
  const outText = () => zkwikiDecoder.decode(M.HEAPU8.subarray(M._zkw_out_ptr(), M._zkw_out_ptr() + M._zkw_out_len()));
  const outJson = () => JSON.parse(outText());

  class CiphertextArg { constructor(bytes) { this.bytes = bytes; } }
  const ciphertextArg = (bytes) => new CiphertextArg(bytes);
  // Arguments: numbers pass as they are; strings and bytes become (pointer, length) in wasm
  // memory, wiped and freed after the call. Bytes wrapped by ciphertextArg (an envelope) are
  // freed without the wipe (zkw_free wipes the size it is given): a 1 MiB pass saved per open.
  // An argument refused part-way frees (and wipes) the ones already copied in.
  const marshal = (args) => {
    const c = [];
    const owned = [];
    const free = () => { for (const [p, n] of owned) M._zkw_free(p, n); owned.length = 0; };
    try {
      for (const a of args) {
        if (typeof a === 'number' || typeof a === 'boolean') { c.push(Number(a)); continue; }
        const isCiphertext = a instanceof CiphertextArg;
        const b = isCiphertext ? a.bytes : typeof a === 'string' ? zkwikiEncoder.encode(a) : a;
        if (!(b instanceof Uint8Array)) throw new ZkwikiError('invalid_argument', 'expected a string or bytes');
        const p = M._zkw_alloc(b.length);
        if (!p) throw new ZkwikiError('internal', 'out of memory');
        M.HEAPU8.set(b, p);
        owned.push([p, isCiphertext ? 0 : b.length]);
        c.push(p, b.length);
      }
    } catch (e) {
      free();
      throw e;
    }
    return { c, free };
  };
  // Text arguments of the rendering and diff calls: anything but a string is refused here
  // (marshal passes numbers through as they are, which the C side would read as a pointer).
  const textArg = (v, what) => {
    if (typeof v !== 'string') throw new ZkwikiError('invalid_argument', `${what} must be a string`);
    return v;
  };
  const callSync = (name, args, read) => {
    const { c, free } = marshal(args);
    try {
      const rc = M['_' + name](...c);
      if (rc !== 0) throw lastError(rc);
      const v = read ? read() : undefined;
      M._zkw_out_clear();
      return v;
    } finally { free(); }
  };

  let queue = Promise.resolve();
  const enqueue = (fn) => {
    const p = queue.then(fn);
    queue = p.catch(() => {});
    return p;
  };
  // A client call: may suspend; its result comes from Module.zkwDelivered (abi_client.cc).
  const callAsync = (name, args, read, onProgress) => enqueue(async () => {
    const { c, free } = marshal(args);
    const outer = progress;
    progress = onProgress || null;
    try {
      M.zkwDelivered = null;
      await M.ccall(name, 'number', c.map(() => 'number'), c, { async: true });
      const d = M.zkwDelivered;
      M.zkwDelivered = null;
      if (!d) throw new ZkwikiError('internal', name + ' returned no result');
      if (d.rc !== 0) throw new ZkwikiError(errcName(d.rc), zkwikiDecoder.decode(d.bytes));
      const text = zkwikiDecoder.decode(d.bytes);
      d.bytes.fill(0);
      return read === 'json' ? JSON.parse(text) : read === 'text' ? text : undefined;
    } finally {
      progress = outer;
      free();
    }
  });

  const transportOf = (o) => {
    if (o.transport) return o.transport;
    if (o.server !== undefined) return zkwikiFetchTransport(o.server, { fetch: o.fetch });
    throw new ZkwikiError('invalid_argument', 'give a server URL or a transport');
  };
  const storeFor = (o, account) => {
    const s = typeof o.store === 'function' ? o.store(account) : (o.store || zkwikiMemoryStore());
    if (!s || typeof s.load !== 'function' || typeof s.commit !== 'function')
      throw new ZkwikiError('invalid_argument', 'a store has load() and commit(ops)');
    return s;
  };
  const revArg = (r) => (r === undefined || r === null ? -1 : Number(r));
  const kdfArgs = (k) => [(k && k.opslimit) || 0, (k && k.memlimitKib) || 0];

  class Client {
    constructor(info, transportId, storeId, o) {
      this.account = info.account;
      this.workspace = info.workspace;
      this.fingerprint = info.fingerprint;
      this._h = info.handle;
      this._ids = [transportId, storeId];
      this._indexUpkeep = !(o && o.indexUpkeep === false);
    }
    _call(name, args, read) {
      if (this._h === 0) return Promise.reject(new ZkwikiError('invalid_argument', 'this client is closed'));
      return callAsync(name, [this._h, ...args], read);
    }
    // A write or sync, then the search index's upkeep as the CLI does it (sealed, uploaded):
    // its notices, or why it failed, in `indexNotices`; a failure there never fails the write.
    async _changed(name, args) {
      const r = await this._call(name, args, 'json');
      if (!this._indexUpkeep || this._h === 0) return r;
      try { r.indexNotices = (await this._call('zkw_client_maintain_index', [], 'json')).notices; }
      catch (e) { r.indexNotices = ['search index not updated: ' + e.message]; }
      return r;
    }
    get closed() { return this._h === 0; }
    list(prefix = '') { return this._call('zkw_client_list', [prefix], 'json'); }
    read(path, revision) { return this._call('zkw_client_read', [path, revArg(revision)], 'json'); }
    write(path, body) { return this._changed('zkw_client_write', [path, body]); }
    move(from, to) { return this._changed('zkw_client_move', [from, to]); }
    remove(path) { return this._changed('zkw_client_remove', [path]); }
    restore(path, revision) { return this._changed('zkw_client_restore', [path, revArg(revision)]); }
    log(path) { return this._call('zkw_client_log', [path], 'json'); }
    diff(path, a, b) { return this._call('zkw_client_diff', [path, revArg(a), revArg(b)], 'text'); }
    backlinks(path) { return this._call('zkw_client_backlinks', [path], 'json'); }
    sync() { return this._changed('zkw_client_sync', []); }
    status() { return this._call('zkw_client_status', [], 'json'); }
    fingerprintOf(account) { return this._call('zkw_client_fingerprint_of', [account], 'text'); }
    share(account, fingerprint, opts) {
      return this._call('zkw_client_share', [account, fingerprint, opts && opts.readOnly ? 1 : 0]);
    }
    trust(account, fingerprint) { return this._call('zkw_client_trust', [account, fingerprint]); }
    changePassphrase(passphrase, opts) {
      if (this._h === 0) return Promise.reject(new ZkwikiError('invalid_argument', 'this client is closed'));
      return callAsync('zkw_client_change_passphrase', [this._h, passphrase, ...kdfArgs(opts && opts.kdf)],
                       undefined, opts && opts.onProgress);
    }
    // Search, on this device: the query never leaves wasm. Results best first, with snippets
    // whose highlights are [start, end) string indices; coverage says how complete the index is.
    search(query, opts) {
      const o = opts || {};
      const limit = o.limit === undefined ? 10 : Number(o.limit);
      if (typeof query !== 'string') return Promise.reject(new ZkwikiError('invalid_argument', 'a query is a string'));
      return this._call('zkw_client_search', [query, limit >>> 0 === limit ? limit : 0,
                                              (o.prefix ? 1 : 0) | (o.typos ? 2 : 0)], 'json');
    }
    indexCoverage() { return this._call('zkw_client_index_coverage', [], 'json'); }
    // Adopts other devices' index, indexes what changed here, seals and uploads (writes and
    // sync() do this already unless the client was opened with indexUpkeep: false).
    maintainIndex() { return this._call('zkw_client_maintain_index', [], 'json'); }
    // Rebuilds the index from every page (fetching pages this device lacks) and uploads it.
    reindex() { return this._call('zkw_client_reindex', [], 'json'); }
    // Logs out: the account's keys are wiped from wasm memory; the client is unusable after.
    async close() {
      if (this._h === 0) return;
      const h = this._h;
      this._h = 0;
      try { await callAsync('zkw_client_close', [h]); } finally {
        for (const id of this._ids) objects.delete(id);
      }
    }
  }

  const api = {
    ZkwikiError,
    info: () => callSync('zkw_info', [], outJson),
    // Rendering and diffs.
    markdownToHtml: (md) => callSync('zkw_markdown_to_html', [textArg(md, 'markdown')], outText),
    markdownMeta: (path, md) => callSync('zkw_markdown_meta', [textArg(path, 'path'), textArg(md, 'markdown')], outJson),
    diffLines: (a, b, opts) => callSync('zkw_diff_lines', [textArg(a, 'old text'), textArg(b, 'new text'),
                                                           (opts && opts.context) ?? 3], outJson),
    unifiedDiff: (a, b, path) => callSync('zkw_unified_diff', [textArg(a, 'old text'), textArg(b, 'new text'), textArg(path, 'path')],
                                          outText),
    merge3: (base, ours, theirs) => callSync('zkw_merge3', [textArg(base, 'base'), textArg(ours, 'ours'), textArg(theirs, 'theirs')],
                                             outJson),
    // Transports and stores.
    fetchTransport: zkwikiFetchTransport,
    memoryStore: zkwikiMemoryStore,
    indexedDbStore: zkwikiIndexedDbStore,
    // Accounts. Each resolves to a Client; createAccount also to the recovery key (show once).
    async createAccount(o) {
      const tid = register(transportOf(o));
      let info;
      try {
        info = await callAsync('zkw_client_create_account', [tid, o.passphrase, ...kdfArgs(o.kdf)], 'json',
                               o.onProgress);
      } catch (e) { objects.delete(tid); throw e; }
      const recoveryKey = info.recoveryKey;
      delete info.recoveryKey;
      const client = new Client(info, tid, 0, o);
      try {
        const sid = register(storeFor(o, info.account));
        client._ids[1] = sid;
        await callAsync('zkw_client_bind_store', [info.handle, sid]);
      } catch (e) { await client.close(); throw e; }
      return { client, recoveryKey };
    },
    async login(o) {
      const tid = register(transportOf(o));
      let sid = 0;
      try {
        sid = register(storeFor(o, o.account));
        const info = await callAsync('zkw_client_login', [tid, sid, o.account, o.passphrase, o.workspace || ''],
                                     'json', o.onProgress);
        return new Client(info, tid, sid, o);
      } catch (e) { objects.delete(tid); objects.delete(sid); throw e; }
    },
    async recover(o) {
      const tid = register(transportOf(o));
      let sid = 0;
      try {
        sid = register(storeFor(o, o.account));
        const info = await callAsync('zkw_client_recover',
                                     [tid, sid, o.account, o.recoveryKey, o.newPassphrase, ...kdfArgs(o.kdf)],
                                     'json', o.onProgress);
        return new Client(info, tid, sid, o);
      } catch (e) { objects.delete(tid); objects.delete(sid); throw e; }
    },
  };

  // The format byte for byte: interop with the native SDK and the vectors in tests/vectors/.
  // Numeric fields are checked, not truncated (a fresh user's report: kind 300 was sealed as 44,
  // revision -1 as 2^64-1, generation -1 as 2^32-1).
  const smallInt = (v, what, max) => {
    if (!Number.isSafeInteger(v) || v < 0 || v > max)
      throw new ZkwikiError('invalid_argument', `${what} must be an integer from 0 to ${max}`);
    return v;
  };
  const u64 = (v, what) => {
    const ok = typeof v === 'bigint' ? v >= 0n && v < (1n << 64n) : Number.isSafeInteger(v) && v >= 0;
    if (!ok) throw new ZkwikiError('invalid_argument', `${what} must be an integer from 0 to 2^64-1`);
    return BigInt(v);
  };
  const ctxBytes = (c) => {
    const b = new Uint8Array(89);
    b[0] = c.kind === undefined ? 1 : smallInt(c.kind, 'kind', 255);
    b.set(zkwikiBytes(c.workspace, 'workspace', 16), 1);
    b.set(zkwikiBytes(c.collection, 'collection', 16), 17);
    b.set(zkwikiBytes(c.page, 'page', 16), 33);
    new DataView(b.buffer).setBigUint64(49, u64(c.revision || 0, 'revision'), true);
    b.set(c.parent ? zkwikiBytes(c.parent, 'parent', 32) : new Uint8Array(32), 57);
    return b;
  };
  const keyArgs = (k) => [k.generation === undefined ? 0 : smallInt(k.generation, 'generation', 0xFFFFFFFF),
                          zkwikiBytes(k.key, 'key')];
  const KEY_TYPES = { recovery_key: 0, public_keys: 1, agent_public: 2, grant: 3, agent_secret: 4 };
  const keyType = (t) => {
    if (!(t in KEY_TYPES)) throw new ZkwikiError('invalid_argument', 'unknown key string type ' + t);
    return KEY_TYPES[t];
  };
  api.format = {
    sealEnvelope: (ctx, key, plaintext) =>
      callSync('zkw_envelope_seal', [ctxBytes(ctx), ...keyArgs(key), zkwikiData(plaintext, 'plaintext')], outBytes),
    openEnvelope: (ctx, key, envelope) =>
      callSync('zkw_envelope_open', [ctxBytes(ctx), ...keyArgs(key), ciphertextArg(zkwikiBytes(envelope, 'envelope'))],
               outBytes),
    // Deterministic sealing with the given DEK and nonces: for test vectors only, never for data.
    sealEnvelopeWithRandomnessForTests: (ctx, key, plaintext, r) => {
      const rnd = new Uint8Array(72);
      rnd.set(zkwikiBytes(r.dek, 'dek', 32), 0);
      rnd.set(zkwikiBytes(r.wrapNonce, 'wrapNonce', 24), 32);
      rnd.set(zkwikiBytes(r.streamPrefix, 'streamPrefix', 16), 56);
      return callSync('zkw_envelope_seal_with', [ctxBytes(ctx), ...keyArgs(key), zkwikiData(plaintext, 'plaintext'), rnd],
                      outBytes);
    },
    inspectEnvelope: (env) => callSync('zkw_envelope_inspect', [zkwikiBytes(env, 'envelope')], outJson),
    decodeRevision: (rec) => callSync('zkw_revision_decode', [zkwikiBytes(rec, 'record')], outJson),
    signRevision: (ctx, envelope, authorSeed) =>
      callSync('zkw_revision_sign', [ctxBytes(ctx), zkwikiBytes(envelope, 'envelope'), zkwikiBytes(authorSeed, 'seed')],
               outBytes),
    verifyEnvelope: (rec, env) =>
      callSync('zkw_revision_verify_envelope', [zkwikiBytes(rec, 'record'), zkwikiBytes(env, 'envelope')]),
    blobId: (bytes) => callSync('zkw_blob_id', [zkwikiBytes(bytes, 'bytes')], outText),
    encodePage: (page) => callSync('zkw_page_encode', [JSON.stringify(page)], outBytes),
    decodePage: (bytes) => callSync('zkw_page_decode', [zkwikiBytes(bytes, 'page')], outJson),
    decodeKeyString: (text, type) => callSync('zkw_keystring_decode', [textArg(text, 'a key string'), keyType(type)], outBytes),
    encodeKeyString: (type, payload, group) =>
      callSync('zkw_keystring_encode', [keyType(type), zkwikiBytes(payload, 'payload'), group || 0], outText),
    fingerprint: (publicKeys) => callSync('zkw_public_keys_fingerprint', [publicKeys], outText),
    // Argon2id at the record's parameters (synchronous: run it in a worker in a browser).
    unlockAccount: (record, passphrase, policy, onProgress) => {
      const p = policy || {};
      return withProgress(onProgress, () =>
        callSync('zkw_account_unlock', [zkwikiBytes(record, 'record'), textArg(passphrase, 'passphrase'),
                                        p.minOpslimit || 3, p.minMemlimitKib || 65536], outJson));
    },
    // Milliseconds of one Argon2id derivation at these parameters (default: the login's).
    kdfBenchmark: (kdf, onProgress) => {
      const t0 = Date.now();
      withProgress(onProgress, () =>
        callSync('zkw_kdf_benchmark', [(kdf && kdf.opslimit) || 3, (kdf && kdf.memlimitKib) || 65536]));
      return Date.now() - t0;
    },
    // Opens a wrapped key generation; returns the key itself: for test vectors only.
    unwrapGenerationForTests: (wrapped, scope, me) =>
      callSync('zkw_unwrap_generation', [zkwikiBytes(wrapped, 'wrapped'), scope.kind,
                                         zkwikiBytes(scope.workspace, 'workspace', 16),
                                         zkwikiBytes(scope.collection, 'collection', 16),
                                         zkwikiBytes(me.x25519Secret, 'x25519Secret', 32),
                                         zkwikiBytes(me.ed25519Seed, 'ed25519Seed', 32)], outJson),
    // Agent grants (docs/AGENTS.md): certificates and revocations, decoded (signature checked)
    // and signed from their fields.
    decodeAgentCertificate: (bytes) =>
      callSync('zkw_agent_certificate_decode', [zkwikiBytes(bytes, 'certificate')], outJson),
    signAgentCertificate: (fields, issuerSeed) =>
      callSync('zkw_agent_certificate_sign', [JSON.stringify(fields), zkwikiBytes(issuerSeed, 'issuerSeed', 32)],
               outBytes),
    decodeAgentRevocation: (bytes) =>
      callSync('zkw_agent_revocation_decode', [zkwikiBytes(bytes, 'revocation')], outJson),
    signAgentRevocation: (r, signerSeed) =>
      callSync('zkw_agent_revocation_sign', [zkwikiBytes(r.workspace, 'workspace', 16), zkwikiBytes(r.grant, 'grant', 16),
                                             Number(r.revokedAt), zkwikiBytes(signerSeed, 'signerSeed', 32)], outBytes),
    // Workspace records (docs/FORMAT.md): decoded (signature checked under ownerKey; whether
    // that is the owner's key is the caller's to check) and signed from their fields.
    decodeWorkspaceRecord: (bytes) =>
      callSync('zkw_workspace_record_decode', [zkwikiBytes(bytes, 'record')], outJson),
    signWorkspaceRecord: (r, ownerSeed) =>
      callSync('zkw_workspace_record_sign', [zkwikiBytes(r.workspace, 'workspace', 16), zkwikiBytes(r.owner, 'owner', 16),
                                             zkwikiBytes(r.defaultCollection, 'defaultCollection', 16),
                                             zkwikiBytes(ownerSeed, 'ownerSeed', 32)], outBytes),
    // Opens a grant string with the agent's secret (omitted for a bearer grant); returns its
    // token and keys: for test vectors only.
    openGrantForTests: (grant, agentSecret) =>
      callSync('zkw_grant_open', [String(grant), agentSecret ? String(agentSecret) : ''], outJson),
    // The search index's byte strings (docs/FORMAT.md).
    inspectSearchSegment: (bytes) => callSync('zkw_search_segment_inspect', [zkwikiBytes(bytes, 'segment')], outJson),
    buildSearchSegment: (documents, deleted) =>
      callSync('zkw_search_segment_build', [JSON.stringify({ documents, deleted: deleted || [] })], outBytes),
    decodeSearchManifest: (bytes) => callSync('zkw_search_manifest_decode', [zkwikiBytes(bytes, 'manifest')], outJson),
    encodeSearchManifest: (m) => callSync('zkw_search_manifest_encode', [JSON.stringify(m)], outBytes),
    // A collection key generation's search key, and the collection's manifest page: test vectors only.
    searchKeysForTests: (scope, key) =>
      callSync('zkw_search_keys', [zkwikiBytes(scope.workspace, 'workspace', 16),
                                   zkwikiBytes(scope.collection, 'collection', 16), ...keyArgs(key)], outJson),
  };
  // A local search index (no keys, no I/O): pages put here, or segments from another device.
  // A hit crosses as an array, its score as the bits of its float (abi_search.cc).
  const scoreBits32 = new Uint32Array(1);
  const scoreFloat32 = new Float32Array(scoreBits32.buffer);
  api.searchIndex = () => {
    let h = Number(callSync('zkw_index_new', [], outText));
    const live = () => { if (h === 0) throw new ZkwikiError('invalid_argument', 'this index is freed'); return h; };
    return {
      put: (doc) => callSync('zkw_index_put', [live(), JSON.stringify(doc)], outText) === 'true',
      remove: (page, revision) => callSync('zkw_index_remove', [live(), String(page), Number(revision)]),
      flush: () => callSync('zkw_index_flush', [live()], outJson),
      segment: (i) => callSync('zkw_index_segment', [live(), i >>> 0], outBytes),
      addSegment: (bytes) => callSync('zkw_index_add_segment', [live(), zkwikiBytes(bytes, 'segment')]),
      search: (query, opts) => {
        const o = opts || {};
        const limit = o.limit === undefined ? 10 : Number(o.limit);
        const hits = callSync('zkw_index_search', [live(), String(query), limit >>> 0 === limit ? limit : 0,
                                                   (o.prefix ? 1 : 0) | (o.typos ? 2 : 0)], outJson);
        return hits.map(([page, revision, scoreBits, path, title, unverified]) => {
          scoreBits32[0] = scoreBits;
          return { page, revision, score: scoreFloat32[0], path, title, phraseUnverified: unverified === 1 };
        });
      },
      free: () => { if (h !== 0) { callSync('zkw_index_free', [h]); h = 0; } },
    };
  };
  api.hex = zkwikiHex;
  api.unhex = zkwikiUnhex;
  // The raw module, for the export-list test and benchmarks.
  api._module = M;
  return api;
}
