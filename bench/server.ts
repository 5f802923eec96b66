/**
 * Server benchmark (issue 4): on the demo store, GET /v1/customers/:id/audiences and POST /v1/classify at a constant
 * rate on loopback (open loop: bench/paced-load.ts) (p50, p99, errors), and POST /v1/events in batches of 100 (events/s, and the time until a
 * membership reflects a batch). The server runs as its own process, as in production.
 * Usage: npm run bench -- --only server [--customers 100000] [--rate 1000] [--seconds 30]
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createAudience } from '../src/audiences/index.js';
import { importDemoFiles } from '../src/demo/index.js';
import { sql } from '../src/sql/index.js';
import { Store } from '../src/store/index.js';
import { arg, demoFiles, fmt, newKey, serveStore, stopServer } from './lib.js';
import { pacedLoad } from './paced-load.js';
import { runPipeline } from '../src/pipeline/index.js';

const customers = Number(arg('customers', '100000'));
const rate = Number(arg('rate', '1000'));
const seconds = Number(arg('seconds', '30'));
const out = arg('out', join('bench', 'out'));
const dir = join(out, `demo-${customers}-1`);
const db = join(out, `server-${customers}.duckdb`);
mkdirSync(out, { recursive: true });

// The store: the demo at this size, one run, and an audience that a live batch will satisfy.
const fresh = !existsSync(db);
const store = await Store.open({ path: db });
if (fresh) {
  await importDemoFiles(store, await demoFiles(dir, customers, 1));
  await createAudience(store, { name: 'Bench live cart', rule: 'count(add_to_cart where product = "BENCH-SKU", last 7 days) >= 1' });
  await runPipeline(store, '2026-11-01 00:00:00');
}
const ids = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY hash(id) LIMIT 5000`)).map((r) => r.id);
store.close();

// One key per phase: the per-key rate limit (60,000 a minute) would otherwise cut into the second phase.
const key = newKey(db);
const { server, url, pinned } = await serveStore(db, { pinned: true });
const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
const classifyHeaders = { ...headers, authorization: `Bearer ${newKey(db)}` };
let n = 0;
const nextId = () => ids[n++ % ids.length]!;

async function load(title: string, method: 'GET' | 'POST', path: (id: string) => string, body?: (id: string) => string, requestHeaders = headers) {
  const run = (duration: number) =>
    pacedLoad(url, rate, duration, () => {
      const id = nextId();
      return { method, path: path(id), headers: requestHeaders, ...(body ? { body: body(id) } : {}) };
    });
  // Two seconds unmeasured first, so the figures are the steady state rather than the JIT compiling the route.
  await run(2);
  const result = await run(seconds);
  console.log(`  ${title.padEnd(38)} ${fmt(result.rate, 0).padStart(6)} req/s  p50 ${fmt(result.p50, 2)} ms  p99 ${fmt(result.p99, 2)} ms  max ${fmt(result.max, 1)} ms  errors ${result.errors} (target p99 < 10 ms, 0 errors)`);
}

console.log(`\nServer on loopback, ${customers.toLocaleString('en-US')} customers, ${rate} requests/s for ${seconds} s`);
console.log(pinned ? '  server on core 0, load generator on core 1 (taskset)' : '  server and load generator share the cores (taskset or a second core missing)');
await load('GET /v1/customers/:id/audiences', 'GET', (id) => `/v1/customers/${encodeURIComponent(id)}/audiences`);
await load('POST /v1/classify', 'POST', () => '/v1/classify', (id) => JSON.stringify({ customer_id: id }), classifyHeaders);

// Ingest: batches of 100 events, one after another, for a fixed time; then how long until a batch shows.
let sent = 0;
const started = performance.now();
for (let b = 0; performance.now() - started < seconds * 1000; b++) {
  const events = Array.from({ length: 100 }, (_, i) => ({ id: `bench-${Date.now()}-${b}-${i}`, type: 'view', ts: new Date().toISOString(), customer_id: nextId(), product_id: 'P00001', device: 'mobile' }));
  const res = await fetch(`${url}/v1/events`, { method: 'POST', headers, body: JSON.stringify({ events }) });
  if (res.status !== 200) throw new Error(`events batch: ${res.status} ${await res.text()}`);
  sent += events.length;
}
const ingestSeconds = (performance.now() - started) / 1000;
const who = nextId();
const t0 = performance.now();
await fetch(`${url}/v1/events`, { method: 'POST', headers, body: JSON.stringify({ events: [{ id: `bench-live-${Date.now()}`, type: 'add_to_cart', ts: new Date().toISOString(), customer_id: who, product_id: 'BENCH-SKU' }] }) });
let visibleMs = NaN;
for (let i = 0; i < 100; i++) {
  const r = (await (await fetch(`${url}/v1/customers/${encodeURIComponent(who)}/audiences`, { headers })).json()) as { audiences: Array<{ id: string }> };
  if (r.audiences.some((a) => a.id === 'bench-live-cart')) {
    visibleMs = performance.now() - t0;
    break;
  }
}
console.log(`  POST /v1/events, batches of 100           ${fmt(sent / ingestSeconds, 0)} events/s sustained; membership visible ${fmt(visibleMs, 0)} ms after a batch (target < 1,000 ms)`);
await stopServer(server);
