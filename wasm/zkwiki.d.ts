// zkwiki's WebAssembly module: the JS API (wasm/js/api.js) over the C ABI (wasm/src/abi.h).
// Same declarations for web/zkwiki.mjs (ES module: browsers, Web Workers) and
// node/zkwiki.cjs (CommonJS).
//
// Errors: every failure is a ZkwikiError whose `code` is one of ErrorCode.
// Client calls are asynchronous and run one at a time per loaded module (a queue); everything
// else is synchronous. Key material never leaves wasm memory (except where a name says
// "ForTests"); close() wipes it.

export type ErrorCode =
  | 'invalid_argument' | 'truncated' | 'too_large' | 'trailing_data' | 'malformed'
  | 'unsupported_version' | 'unknown_key' | 'auth_failed' | 'wrong_passphrase' | 'weak_parameters'
  | 'wrong_type' | 'not_found' | 'conflict' | 'expired' | 'forbidden' | 'io' | 'internal';

export class ZkwikiError extends Error {
  readonly name: 'ZkwikiError';
  readonly code: ErrorCode;
}

export interface LoadOptions {
  /** The .wasm bytes (otherwise fetched next to zkwiki.mjs, or read from disk by zkwiki.cjs). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where the .wasm is, given its file name and this script's directory. */
  locateFile?: (file: string, scriptDirectory: string) => string;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

export function load(options?: LoadOptions): Promise<Zkwiki>;

/** Argon2id progress: called after initialization (0) and after each pass (1..total). */
export type KdfProgress = (done: number, total: number) => void;

export interface KdfParams {
  /** Argon2id passes (default 3; at least 3, at most 16). */
  opslimit?: number;
  /** Argon2id memory in KiB (default 65536 = 64 MiB; at least that, at most 1 GiB). */
  memlimitKib?: number;
}

/** An HTTP request the client core sends (headers as [name, value] pairs). */
export interface TransportRequest {
  method: string;
  target: string;
  headers: [string, string][];
  body: Uint8Array;
}
export interface TransportResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}
/** How the client reaches the server. Reject (throw) for network errors: they become `io`. */
export interface Transport {
  send(request: TransportRequest): Promise<TransportResponse>;
  /**
   * Optional: a transport to another origin. When the server names a cache for blob reads (its
   * `blob_url`, zkwiki-server --public-url; docs/API.md), the client asks for one at login and
   * reads blobs through it, without a token (falling back to the server when the cache fails).
   * Return null (or leave this out) to read every blob from the server.
   */
  forUrl?(url: string): Transport | null;
}

/**
 * This device's storage. The client loads every entry once (load) and keeps them in wasm
 * memory; commit(ops) must apply a batch atomically and resolve when it is durable. Keys are
 * keyed hashes and values are sealed (SealedLocalStore): nothing readable reaches the store.
 * A value of null erases the key.
 */
export interface Store {
  load(): Promise<[table: string, key: Uint8Array, value: Uint8Array][]>;
  commit(ops: [table: string, key: Uint8Array, value: Uint8Array | null][]): Promise<void>;
}
export interface MemoryStore extends Store {
  /** What the store holds (for tests): hashed keys and sealed values. */
  entries(): [string, Uint8Array, Uint8Array][];
}
export interface IndexedDbStore extends Store {
  readonly name: string;
  close(): Promise<void>;
}

/** Where a client stores its state: a store, or a function from the account id to one. */
export type StoreOption = Store | ((account: string) => Store);

export interface ConnectOptions {
  /** The server's origin ("http://127.0.0.1:8080"), or "" for the page's own. */
  server?: string;
  /** Instead of `server`: a transport of your own (tests, proxies). */
  transport?: Transport;
  /** With `server`: the fetch() to use (default globalThis.fetch). */
  fetch?: typeof fetch;
  /** Default: a fresh memory store (nothing persists). */
  store?: StoreOption;
  onProgress?: KdfProgress;
  /**
   * Keep the search index current after each write, move, remove, restore and sync (indexed
   * here, sealed, uploaded), as the CLI does. Default true; false: call maintainIndex() yourself.
   */
  indexUpkeep?: boolean;
}

