// zkwiki-mcp as an MCP host sees it: the official TypeScript SDK client over stdio lists the
// tools and calls each one (search over the sealed index, checked against its outputSchema);
// tool failures are isError results; malformed JSON-RPC gets JSON-RPC
// errors; a read-only grant has no write tool; a revoked grant fails its next call; the host is
// answered while the first sync runs (through a proxy that holds the sync's requests).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const rw = JSON.parse(process.env.GRANT_RW);
const env = { ...process.env };

async function connect(grant) {
  const transport = new StdioClientTransport({
    command: process.env.MCP_BIN, args: [], env: { ...env, ZKWIKI_GRANT: grant }, stderr: 'pipe',
  });
  const client = new Client({ name: 'zkwiki-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}
const text = (r) => r.content.map((c) => c.text).join('');
const body = (r) => r.content[0].text;  // read_page: the text exactly, then a line with its revision

test('tools over stdio with a read-write grant', async () => {
  const c = await connect(rw.grant);
  const { tools } = await c.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(),
    ['diff', 'list_pages', 'page_history', 'read_page', 'search', 'write_page']);

  let r = await c.callTool({ name: 'write_page', arguments: { path: 'memory/mcp.md', content: '# MCP\n\nfirst line\n' } });
  assert.ok(!r.isError, text(r));
  assert.match(text(r), /revision 1/);
  r = await c.callTool({ name: 'read_page', arguments: { path: 'memory/mcp.md' } });
  assert.deepEqual(r.structuredContent, { path: 'memory/mcp.md', revision: 1, title: 'MCP', tags: [] });
  r = await c.callTool({ name: 'write_page', arguments: { path: 'memory/mcp.md', content: '# MCP\n\nsecond line about walruses\n', base_revision: r.structuredContent.revision } });
  assert.match(text(r), /revision 2, written$/);
  r = await c.callTool({ name: 'read_page', arguments: { path: 'memory/mcp.md' } });
  assert.equal(body(r), '# MCP\n\nsecond line about walruses\n');
  assert.equal(r.structuredContent.revision, 2);
  r = await c.callTool({ name: 'read_page', arguments: { path: 'memory/mcp.md', revision: 1 } });
  assert.equal(body(r), '# MCP\n\nfirst line\n');
  assert.equal(r.structuredContent.revision, 1);
  r = await c.callTool({ name: 'list_pages', arguments: { prefix: 'memory/' } });
  assert.match(text(r), /memory\/mcp\.md/);
  r = await c.callTool({ name: 'search', arguments: { query: 'walruses' } });
  assert.ok(!r.isError, text(r));
  assert.equal(r.structuredContent.hits[0].path, 'memory/mcp.md');
  r = await c.callTool({ name: 'page_history', arguments: { path: 'memory/mcp.md' } });
  assert.match(text(r), /^r1 .*\nr2 /s);
  r = await c.callTool({ name: 'diff', arguments: { path: 'memory/mcp.md' } });
  assert.match(text(r), /^-first line$/m);
  assert.match(text(r), /^\+second line about walruses$/m);

  // Tool failures are results with isError and a clear message, never a crash.
  r = await c.callTool({ name: 'read_page', arguments: { path: 'memory/none.md' } });
  assert.equal(r.isError, true);
  assert.match(text(r), /not_found: no page at memory\/none\.md/);
  r = await c.callTool({ name: 'write_page', arguments: { path: 'elsewhere.md', content: 'x' } });
  assert.equal(r.isError, true);
  assert.match(text(r), /may write only below 'memory\/'/);
  await assert.rejects(c.callTool({ name: 'read_page', arguments: {} }), /path/);
  await assert.rejects(c.callTool({ name: 'no_such_tool', arguments: {} }), /unknown tool/);

  const { resources } = await c.listResources();
  assert.ok(resources.some((x) => x.uri === 'zkwiki:///memory/mcp.md'));
  const res = await c.readResource({ uri: 'zkwiki:///memory/mcp.md' });
  assert.equal(res.contents[0].text, '# MCP\n\nsecond line about walruses\n');
  // A missing page is JSON-RPC's invalid params (-32602, as docs/CLI.md says), naming the uri.
  await assert.rejects(c.readResource({ uri: 'zkwiki:///memory/none.md' }), (e) => {
    assert.equal(e.code, -32602);
    assert.match(e.message, /resource not found: no page at memory\/none\.md/);
    assert.deepEqual(e.data, { uri: 'zkwiki:///memory/none.md' });
    return true;
  });
  await c.close();
});

test('search: ranked hits from the sealed index, with snippets, highlights and coverage', async () => {
  const c = await connect(rw.grant);
  const { tools } = await c.listTools();  // also gives the client search's outputSchema to check against
  assert.ok(tools.find((t) => t.name === 'search').outputSchema);
  const pages = {
    'memory/walrus.md': '# Walrus\n\nWalruses have tusks. The tusks of a walrus grow all its life: tusks, tusks.\n',
    'memory/seal.md': '# Seal\n\nA seal has no tusks, only whiskers.\n',
    'memory/kelp.md': '# Kelp\n\nKelp forests, no animals here.\n',
  };
  for (const [path, content] of Object.entries(pages)) {
    const w = await c.callTool({ name: 'write_page', arguments: { path, content } });
    assert.ok(!w.isError, text(w));
    assert.doesNotMatch(text(w), /index not updated/);
  }
  let r = await c.callTool({ name: 'search', arguments: { query: 'tusks' } });
  assert.ok(!r.isError, text(r));
  const { hits, coverage } = r.structuredContent;
  assert.deepEqual(hits.map((h) => h.path), ['memory/walrus.md', 'memory/seal.md']);  // more tusks ranks first
  assert.equal(hits[0].title, 'Walrus');
  assert.ok(hits[0].score > hits[1].score);
  assert.equal(hits[0].revision, 1);
  assert.ok(hits[0].highlights.length > 0);
  for (const [b, e] of hits[0].highlights) assert.equal(hits[0].snippet.slice(b, e).toLowerCase(), 'tusks');
  // Only the granted collection: memory's 4 pages (mcp.md from the first test), not the user's notes.
  assert.deepEqual([coverage.indexed, coverage.known, coverage.complete], [4, 4, true]);
  assert.equal(coverage.kept_locally, true);
  assert.ok(coverage.notices.some((n) => /kept on this agent, not uploaded: .*only below 'memory\/'/.test(n)), coverage.notices);
  assert.match(text(r), /^memory\/walrus\.md — Walrus\n/);
  assert.match(text(r), /index: 4 of 4 pages indexed/);
  r = await c.callTool({ name: 'search', arguments: { query: 'quokka' } });
  assert.ok(!r.isError, text(r));
  assert.equal(r.structuredContent.hits.length, 0);
  assert.match(text(r), /^no pages match/);
  // Query syntax and options reach the index.
  r = await c.callTool({ name: 'search', arguments: { query: 'tusks -whiskers' } });
  assert.deepEqual(r.structuredContent.hits.map((h) => h.path), ['memory/walrus.md']);
  r = await c.callTool({ name: 'search', arguments: { query: 'whisk', prefix: true } });
  assert.deepEqual(r.structuredContent.hits.map((h) => h.path), ['memory/seal.md']);
  r = await c.callTool({ name: 'search', arguments: { query: 'walrsu', typos: true } });
  assert.deepEqual(r.structuredContent.hits.map((h) => h.path), ['memory/walrus.md']);
  r = await c.callTool({ name: 'search', arguments: { query: 'tusks', limit: 1 } });
  assert.equal(r.structuredContent.hits.length, 1);
  // An edit is searchable at once (indexed after the write).
  r = await c.callTool({ name: 'write_page', arguments: { path: 'memory/kelp.md', content: '# Kelp\n\nAn otter naps in the kelp.\n', base_revision: 1 } });
  assert.ok(!r.isError, text(r));
  r = await c.callTool({ name: 'search', arguments: { query: 'otter' } });
  assert.deepEqual(r.structuredContent.hits.map((h) => h.path), ['memory/kelp.md']);
  // A query the index refuses is a tool error; bad arguments are JSON-RPC errors.
  r = await c.callTool({ name: 'search', arguments: { query: 'x'.repeat(5000) } });
  assert.equal(r.isError, true);
  assert.match(text(r), /^invalid_argument: /);
  await assert.rejects(c.callTool({ name: 'search', arguments: { query: 'tusks', prefix: 'yes' } }), /true or false/);
  await c.close();
});

test('search with a whole-collection grant uploads the index; a read-only grant keeps it local', async () => {
  let c = await connect(process.env.GRANT_FULL);
  let r = await c.callTool({ name: 'write_page', arguments: { path: 'orca.md', content: '# Orca\n\nOrcas hunt seals.\n' } });
  assert.ok(!r.isError, text(r));
  r = await c.callTool({ name: 'search', arguments: { query: 'orcas' } });
  assert.deepEqual(r.structuredContent.hits.map((h) => h.path), ['orca.md']);
  assert.equal(r.structuredContent.coverage.kept_locally, false);
  assert.equal(r.structuredContent.coverage.uploaded, true);
  await c.close();
  // A new read-only session (a new device store) adopts that index, indexes the rest of its synced
  // pages itself, and finds every page; it says its index stays on the agent.
  c = await connect(process.env.GRANT_RO);
  r = await c.callTool({ name: 'search', arguments: { query: 'tusks OR orcas' } });
  assert.ok(!r.isError, text(r));
  assert.deepEqual(r.structuredContent.hits.map((h) => h.path).sort(), ['memory/seal.md', 'memory/walrus.md', 'orca.md']);
  const cov = r.structuredContent.coverage;
  assert.deepEqual([cov.indexed, cov.known, cov.complete, cov.kept_locally], [5, 5, true, true]);
  assert.ok(cov.notices.some((n) => /read-only/.test(n)), cov.notices);
  await c.close();
});

test('a read-only grant has no write tool', async () => {
  const c = await connect(process.env.GRANT_RO);
  const { tools } = await c.listTools();
  assert.ok(!tools.some((t) => t.name === 'write_page'));
  await assert.rejects(c.callTool({ name: 'write_page', arguments: { path: 'memory/x.md', content: 'x' } }), /read-only/);
  const r = await c.callTool({ name: 'read_page', arguments: { path: 'memory/mcp.md' } });
  assert.equal(body(r), '# MCP\n\nsecond line about walruses\n');
  await c.close();
});

test('malformed JSON-RPC gets JSON-RPC errors', async () => {
  const p = spawn(process.env.MCP_BIN, [], { env: { ...env, ZKWIKI_GRANT: rw.grant }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let buf = '';
  p.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) { lines.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); }
  });
  p.stdin.write('this is not json\n');
  p.stdin.write('{"jsonrpc":"2.0","id":7,"method":"no/such/method"}\n');
  p.stdin.write('{"jsonrpc":"1.0","id":8,"method":"ping"}\n');
  p.stdin.write('{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"read_page","arguments":[]}}\n');
  p.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  p.stdin.write('{"jsonrpc":"2.0","id":10,"method":"ping"}\n');
  p.stdin.end();
  await new Promise((resolve) => p.on('close', resolve));
  assert.equal(lines.length, 5);  // the notification gets no answer
  assert.deepEqual(lines.map((l) => l.error?.code ?? 'ok'), [-32700, -32601, -32600, -32602, 'ok']);
  assert.equal(lines[0].id, null);
  assert.equal(lines[1].id, 7);
});

