// zkwiki-mcp as an MCP host sees it: the official TypeScript SDK client over stdio lists the
// tools and calls each one; tool failures are isError results; malformed JSON-RPC gets JSON-RPC
// errors; a read-only grant has no write tool; a revoked grant fails its next call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
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

test('tools over stdio with a read-write grant', async () => {
  const c = await connect(rw.grant);
  const { tools } = await c.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(),
    ['diff', 'list_pages', 'page_history', 'read_page', 'search', 'write_page']);

  let r = await c.callTool({ name: 'write_page', arguments: { path: 'memory/mcp.md', content: '# MCP\n\nfirst line\n' } });
  assert.ok(!r.isError, text(r));
  assert.match(text(r), /revision 1/);
  r = await c.callTool({ name: 'write_page', arguments: { path: 'memory/mcp.md', content: '# MCP\n\nsecond line about walruses\n' } });
  assert.match(text(r), /revision 2/);
  r = await c.callTool({ name: 'read_page', arguments: { path: 'memory/mcp.md' } });
  assert.equal(text(r), '# MCP\n\nsecond line about walruses\n');
  r = await c.callTool({ name: 'read_page', arguments: { path: 'memory/mcp.md', revision: 1 } });
  assert.equal(text(r), '# MCP\n\nfirst line\n');
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
  await c.close();
});

test('a read-only grant has no write tool', async () => {
  const c = await connect(process.env.GRANT_RO);
  const { tools } = await c.listTools();
  assert.ok(!tools.some((t) => t.name === 'write_page'));
  await assert.rejects(c.callTool({ name: 'write_page', arguments: { path: 'memory/x.md', content: 'x' } }), /read-only/);
  const r = await c.callTool({ name: 'read_page', arguments: { path: 'memory/mcp.md' } });
  assert.equal(text(r), '# MCP\n\nsecond line about walruses\n');
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

test('a grant revoked mid-session fails the next call with a clear error', async () => {
  const c = await connect(rw.grant);
  let r = await c.callTool({ name: 'list_pages', arguments: {} });
  assert.ok(!r.isError);
  execFileSync(process.env.KEYRING_BIN, ['revoke', rw.id], { env, stdio: 'ignore' });
  r = await c.callTool({ name: 'write_page', arguments: { path: 'memory/after.md', content: 'too late' } });
  assert.equal(r.isError, true);
  assert.match(text(r), /revoked/);
  r = await c.callTool({ name: 'read_page', arguments: { path: 'memory/mcp.md' } });
  assert.equal(r.isError, true);
  await c.close();
});