export interface PageSummary {
  id: string;
  collection: string;
  path: string;
  title: string;
  tags: string[];
  revision: number;
  modifiedMs: number;
  /** Body bytes. */
  size: number;
  deleted: boolean;
}

export interface Page {
  path: string;
  title: string;
  tags: string[];
  createdMs: number;
  modifiedMs: number;
  links: string[];
  deleted: boolean;
  body: string;
}

export interface RevisionInfo {
  revision: number;
  hash: string;
  /** Fingerprint of the signing account, or "unknown:<hex>". */
  author: string;
  /** The author's clock: informative only. */
  timeMs: number;
  size: number;
  path: string;
  deleted: boolean;
}

export interface SaveOutcome {
  page: string;
  revision: number;
  /** Body and metadata equal the head: nothing was written. */
  unchanged: boolean;
  /** Another device wrote meanwhile: merged cleanly (three-way). */
  merged: boolean;
  /** Overlapping edits: both versions kept between conflict markers in this revision. */
  conflict: boolean;
  /** The server was unreachable: kept in the offline queue, sent by the next sync(). */
  queued: boolean;
  /** With index upkeep: what it rebuilt or postponed, or why it failed (the write stands). */
  indexNotices?: string[];
}

export interface SyncReport {
  changes: number;
  pagesUpdated: number;
  replayed: number;
  pending: number;
  /** Objects that failed verification (id and why); the rest of the sync completed. */
  quarantined: string[];
  lastSeq: number;
  /** Another device moved a search manifest (index upkeep adopts it). */
  indexChanged: boolean;
  /** With index upkeep: what it rebuilt or postponed, or why it failed (the sync stands). */
  indexNotices?: string[];
}

/** How complete the search index is on this device: never silent about missing pages. */
export interface IndexCoverage {
  /** Of `known`, pages whose current revision is indexed. */
  indexed: number;
  /** Live pages this device knows (synced here, or named by the index). */
  known: number;
  segments: number;
  /** Encoded segment bytes. */
  bytes: number;
  /** How far the index's last writer had synced (change feed position). */
  indexFeedSeq: number;
  deviceSeq: number;
  /** False: this device's index changes are not on the server yet. */
  uploaded: boolean;
  /** A segment was missing or corrupt: rebuilt from pages. */
  rebuilt: boolean;
  notices: string[];
}

export interface SearchOptions {
  /** At most this many results, 1..1000 (default 10). */
  limit?: number;
  /** The last word also matches as a prefix (type-ahead). */
  prefix?: boolean;
  /** Words of 5 or more characters also match words one edit away. */
  typos?: boolean;
}

export interface SearchResult {
  page: string;
  path: string;
  title: string;
  revision: number;
  /** BM25 with field weights; higher is better. */
  score: number;
  /** Plain text around the matches; empty when this device lacks the page's text. */
  snippet: string;
  /** [start, end) of each matched word in `snippet`, as string indices (UTF-16 code units). */
  highlights: [number, number][];
  /** A phrase matched by its words only (this device lacks the text to check the order). */
  phraseUnverified: boolean;
}

export interface Client {
  readonly account: string;
  readonly workspace: string;
  /** This account's public-key fingerprint (read it aloud to share). */
  readonly fingerprint: string;
  readonly closed: boolean;

