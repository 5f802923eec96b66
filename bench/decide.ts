/**
 * Decide benchmark (issue 15): GET /v1/decide with a storefront key on the demo store with 20 active campaigns (every
 * type, aimed at smart segments, rules and context), at a fixed rate on loopback: p50, p99, errors; half the visitors
 * signed-in customers, half anonymous. Baseline in the same run: GET /v1/customers/:id/audiences, the live view's
 * own answer, at the same rate. The server runs as its own process, as in production.
 * Usage: npm run bench -- --only decide [--customers 100000] [--rate 1000] [--seconds 30]
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createCampaign, listCampaigns, setCampaignStatus, type CampaignInput } from '../src/campaigns/index.js';
import { importDemoFiles } from '../src/demo/index.js';
import { DEMO_CAMPAIGNS } from '../src/demo/storefront-campaigns.js';
import { runPipeline } from '../src/pipeline/index.js';
import { sql } from '../src/sql/index.js';
import { Store } from '../src/store/index.js';
import { arg, demoFiles, fmt, newKey, serveStore } from './lib.js';

const customers = Number(arg('customers', '100000'));
const rate = Number(arg('rate', '1000'));
const seconds = Number(arg('seconds', '30'));
const out = arg('out', join('bench', 'out'));
const dir = join(out, `demo-${customers}-1`);
const db = join(out, `decide-${customers}.duckdb`);
const ORIGIN = 'http://bench.test';
mkdirSync(out, { recursive: true });

/** 20 campaigns: the five demo ones and 15 more aimed at the smart segments, on pages and devices. */
function campaigns(): CampaignInput[] {
  const segments = ['smart-active-loyals', 'smart-big-spenders', 'smart-loyals-at-risk', 'smart-churn-candidates', 'smart-one-time-shoppers'];
  const extra = Array.from({ length: 15 }, (_, i): CampaignInput => {
    const base = structuredClone(DEMO_CAMPAIGNS[i % DEMO_CAMPAIGNS.length]!);
    return {
      ...base,
      name: `Bench ${i} ${base.type}`,
      priority: 30 + i,
      targeting: {
        audiences: { include: [segments[i % segments.length]!], exclude: i % 3 === 0 ? [segments[(i + 1) % segments.length]!] : [] },
        visitor: 'any',
        ...(i % 2 === 0 ? { page_types: ['product'] } : { url_pattern: `/(sale|new)/${i}` }),
        ...(i % 4 === 0 ? { devices: ['mobile' as const] } : {}),
      },
    };
  });
  return [...DEMO_CAMPAIGNS, ...extra];
}

const fresh = !existsSync(db);
const store = await Store.open({ path: db });
if (fresh) {
  await importDemoFiles(store, await demoFiles(dir, customers, 1));
  await runPipeline(store, '2026-11-01 00:00:00');
}
// A store made by another benchmark (bench/out/decide-1000000.duckdb linked to the dashboard's) gets its campaigns here.
if ((await listCampaigns(store, 'active')).length === 0) for (const c of campaigns()) await setCampaignStatus(store, (await createCampaign(store, c)).id, 'active');
const active = (await listCampaigns(store, 'active')).length;
const ids = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY hash(id) LIMIT 5000`)).map((r) => r.id);
store.close();

const storefront = newKey(db, '--scopes', 'storefront', '--origins', ORIGIN);
const admin = newKey(db);
const { server, url, pinned } = await serveStore(db, { pinned: true });
let n = 0;
const PAGES = ['home', 'product', 'cart'];
const DEVICES = ['desktop', 'mobile'];

function decidePath(): string {
  const i = n++;
  const params = new URLSearchParams({ key: storefront, visitor: `bench-visitor-${i % 20_000}`, url: `${ORIGIN}/sale/${i % 15}`, page_type: PAGES[i % 3]!, device: DEVICES[i % 2]! });
  if (i % 2 === 0) params.set('customer', ids[i % ids.length]!);
  return `/v1/decide?${params.toString()}`;
}

async function load(title: string, path: () => string, headers: Record<string, string>): Promise<number> {
  const run = (duration: number) => autocannon({ url, connections: 20, overallRate: rate, duration, requests: [{ method: 'GET', headers, setupRequest: (req) => ({ ...req, path: path() }) }] });
  // Two seconds unmeasured first: the steady state, not the JIT compiling the route.
  await run(2);
  const result = await run(seconds);
  const errors = result.errors + result.timeouts + result.non2xx;
  console.log(`  ${title.padEnd(38)} ${fmt(result.requests.average, 0).padStart(6)} req/s  p50 ${fmt(result.latency.p50, 1)} ms  p99 ${fmt(result.latency.p99, 1)} ms  errors ${errors}`);
  return result.latency.p99;
}

console.log(`\nDecide on loopback, ${customers.toLocaleString('en-US')} customers, ${active} active campaigns, ${rate} requests/s for ${seconds} s`);
console.log(pinned ? '  server on core 0, load generator on core 1 (taskset)' : '  server and load generator share the cores (taskset or a second core missing)');
const baseline = await load('GET /v1/customers/:id/audiences (base)', () => `/v1/customers/${encodeURIComponent(ids[n++ % ids.length]!)}/audiences`, { authorization: `Bearer ${admin}` });
const decide = await load('GET /v1/decide (target p99 < 5 ms)', decidePath, { origin: ORIGIN });
console.log(`  decide p99 / baseline p99: ${fmt(decide / baseline, 2)}x`);
server.kill('SIGTERM');
