// The web app's worker: the whole zkwiki client lives here, never on the page's thread.
//
// Why the whole client and not only Argon2id: the module's createAccount/login derive the key
// inside the client call (the derived key never leaves wasm memory), so a KDF-only worker would
// need the key handed back across threads. Here the page talks to the worker with messages and
// gets page text, HTML and results back; account keys stay in this worker's wasm memory, and
// ending the worker ends them (docs/ARCHITECTURE.md, "The web app").
//
// Protocol: the page posts {id, op, args}; the worker answers {id, value} or {id, error:
// {code, message}}, and {id, progress: [done, total]} while Argon2id runs.
import { load } from './zkwiki.mjs';

let modulePromise = null;
let zk = null;
let client = null;

// A module that cannot start (a failed fetch or compile of zkwiki.wasm) aborts through
// printErr; the page is told at once instead of waiting for an answer that never comes.
function printErr(text) {
  console.warn(text);
  if (/^Aborted/.test(text)) self.postMessage({ fatal: 'the WebAssembly module failed to start: ' + text });
}

async function zkwiki() {
  if (!modulePromise) modulePromise = load({ printErr });
  zk = await modulePromise;
  return zk;
}

function session() {
  if (!client || client.closed) {
    const e = new Error('not logged in');
    e.code = 'invalid_argument';
    throw e;
  }
  return client;
}

const storeFor = (account) => zk.indexedDbStore('zkwiki-' + account);
const who = (c) => ({ account: c.account, workspace: c.workspace, fingerprint: c.fingerprint });

// The search the module exposes as client.search(query, {limit, prefix, typos}); until it is in
// the module, `searchAvailable` says so and the page shows that search is not available.
const hasSearch = () => !!client && typeof client.search === 'function';

// Conflict markers the app writes when it merges an edit itself (the same labels as the SDK).
const OURS = '<<<<<<< this device\n';
const SEP = '=======\n';
const THEIRS = '>>>>>>> other device\n';

// Writes `body` as the next revision of `path`. `baseRevision` is the revision the editor
// started from (0: a new page). If this device synced a newer head since then, the edit is merged
// three-way against that head here, so nothing the other device wrote is lost; the SDK then
// merges again if the server has a newer head still (412 on the compare-and-swap).
async function save({ path, body, baseRevision, baseBody }) {
  const c = session();
  let text = body;
  let merged = false;
  let conflict = false;
  if (baseRevision > 0) {
    const summary = (await c.list(path)).find((p) => p.path === path && !p.deleted);
    const head = summary && summary.revision > baseRevision ? await c.read(path) : null;
    if (head && head.body !== baseBody) {
      const m = zk.merge3(baseBody, body, head.body);
      text = relabel(m.text);
      merged = true;
      conflict = m.conflicts.length > 0;
    }
  }
  const out = await c.write(path, text);
  return { ...out, merged: out.merged || merged, conflict: out.conflict || conflict };
}

// merge3 labels its sides "ours"/"theirs"; the app's readers see the SDK's wording.
function relabel(text) {
  return text.replace(/^<<<<<<< ours$/gm, OURS.trimEnd()).replace(/^>>>>>>> theirs$/gm, THEIRS.trimEnd());
}

// Revisions a (older) and b (newer) of a page, as structured diff lines with line numbers.
async function diff({ path, a, b }) {
  const c = session();
  const newer = await c.read(path, b);
  const older = a > 0 ? await c.read(path, a) : { body: '' };
  return zk.diffLines(older.body, newer.body, { context: 3 });
}

async function search({ query, limit }) {
  const c = session();
  if (!hasSearch()) return { available: false, results: [] };
  const out = await c.search(query, { limit: limit || 20, prefix: true, typos: true });
  // The SDK returns a report ({results, coverage}); accept a bare list as well.
  const results = Array.isArray(out) ? out : (out && out.results) || [];
  return { available: true, results, coverage: out && out.coverage ? out.coverage : null };
}

const ops = {
  async createAccount({ passphrase }, progress) {
    await zkwiki();
    const made = await zk.createAccount({ server: '', passphrase, store: storeFor, onProgress: progress });
    client = made.client;
    return { ...who(client), recoveryKey: made.recoveryKey };
  },
  async login({ account, passphrase }, progress) {
    await zkwiki();
    client = await zk.login({ server: '', account, passphrase, store: storeFor, onProgress: progress });
    return who(client);
  },
  whoami: () => who(session()),
  sync: () => session().sync(),
  list: () => session().list(),
  read: ({ path, revision }) => session().read(path, revision),
  log: ({ path }) => session().log(path),
  backlinks: ({ path }) => session().backlinks(path),
  remove: ({ path }) => session().remove(path),
  move: ({ from, to }) => session().move(from, to),
  restore: ({ path, revision }) => session().restore(path, revision),
  save,
  diff,
  search,
  features: () => ({ search: hasSearch() }),
  async render({ markdown }) { await zkwiki(); return zk.markdownToHtml(markdown); },
  async close() {
    if (client) await client.close();
    client = null;
  },
};

self.onmessage = async (event) => {
  const { id, op, args } = event.data || {};
  if (op === 'wipe') return wipe();
  const fn = ops[op];
  if (!fn) {
    self.postMessage({ id, error: { code: 'invalid_argument', message: 'unknown operation ' + op } });
    return;
  }
  try {
    const value = await fn(args || {}, (done, total) => self.postMessage({ id, progress: [done, total] }));
    self.postMessage({ id, value });
  } catch (e) {
    self.postMessage({ id, error: { code: e && e.code ? e.code : 'internal', message: e && e.message ? e.message : String(e) } });
  }
};

// The tab is going away (pagehide): close the client (wipes the account's keys) and, since the
// close may wait behind a suspended call, zero the whole wasm memory at once as well.
function wipe() {
  const c = client;
  client = null;
  if (c && !c.closed) c.close().catch(() => {});
  queueMicrotask(() => {
    if (zk && zk._module && zk._module.HEAPU8) zk._module.HEAPU8.fill(0);
    self.close();
  });
}