  /** Pages of this device's synced state (call sync() to see other devices' writes). */
  list(prefix?: string): Promise<PageSummary[]>;
  /** The head, or an older revision. Errors: not_found. */
  read(path: string, revision?: number): Promise<Page>;
  /** The next revision (the page is created if needed); merges on a concurrent write. */
  write(path: string, body: string): Promise<SaveOutcome>;
  /** Errors: not_found (no live page at `from`), conflict (a live page at `to`). */
  move(from: string, to: string): Promise<SaveOutcome>;
  /** A tombstone revision; the history stays readable. */
  remove(path: string): Promise<SaveOutcome>;
  restore(path: string, revision: number): Promise<SaveOutcome>;
  log(path: string): Promise<RevisionInfo[]>;
  /** Unified diff between revisions a and b (b: the head, a: b - 1). */
  diff(path: string, a?: number, b?: number): Promise<string>;
  /** Paths of live pages linking to `path`. */
  backlinks(path: string): Promise<string[]>;
  sync(): Promise<SyncReport>;
  status(): Promise<SyncReport>;
  fingerprintOf(account: string): Promise<string>;
  share(account: string, expectedFingerprint: string, options?: { readOnly?: boolean }): Promise<void>;
  trust(account: string, expectedFingerprint: string): Promise<void>;
  changePassphrase(passphrase: string, options?: { kdf?: KdfParams; onProgress?: KdfProgress }): Promise<void>;
  /**
   * Ranked pages, best first, searched on this device (the query is never sent). Syntax: words
   * are ANDed; `a OR b`; `-word`; `"a phrase"`; `word*`; `title:word`, `tag:word`, `path:dir/`.
   * Case, accents and Unicode normalization (NFC/NFD) do not matter. A device that has no index
   * yet fetches the sealed one (segments, not pages). Errors: invalid_argument (the query, the
   * limit), io (no local index and the server unreachable).
   */
  search(query: string, options?: SearchOptions): Promise<{ results: SearchResult[]; coverage: IndexCoverage }>;
  indexCoverage(): Promise<IndexCoverage>;
  /** Adopts other devices' index, indexes what changed here, seals and uploads. */
  maintainIndex(): Promise<IndexCoverage>;
  /** Rebuilds the index from every page (fetching those this device lacks) and uploads it. */
  reindex(): Promise<IndexCoverage>;
  /** Logs out: wipes the account's keys from wasm memory. The client is unusable afterwards. */
  close(): Promise<void>;
}

export interface DiffLine {
  op: 'context' | 'removed' | 'added';
  /** 1-based; 0 for added lines. */
  oldLine: number;
  /** 1-based; 0 for removed lines. */
  newLine: number;
  text: string;
  noNewline: boolean;
}
export interface DiffHunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  lines: DiffLine[];
}
export interface LineDiff {
  hunks: DiffHunk[];
  added: number;
  removed: number;
}
export interface MergeResult {
  text: string;
  conflicts: { markerLine: number; base: [number, number]; ours: [number, number]; theirs: [number, number] }[];
}
export interface MarkdownMeta {
  title: string | null;
  tags: string[];
  fields: Record<string, string>;
  links: string[];
}

/** Ids and hashes are hex strings or bytes. */
export type Bytes = Uint8Array | ArrayBuffer | string;
export interface EnvelopeContext {
  /** ContentKind: 1 page revision (default), 2 workspace metadata, ... */
  kind?: number;
  workspace: Bytes;
  collection: Bytes;
  page: Bytes;
  revision: number | bigint;
  /** Hash of the parent revision record (default: zero, a first revision). */
  parent?: Bytes;
}
export interface GenerationKey {
  generation: number;
  key: Bytes;
}
export type KeyStringType = 'recovery_key' | 'public_keys' | 'agent_public' | 'grant' | 'agent_secret';

/** An agent certificate's fields (docs/AGENTS.md); times in unix seconds. */
export interface AgentCertificate {
  workspace: string;
  grant: string;
  issuer: string;
  /** The issuer's Ed25519 key (hex), which signs the certificate. */
  issuerKey: string;
  /** "zkwagent_..." */
  agent: string;
  notBefore: number;
  notAfter: number;
  readOnly: boolean;
  collections: string[];
  pathPrefix: string;
  label: string;
}
export interface WorkspaceRecord {
  workspace: string;
  owner: string;
  defaultCollection: string;
  /** The owner's Ed25519 identity key (hex), which signed the record. */
  ownerKey: string;
}
export interface AgentRevocation {
  workspace: string;
  grant: string;
  revokedAt: number;
  /** The signer's Ed25519 key (hex). */
  signer: string;
}
/** A document of the search index, as SearchIndex.put takes it. */
export interface SearchDocument {
  page: string;
  revision: number;
  path: string;
  title: string;
  tags?: string[];
  /** Markdown. */
  body: string;
}
export interface LocalSearchIndex {
  /** False: an older revision than the one indexed (or deleted) was ignored. */
  put(document: SearchDocument): boolean;
  /** The page no longer matches (deleted in `revision`). */
  remove(page: string, revision: number): void;
  /** Pending changes become a segment; the segments, oldest first. */
  flush(): { seq: number; documents: number; tombstones: number; live: number; bytes: number }[];
  /** Segment i's bytes (after flush). Errors: not_found. */
  segment(i: number): Uint8Array;
  /** Adds a segment after those held. Errors: those of inspectSearchSegment. */
  addSegment(bytes: Bytes): void;
  /** Best first; no snippets (the index holds no text). */
  search(query: string, options?: SearchOptions):
    { page: string; revision: number; score: number; path: string; title: string; phraseUnverified: boolean }[];
  free(): void;
}
export interface SearchManifest {
  collection: string;
  feedSeq: number;
  pages: number;
  segments: { blob: string; size: number; seq: number; documents: number; tombstones: number }[];
}