// The data loss a fresh user found: two agents (two devices) in a loop, each writing its edit
// of what it had read; without a base the second write dropped the first one's lines.
test('write_page is based on the revision read: concurrent edits merge, overlapping ones are refused', async () => {
  const a = await connect(rw.grant);
  const b = await connect(rw.grant);
  const path = 'memory/loop.md';
  const lines = (edits = {}) => Array.from({ length: 16 }, (_, i) => edits[i + 1] ?? `line ${i + 1}`).join('\n') + '\n';
  let r = await a.callTool({ name: 'write_page', arguments: { path, content: lines() } });
  assert.ok(!r.isError, text(r));
  // A reads; B reads, edits lines 2-8 and writes; A writes its edit (lines 13, 15) of what it read.
  r = await a.callTool({ name: 'read_page', arguments: { path } });
  assert.equal(body(r), lines());
  assert.equal(r.structuredContent.revision, 1);
  assert.match(r.content[1].text, /base_revision 1\b/);
  const aBase = r.structuredContent.revision;
  r = await b.callTool({ name: 'read_page', arguments: { path } });
  const byB = { 2: 'b2', 3: 'b3', 4: 'b4', 5: 'b5', 6: 'b6', 7: 'b7', 8: 'b8' };
  r = await b.callTool({ name: 'write_page', arguments: { path, content: lines(byB), base_revision: r.structuredContent.revision } });
  assert.match(text(r), /^memory\/loop\.md: revision 2, written$/);
  // Without a base, an existing page is refused, never overwritten.
  r = await a.callTool({ name: 'write_page', arguments: { path, content: lines({ 13: 'a13', 15: 'a15' }) } });
  assert.equal(r.isError, true);
  assert.match(text(r), /^conflict: memory\/loop\.md already exists \(revision 2\): pass base_revision/);
  r = await a.callTool({ name: 'write_page', arguments: { path, content: lines({ 13: 'a13', 15: 'a15' }), base_revision: aBase } });
  assert.ok(!r.isError, text(r));
  assert.match(text(r), /revision 3, written, merged with edits made since revision 1/);
  r = await b.callTool({ name: 'read_page', arguments: { path } });
  assert.equal(body(r), lines({ ...byB, 13: 'a13', 15: 'a15' }));  // all 16 lines, both edits
  assert.equal(r.structuredContent.revision, 3);

  // Overlapping edits of line 5: the second is a tool error naming the page, base and head; nothing written.
  r = await a.callTool({ name: 'read_page', arguments: { path } });
  const base3 = r.structuredContent.revision;
  const head = { ...byB, 13: 'a13', 15: 'a15' };
  r = await b.callTool({ name: 'write_page', arguments: { path, content: lines({ ...head, 5: 'five by b' }), base_revision: 3 } });
  assert.match(text(r), /revision 4, written$/);
  r = await a.callTool({ name: 'write_page', arguments: { path, content: lines({ ...head, 5: 'five by a' }), base_revision: base3 } });
  assert.equal(r.isError, true);
  assert.match(text(r), /^conflict: memory\/loop\.md changed since revision 3, the base of this edit: its head is now revision 4 .*nothing was written/);
  r = await b.callTool({ name: 'read_page', arguments: { path } });
  assert.equal(body(r), lines({ ...head, 5: 'five by b' }));
  assert.equal(r.structuredContent.revision, 4);
  r = await a.callTool({ name: 'page_history', arguments: { path } });
  assert.equal(text(r).trim().split('\n').length, 4);
  // A bad base is a JSON-RPC error; one this device has never seen is a tool error.
  await assert.rejects(a.callTool({ name: 'write_page', arguments: { path, content: 'x', base_revision: 'four' } }), /base_revision/);
  r = await a.callTool({ name: 'write_page', arguments: { path, content: 'x\n', base_revision: 9 } });
  assert.equal(r.isError, true);
  assert.match(text(r), /^not_found: memory\/loop\.md has no revision 9/);
  await a.close();
  await b.close();
});

