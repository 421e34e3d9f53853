// Driven by bench/agent_bench.sh: zkwiki-mcp under the MCP TypeScript SDK client.
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const q = JSON.parse(readFileSync(process.env.QUERIES, 'utf8'));
const one = q.queries.one.slice(0, Number(process.env.ONE)).map((x) => x.q);
const and = q.queries.and.slice(0, Number(process.env.AND)).map((x) => x.q);
const transport = new StdioClientTransport({ command: process.env.MCP_BIN, args: [], env: process.env, stderr: 'inherit' });
const client = new Client({ name: 'zkwiki-bench', version: '1.0.0' });
const t0 = performance.now();
await client.connect(transport);
const t1 = performance.now();
const first = await client.callTool({ name: 'search', arguments: { query: one[0], limit: 10 } });
const t2 = performance.now();
if (first.isError) throw new Error(first.content[0].text);
const cov = first.structuredContent.coverage;
if (!cov.complete) throw new Error(`the index covers ${cov.indexed} of ${cov.known} pages`);
const grantMs = Number(process.env.GRANT_DONE_MS) - Number(process.env.GRANT_START_MS);
const sinceGrant = Date.now() - Number(process.env.GRANT_START_MS);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const run = async (qs) => {
  const times = [];
  for (const query of qs) {
    const s = performance.now();
    const r = await client.callTool({ name: 'search', arguments: { query, limit: 10 } });
    times.push(performance.now() - s);
    if (r.isError) throw new Error(r.content[0].text);
  }
  return times;
};
const tOne = await run(one), tAnd = await run(and);
const f = (x) => x.toFixed(1);
console.log('| step | ms |');
console.log('|---|---|');
console.log(`| zkwiki-keyring grant (unlock with Argon2id, token, certificate, wraps) | ${grantMs} |`);
console.log(`| zkwiki-mcp start: open grant, first sync of ${cov.known.toLocaleString('en-US')} pages, MCP initialize | ${f(t1 - t0)} |`);
console.log(`| first search (fetch the sealed index: manifest and ${cov.segments} segment${cov.segments === 1 ? '' : 's'}) | ${f(t2 - t1)} |`);
console.log(`| **grant to first successful search** | **${sinceGrant}** |`);
console.log('');
console.log(`| MCP search (sealed index, ${cov.indexed} of ${cov.known} pages; each call syncs first) | queries | p50 ms | p99 ms |`);
console.log('|---|---|---|---|');
console.log(`| one word | ${tOne.length} | ${f(pct(tOne, 0.5))} | ${f(pct(tOne, 0.99))} |`);
console.log(`| two words (and) | ${tAnd.length} | ${f(pct(tAnd, 0.5))} | ${f(pct(tAnd, 0.99))} |`);
await client.close();