export interface Format {
  /** Plaintext: a string (UTF-8) or bytes. */
  sealEnvelope(context: EnvelopeContext, key: GenerationKey, plaintext: string | Bytes): Uint8Array;
  openEnvelope(context: EnvelopeContext, key: GenerationKey, envelope: Bytes): Uint8Array;
  /** Deterministic: for test vectors only, never for data. */
  sealEnvelopeWithRandomnessForTests(context: EnvelopeContext, key: GenerationKey, plaintext: string | Bytes,
    randomness: { dek: Bytes; wrapNonce: Bytes; streamPrefix: Bytes }): Uint8Array;
  inspectEnvelope(envelope: Bytes): { version: number; kind: number; generation: number };
  decodeRevision(record: Bytes): {
    workspace: string; collection: string; page: string; revision: number; parent: string;
    envelopeId: string; envelopeSize: number; author: string; hash: string;
  };
  signRevision(context: EnvelopeContext, envelope: Bytes, authorSeed: Bytes): Uint8Array;
  verifyEnvelope(record: Bytes, envelope: Bytes): void;
  blobId(bytes: Bytes): string;
  encodePage(page: Partial<Page> & { path: string; body: string }): Uint8Array;
  decodePage(bytes: Bytes): Page;
  decodeKeyString(text: string, type: KeyStringType): Uint8Array;
  encodeKeyString(type: KeyStringType, payload: Bytes, group?: number): string;
  fingerprint(publicKeys: string): string;
  /** Argon2id at the record's parameters: synchronous (run it in a Web Worker in a browser). */
  unlockAccount(record: Bytes, passphrase: string, policy?: { minOpslimit?: number; minMemlimitKib?: number },
    onProgress?: KdfProgress): { publicKeys: string; loginPublicKey: string };
  /** Milliseconds of one Argon2id derivation (default: the login's parameters). */
  kdfBenchmark(kdf?: KdfParams, onProgress?: KdfProgress): number;
  /** Returns the unwrapped key itself: for test vectors only. */
  unwrapGenerationForTests(wrapped: Bytes, scope: { kind: 1 | 2; workspace: Bytes; collection: Bytes },
    me: { x25519Secret: Bytes; ed25519Seed: Bytes }): { generation: number; primary: boolean; key: string; granter: string };
  /** Verifies the signature under issuerKey. Errors: truncated, trailing_data, malformed, too_large, unsupported_version, auth_failed. */
  decodeAgentCertificate(bytes: Bytes): AgentCertificate;
  /** Signs the fields (issuerKey is ignored: it follows from the seed). */
  signAgentCertificate(fields: Omit<AgentCertificate, 'issuerKey'> & { issuerKey?: string }, issuerSeed: Bytes): Uint8Array;
  decodeAgentRevocation(bytes: Bytes): AgentRevocation;
  signAgentRevocation(revocation: { workspace: Bytes; grant: Bytes; revokedAt: number }, signerSeed: Bytes): Uint8Array;
  /** Verifies the signature under ownerKey (is it the owner's? the caller checks). Errors: truncated, trailing_data, malformed, unsupported_version, auth_failed. */
  decodeWorkspaceRecord(bytes: Bytes): WorkspaceRecord;
  signWorkspaceRecord(record: { workspace: Bytes; owner: Bytes; defaultCollection: Bytes }, ownerSeed: Bytes): Uint8Array;
  /** Opens a "zkwgrant_..." string (agentSecret "zkwagentkey_...", none for a bearer grant); reveals its token and keys: for test vectors only. */
  openGrantForTests(grant: string, agentSecret?: string): {
    bearer: boolean; server: string; certificate: string; token: string; agent: string;
    keys: { collection: string; generation: number; primary: boolean; key: string }[]; bearerSecret?: string };
  /** Validates a segment ("ZKWI") field by field. */
  inspectSearchSegment(bytes: Bytes): { seq: number; documents: number; tombstones: number; live: number; bytes: number };
  /** The one segment these pages and deletions make, byte for byte as the native index builds it. */
  buildSearchSegment(documents: SearchDocument[], deleted?: { page: string; revision: number }[]): Uint8Array;
  decodeSearchManifest(bytes: Bytes): SearchManifest;
  encodeSearchManifest(manifest: SearchManifest): Uint8Array;
  /** A collection key generation's search key and the collection's manifest page: for test vectors only. */
  searchKeysForTests(scope: { workspace: Bytes; collection: Bytes }, key: GenerationKey):
    { generation: number; searchKey: string; manifestPage: string };
}