// A revision number alone matches any page at the path: the page read moves away and another
// is made where it was, at the same revision. write_page goes to the page read_page read.
test('write_page refuses an edit of a page that moved away when another page took its path', async () => {
  const a = await connect(rw.grant);
  const b = await connect(rw.grant);
  try {
    const path = 'memory/moving.md';
    let r = await a.callTool({ name: 'write_page', arguments: { path, content: 'first\n' } });
    assert.ok(!r.isError, text(r));
    r = await a.callTool({ name: 'read_page', arguments: { path } });
    const base = r.structuredContent.revision;
    // The member moves it; another agent session makes a new page where it was.
    execFileSync(process.env.ZK_BIN, ['mv', path, 'memory/moved-away.md'], { env, stdio: 'ignore' });
    r = await b.callTool({ name: 'write_page', arguments: { path, content: 'another page\n' } });
    assert.match(text(r), /^memory\/moving\.md: revision 1, written$/);
    r = await a.callTool({ name: 'write_page', arguments: { path, content: 'first\nsecond\n', base_revision: base } });
    assert.equal(r.isError, true);
    assert.match(text(r), /^conflict: memory\/moving\.md is not the page this edit was read from \(that page is now at memory\/moved-away\.md\); nothing was written/);
    r = await a.callTool({ name: 'read_page', arguments: { path } });
    assert.equal(body(r), 'another page\n');
    assert.equal(r.structuredContent.revision, 1);
    // A page read as a resource counts as read too.
    const res = await a.readResource({ uri: 'zkwiki:///memory/moved-away.md' });
    assert.equal(res.contents[0].text, 'first\n');
    execFileSync(process.env.ZK_BIN, ['mv', 'memory/moved-away.md', 'memory/moved-again.md'], { env, stdio: 'ignore' });
    r = await b.callTool({ name: 'write_page', arguments: { path: 'memory/moved-away.md', content: 'third page\n' } });
    assert.ok(!r.isError, text(r));
    r = await a.callTool({ name: 'write_page', arguments: { path: 'memory/moved-away.md', content: 'first\nedited\n', base_revision: 2 } });
    assert.equal(r.isError, true, text(r));
    assert.match(text(r), /is not the page this edit was read from \(that page is now at memory\/moved-again\.md\)/);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a grant revoked mid-session fails the next call with a clear error', async () => {
  const c = await connect(rw.grant);
  let r = await c.callTool({ name: 'list_pages', arguments: {} });
  assert.ok(!r.isError);
  execFileSync(process.env.KEYRING_BIN, ['revoke', rw.id], { env, stdio: 'ignore' });
  r = await c.callTool({ name: 'write_page', arguments: { path: 'memory/after.md', content: 'too late' } });
  assert.equal(r.isError, true);
  assert.match(text(r), /revoked/);
  assert.match(text(r), /grant 'mcp' \([0-9a-f]{32}\) no longer opens the workspace.*ask the member who granted it .* for a new grant/);
  assert.doesNotMatch(text(r), /log in again/);
  r = await c.callTool({ name: 'read_page', arguments: { path: 'memory/mcp.md' } });
  assert.equal(r.isError, true);
  await c.close();
});

// ---- the first sync runs while the host is answered ----
// A fresh user's host timed out on `initialize`: zkwiki-mcp synced the whole wiki before it read
// stdin. Here a proxy between zkwiki-mcp and the server holds the sync's change-feed requests
// until the test releases them, and the tests assert the order of events, never durations.

// An HTTP/1.1 proxy to `target` that, while holding, keeps back each request for the change feed
// (GET .../changes?...: what sync reads, and login does not) and what follows it on that
// connection; release() sends them on, fail() drops their connections (the server gone, as the
// client sees it) and every later one until heal().
function syncHoldingProxy(target) {
  const proxy = { holding: false, failing: false, held: [], feedPassed: 0 };
  const isFeed = (line) => /^GET \S*\/changes\?/.test(line);
  let announce;
  proxy.hold = () => {
    proxy.holding = true;
    proxy.firstHeld = new Promise((resolve) => { announce = resolve; });
  };
  proxy.release = () => { proxy.holding = false; for (const h of proxy.held.splice(0)) h.pass(); };
  proxy.fail = () => { proxy.holding = false; proxy.failing = true; for (const h of proxy.held.splice(0)) h.drop(); };
  proxy.heal = () => { proxy.failing = false; };
  proxy.server = net.createServer((down) => {
    const up = net.connect(target.port, target.hostname);
    up.on('data', (d) => down.write(d));
    up.on('end', () => down.end());
    for (const [a, b] of [[up, down], [down, up]]) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
    let buf = Buffer.alloc(0);
    let stalled = false;
    const pump = () => {
      while (!stalled) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const size = end + 4 + Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < size) return;
        const request = buf.subarray(0, size);
        buf = buf.subarray(size);
        const line = head.slice(0, head.indexOf('\r\n'));
        if (isFeed(line) && proxy.failing) { down.destroy(); return; }
        if (isFeed(line) && proxy.holding) {
          stalled = true;
          proxy.held.push({ pass: () => { stalled = false; proxy.feedPassed++; up.write(request); pump(); },
                            drop: () => down.destroy() });
          announce(line);
          return;
        }
        if (isFeed(line)) proxy.feedPassed++;
        up.write(request);
      }
    };
    down.on('data', (d) => { buf = Buffer.concat([buf, d]); pump(); });
  });
  return new Promise((resolve) => proxy.server.listen(0, '127.0.0.1', () => resolve(proxy)));
}

