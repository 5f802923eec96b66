/**
 * Campaign events benchmark (issue 15): the CPU seconds (process.cpuUsage, DuckDB's threads included) of POST
 * /v1/campaign-events sent one after another over loopback, as the dashboard test's seeding and a storefront's
 * visitors send them, with a storefront key on the decide benchmark's store (20 active campaigns). Beside it, in the
 * same process, what reading every campaign from the store (listCampaigns) costs alone. Server and client share the
 * process, so the figure per request includes the client's side; CPU, not wall time, on a loaded machine.
 * Usage: npm run bench -- --only campaign-events [--customers 100000] [--requests 2000]
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listCampaigns, type Campaign } from '../src/campaigns/index.js';
import { buildServer, createKey, Workspaces } from '../src/server/index.js';
import { decideStore, ORIGIN } from './decide-store.js';
import { arg, fmt } from './lib.js';

const customers = Number(arg('customers', '100000'));
const requests = Number(arg('requests', '2000'));
const made = await decideStore(customers, arg('out', join('bench', 'out')));
const ids = made.ids;
// A copy: the events sent here stay out of the decide benchmark's store (its decider would load their visitors).
const dir = mkdtempSync(join(tmpdir(), 'segmint-campaign-events-'));
const db = join(dir, 'shop.duckdb');
copyFileSync(made.db, db);

const workspaces = await Workspaces.open({ dbPath: db });
const app = await buildServer({ workspaces });
const url = await app.listen({ port: 0, host: '127.0.0.1' });
const key = (await createKey(workspaces.control, 'default', ['storefront'], 'bench', [ORIGIN])).key;
const active: Campaign[] = await workspaces.use('default', (store) => listCampaigns(store, 'active'));

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

let n = 0;
async function post(): Promise<void> {
  const i = n++;
  const c = active[i % active.length]!;
  const variant = c.experiment ? c.experiment.variants[0]!.id : 'default';
  const body = { visitor_id: `bench-v-${i}`, customer_id: ids[i % ids.length], events: [{ id: `bench-${Date.now()}-${i}`, campaign_id: c.id, variant, type: 'impression' }] };
  const res = await fetch(`${url}/v1/campaign-events?key=${key}`, { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST /v1/campaign-events: ${res.status} ${await res.text()}`);
  await res.text();
}

/** CPU milliseconds per call of `fn`, after a warm-up of a tenth as many. */
async function perCall(count: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < count / 10; i++) await fn();
  const t0 = cpu();
  for (let i = 0; i < count; i++) await fn();
  return ((cpu() - t0) * 1000) / count;
}

const eventsMs = await perCall(requests, post);
const listMs = await perCall(requests, () => workspaces.use('default', (store) => listCampaigns(store)));
console.log(`\nCampaign events, ${customers.toLocaleString('en-US')} customers, ${active.length} active campaigns, ${requests} requests one after another`);
console.log(`  POST /v1/campaign-events   ${fmt(eventsMs, 3)} ms CPU per request (server and client)`);
console.log(`  listCampaigns alone        ${fmt(listMs, 3)} ms CPU per call`);
await app.close();
await workspaces.close();
rmSync(dir, { recursive: true, force: true });