export interface Zkwiki {
  readonly ZkwikiError: typeof ZkwikiError;
  info(): { module: string; libsodium: string; utf8proc: string; envelopeVersion: number;
            maxPlaintextBytes: number; chunkBytes: number };

  /**
   * HTML of a page (md4c: CommonMark + GitHub tables, strikethrough, task lists, autolinks).
   * Raw HTML in the page is escaped, never passed through; wiki links come out as
   * <x-wikilink data-target="...">label</x-wikilink>. Entities stay as the page wrote them
   * ("&eacute;", "&#233;"): the HTML parser decodes them (the module carries no entity table).
   * Still sanitize (DOMPurify) before inserting, and neutralize link schemes other than
   * http(s) and relative ones.
   */
  markdownToHtml(markdown: string): string;
  markdownMeta(path: string, markdown: string): MarkdownMeta;
  diffLines(oldText: string, newText: string, options?: { context?: number }): LineDiff;
  unifiedDiff(oldText: string, newText: string, path: string): string;
  merge3(base: string, ours: string, theirs: string): MergeResult;

  /**
   * The server through fetch(). Its forUrl(url) is the same transport to `url` (http: and
   * https: only; null otherwise), so a client follows the server's public URL for blobs. A
   * page on another origin than the cache needs the server's CSP (connect-src names the public
   * URL) and the blobs' `Access-Control-Allow-Origin: *`, both sent by zkwiki-server.
   */
  fetchTransport(baseUrl: string, options?: { fetch?: typeof fetch; timeoutMs?: number }): Transport;
  memoryStore(): MemoryStore;
  /** One IndexedDB database per name (use one per account: `zkwiki-${account}`). */
  indexedDbStore(name: string, factory?: IDBFactory): IndexedDbStore;

  /** Creates the account, its workspace and a collection "notes". Show recoveryKey once. */
  createAccount(options: ConnectOptions & { passphrase: string; kdf?: KdfParams }):
    Promise<{ client: Client; recoveryKey: string }>;
  /** Errors: wrong_passphrase, weak_parameters, not_found, io, auth_failed. */
  login(options: ConnectOptions & { account: string; passphrase: string; workspace?: string }): Promise<Client>;
  recover(options: ConnectOptions & { account: string; recoveryKey: string; newPassphrase: string; kdf?: KdfParams }):
    Promise<Client>;

  /**
   * A local search index with no keys and no I/O (the SDK's SearchIndex): pages put here, or
   * segments ("ZKWI") built elsewhere, natively or by another device, searched as the client
   * searches them. Synchronous. free() releases it.
   */
  searchIndex(): LocalSearchIndex;

  format: Format;
  hex(bytes: Uint8Array): string;
  unhex(hex: string): Uint8Array;
}