// One proxy for these tests, and a grant whose server URL is the proxy: made by the same user
// from a copy of their home whose config names the proxy.
let proxied;
async function proxiedGrant() {
  if (proxied) return proxied;
  const home = process.env.ZKWIKI_HOME;
  const config = JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8'));
  const proxy = await syncHoldingProxy(new URL(config.server));
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'zkwiki-mcp-proxy-'));
  fs.cpSync(home, copy, { recursive: true });
  config.server = `http://127.0.0.1:${proxy.server.address().port}`;
  fs.writeFileSync(path.join(copy, 'config.json'), JSON.stringify(config));
  // Not execFileSync: the proxy runs in this process, and the keyring talks through it.
  const { stdout: made } = await promisify(execFile)(process.env.KEYRING_BIN,
    ['--json', 'grant', '--to', process.env.AGENT_PUB, '--collections', 'memory', '--paths', 'memory/', '--ttl', '10m',
     '--label', 'mcp-proxy'],
    { env: { ...env, ZKWIKI_HOME: copy } });
  fs.rmSync(copy, { recursive: true, force: true });
  proxied = { proxy, grant: JSON.parse(made).grant };
  return proxied;
}

// Whatever a failed test leaves behind: its zkwiki-mcp processes, and the proxy holding them.
const leftovers = [];
after(async () => {
  for (const close of leftovers) await close();
  if (proxied) { proxied.proxy.release(); proxied.proxy.server.close(); }
});

