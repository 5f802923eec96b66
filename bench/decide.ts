/**
 * Decide benchmark (issue 15): GET /v1/decide with a storefront key on the demo store with 20 active campaigns (every
 * type, aimed at smart segments, rules and context), at a constant rate on loopback (open loop: bench/paced-load.ts): p50, p99, errors; half the visitors
 * signed-in customers, half anonymous. Baseline in the same run: GET /v1/customers/:id/audiences, the live view's
 * own answer, at the same rate. The server runs as its own process, as in production.
 * Usage: npm run bench -- --only decide [--customers 100000] [--rate 1000] [--seconds 30]
 */
import { join } from 'node:path';
import { decidePath, decideStore, ORIGIN } from './decide-store.js';
import { arg, fmt, newKey, serveStore, stopServer } from './lib.js';
import { pacedLoad } from './paced-load.js';

const customers = Number(arg('customers', '100000'));
const rate = Number(arg('rate', '1000'));
const seconds = Number(arg('seconds', '30'));
const { db, active, ids } = await decideStore(customers, arg('out', join('bench', 'out')));

const storefront = newKey(db, '--scopes', 'storefront', '--origins', ORIGIN);
const admin = newKey(db);
const { server, url, pinned } = await serveStore(db, { pinned: true });
let n = 0;

async function load(title: string, path: () => string, headers: Record<string, string>): Promise<number> {
  const run = (duration: number) => pacedLoad(url, rate, duration, () => ({ method: 'GET', path: path(), headers }));
  // Two seconds unmeasured first: the steady state, not the JIT compiling the route.
  await run(2);
  const result = await run(seconds);
  console.log(`  ${title.padEnd(38)} ${fmt(result.rate, 0).padStart(6)} req/s  p50 ${fmt(result.p50, 2)} ms  p99 ${fmt(result.p99, 2)} ms  max ${fmt(result.max, 1)} ms  errors ${result.errors}`);
  return result.p99;
}

console.log(`\nDecide on loopback, ${customers.toLocaleString('en-US')} customers, ${active} active campaigns, ${rate} requests/s for ${seconds} s`);
console.log(pinned ? '  server on core 0, load generator on core 1 (taskset)' : '  server and load generator share the cores (taskset or a second core missing)');
const baseline = await load('GET /v1/customers/:id/audiences (base)', () => `/v1/customers/${encodeURIComponent(ids[n++ % ids.length]!)}/audiences`, { authorization: `Bearer ${admin}` });
const decide = await load('GET /v1/decide (target p99 < 5 ms)', () => decidePath(n++, storefront, ids), { origin: ORIGIN });
console.log(`  decide p99 / baseline p99: ${fmt(decide / baseline, 2)}x`);
await stopServer(server);