// zkwiki-mcp through the proxy, with its stderr lines announced as they come.
async function connectHeld(grant, onStderrLine) {
  const transport = new StdioClientTransport({
    command: process.env.MCP_BIN, args: [], env: { ...env, ZKWIKI_GRANT: grant }, stderr: 'pipe',
  });
  leftovers.push(() => transport.close());
  let err = '';
  transport.stderr.on('data', (d) => {
    err += d;
    let i;
    while ((i = err.indexOf('\n')) >= 0) { onStderrLine(err.slice(0, i)); err = err.slice(i + 1); }
  });
  const client = new Client({ name: 'zkwiki-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

test('initialize and tools/list are answered while the first sync is held; a tool call waits for it', async () => {
  const w = await connect(process.env.GRANT_FULL);  // straight to the server
  let r = await w.callTool({ name: 'write_page', arguments: { path: 'memory/held.md', content: '# Held\n\nsynced after the release\n' } });
  assert.ok(!r.isError, text(r));
  await w.close();

  const { proxy, grant } = await proxiedGrant();
  proxy.hold();
  const events = [];
  let waiting;
  const callWaits = new Promise((resolve) => { waiting = resolve; });
  const c = await connectHeld(grant, (line) => { if (/waits for the first sync/.test(line)) waiting(line); });
  events.push('initialized');
  const { tools } = await c.listTools();
  events.push('tools listed');
  assert.ok(tools.some((t) => t.name === 'write_page') && tools.some((t) => t.name === 'search'));
  assert.equal(proxy.feedPassed, 0, 'the sync got its change feed before initialize was answered');
  assert.equal(await c.ping().then(() => 'pong'), 'pong');
  // The sync reaches its held request (it cannot end before the release).
  assert.match(await proxy.firstHeld, /\/changes\?since=0/);
  const call = c.callTool({ name: 'read_page', arguments: { path: 'memory/held.md' } })
    .then((res) => { events.push('call answered'); return res; });
  await callWaits;  // the server says the call waits for the sync
  events.push('released');
  proxy.release();
  r = await call;
  assert.deepEqual(events, ['initialized', 'tools listed', 'released', 'call answered']);
  assert.ok(!r.isError, text(r));
  assert.equal(body(r), '# Held\n\nsynced after the release\n');
  // Later calls go on as usual (each syncs first).
  r = await c.callTool({ name: 'list_pages', arguments: { prefix: 'memory/held' } });
  assert.match(text(r), /^memory\/held\.md {2}\(Held, r1\)$/m);
  await c.close();
});

test('a first sync that fails is the first tool call\'s error; the next call syncs again', async () => {
  const { proxy, grant } = await proxiedGrant();
  proxy.hold();
  let waiting;
  const callWaits = new Promise((resolve) => { waiting = resolve; });
  const c = await connectHeld(grant, (line) => { if (/waits for the first sync/.test(line)) waiting(line); });
  await proxy.firstHeld;
  const call = c.callTool({ name: 'read_page', arguments: { path: 'memory/held.md' } });
  await callWaits;
  proxy.fail();  // the change feed's connection drops, and so does every retry
  let r = await call;
  assert.equal(r.isError, true);
  assert.match(text(r), /^io: the first sync, at startup, failed: .+ \(the next call syncs again\)$/s);
  r = await c.callTool({ name: 'read_page', arguments: { path: 'memory/held.md' } });
  assert.equal(r.isError, true, 'still unreachable');
  assert.match(text(r), /^io: /);
  assert.doesNotMatch(text(r), /first sync/);
  proxy.heal();
  r = await c.callTool({ name: 'read_page', arguments: { path: 'memory/held.md' } });
  assert.ok(!r.isError, text(r));
  assert.equal(body(r), '# Held\n\nsynced after the release\n');
  await c.close();
});

test('stdin closed while the first sync is held: zkwiki-mcp exits 0 without waiting for it', { timeout: 120_000 }, async () => {
  const { proxy, grant } = await proxiedGrant();
  proxy.hold();
  const p = spawn(process.env.MCP_BIN, [], { env: { ...env, ZKWIKI_GRANT: grant }, stdio: ['pipe', 'pipe', 'ignore'] });
  leftovers.push(() => { if (p.exitCode === null && p.signalCode === null) p.kill(); });
  const exited = new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal })));
  let out = '';
  const answered = new Promise((resolve) => p.stdout.on('data', (d) => { out += d; if (out.includes('\n')) resolve(); }));
  p.stdin.write('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}\n');
  await answered;
  assert.equal(JSON.parse(out.split('\n')[0]).result.serverInfo.name, 'zkwiki-mcp');
  await proxy.firstHeld;
  p.stdin.end();
  assert.deepEqual(await exited, { code: 0, signal: null });
  assert.equal(proxy.held.length, 1, 'the sync was still held when zkwiki-mcp exited');
});
