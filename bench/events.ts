/**
 * Real-time ingest benchmark (issue 17): POST /v1/events in batches of 100 from 4 clients at once for a fixed time
 * on the demo store, as a shop sends them: sustained events/s, and the p95 time from a batch's POST until its
 * membership shows (each batch carries an add to cart that puts a new customer in "Bench live cart", which the
 * client then reads back). With `--baseline <checkout>`, the same load on the same store served by another checkout's
 * code (built, e.g. `git worktree add /tmp/base main && cd /tmp/base && npm ci && npm run build`), in the same run.
 * Then the live view's memory a customer, and a customer worked out again (bench/view-memory.ts).
 * Usage: npm run bench -- --only events [--customers 100000] [--seconds 30] [--baseline /tmp/base] [--pin no] [--view-memory no]
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createAudience } from '../src/audiences/index.js';
import { importDemoFiles } from '../src/demo/index.js';
import { runPipeline } from '../src/pipeline/index.js';
import { sql } from '../src/sql/index.js';
import { Store } from '../src/store/index.js';
import { arg, demoFiles, fmt, newKey, runPhase, serveStore, stopServer } from './lib.js';

const customers = Number(arg('customers', '100000'));
const seconds = Number(arg('seconds', '30'));
const baseline = arg('baseline', '');
const out = arg('out', join('bench', 'out'));
// `--pin no`: the server on both cores, beside the load generator (pinned, it has core 0 alone, the generator core 1).
const pin = arg('pin', 'yes') !== 'no';
// `--view-memory no`: only the load, without the view's memory measured after it.
const viewMemory = arg('view-memory', 'yes') !== 'no';
const CLIENTS = 4;
const BATCH = 100;
// The server benchmark's store: the demo at this size, one run, and the audience a probe enters.
const db = join(out, `server-${customers}.duckdb`);
mkdirSync(out, { recursive: true });

if (!existsSync(db)) {
  const store = await Store.open({ path: db });
  await importDemoFiles(store, await demoFiles(join(out, `demo-${customers}-1`), customers, 1));
  await createAudience(store, { name: 'Bench live cart', rule: 'count(add_to_cart where product = "BENCH-SKU", last 7 days) >= 1' });
  await runPipeline(store, '2026-11-01 00:00:00');
  store.close();
}
const setup = await Store.open({ path: db });
const ids = (await setup.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY hash(id) LIMIT 20000`)).map((r) => r.id);
const products = (await setup.all<{ id: string }>(sql`SELECT id FROM products ORDER BY id LIMIT 200`)).map((r) => r.id);
setup.close();

const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;

/** The load on a fresh copy of the store served by the checkout at `root` (this one by default). */
async function measure(label: string, root?: string): Promise<void> {
  const copy = join(out, `events-${customers}-${label}.duckdb`);
  rmSync(`${copy}.wal`, { force: true });
  rmSync(copy.replace(/\.duckdb$/, '.workspaces'), { recursive: true, force: true });
  copyFileSync(db, copy);
  const key = newKey(copy);
  const { server, url, pinned } = await serveStore(copy, { pinned: pin, ...(root ? { tree: root } : {}) });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  let sent = 0;
  let n = 0;
  const visible: number[] = [];
  // Unmeasured: the first batch starts the live view's build, queued behind it; the second waits for the build. The
  // figures are then the view's steady state, not its build (which took longer than the whole measure at 100k).
  for (const w of [0, 1]) {
    const events = [{ id: `bench-${label}-warm-${w}`, type: 'view', ts: new Date().toISOString(), customer_id: ids[w]!, product_id: products[0]! }];
    const res = await fetch(`${url}/v1/events`, { method: 'POST', headers, body: JSON.stringify({ events }) });
    if (res.status !== 200) throw new Error(`events batch: ${res.status} ${await res.text()}`);
  }
  const cpuBefore = serverCpuMs(server.pid!);
  const started = performance.now();
  const client = async (c: number) => {
    for (let b = 0; performance.now() - started < seconds * 1000; b++) {
      const probe = `bench-probe-${label}-${c}-${b}`;
      const ts = new Date().toISOString();
      const events = Array.from({ length: BATCH - 1 }, (_, i) => {
        const kind = i % 10;
        const base = { id: `bench-${label}-${c}-${b}-${i}`, ts, customer_id: ids[n++ % ids.length]!, product_id: products[i % products.length]!, device: 'mobile', session_id: `bench-${c}-${b}` };
        return kind < 8 ? { ...base, type: 'view' } : kind === 8 ? { ...base, type: 'add_to_cart' } : { ...base, type: 'order', order_id: `bench-${label}-${c}-${b}`, quantity: 1, unit_price: 20 };
      });
      events.push({ id: `bench-${label}-${c}-${b}-probe`, ts, customer_id: probe, product_id: 'BENCH-SKU', device: 'mobile', session_id: `bench-${c}-${b}`, type: 'add_to_cart' });
      const t0 = performance.now();
      const res = await fetch(`${url}/v1/events`, { method: 'POST', headers, body: JSON.stringify({ events }) });
      if (res.status !== 200) throw new Error(`events batch: ${res.status} ${await res.text()}`);
      sent += events.length;
      for (;;) {
        const r = (await (await fetch(`${url}/v1/customers/${encodeURIComponent(probe)}/audiences`, { headers })).json()) as { audiences?: Array<{ id: string }> };
        if (r.audiences?.some((a) => a.id === 'bench-live-cart')) break;
      }
      visible.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  const wall = (performance.now() - started) / 1000;
  const cpu = (serverCpuMs(server.pid!) - cpuBefore) / 1000;
  await stopServer(server);
  console.log(
    `  ${label.padEnd(9)} ${fmt(sent / wall, 0).padStart(6)} events/s sustained (${fmt(sent / cpu, 0)} per server CPU second); membership visible p50 ${fmt(percentile(visible, 0.5), 0)} ms, p95 ${fmt(percentile(visible, 0.95), 0)} ms after the POST${pinned ? '' : ' (not pinned)'}`,
  );
}

/** User and system CPU time of a process, all its threads, so far (Linux /proc; clock ticks of 10 ms), in ms. */
function serverCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

console.log(`\nPOST /v1/events on loopback, ${customers.toLocaleString('en-US')} customers, batches of ${BATCH} from ${CLIENTS} clients for ${seconds} s (target: 5,000 events/s, visible p95 < 1,000 ms at 1M)`);
if (baseline) await measure('baseline', baseline);
await measure('current');

// The view's memory, in a process of its own so the heap is the view's alone; the baseline's on the same store.
for (const [label, root] of viewMemory ? ([...(baseline ? [['baseline', baseline]] : []), ['current', '.']] as Array<[string, string]>) : []) {
  const memory = runPhase('bench/view-memory.ts', [join(out, `events-${customers}-current.duckdb`), root], { NODE_OPTIONS: '--expose-gc' });
  const d = memory.detail as Record<string, number>;
  console.log(
    `  live view (${label}): built in ${fmt(memory.seconds, 1)} s; ${fmt(d.heapBytesPerCustomer!, 0)} B of JS heap and ${fmt(d.bufferBytesPerCustomer!, 0)} B outside it (ArrayBuffers) a customer, ${fmt(d.customerBytesPerCustomer!, 0)} B of them not events' (${fmt(d.events! / d.customers!, 1)} events each, ${fmt(d.eventColumnBytesPerEvent!, 0)} B an event of the store, held or folded); ${fmt(d.workedOutHeapBytesPerCustomer!, 0)} B of heap more a customer of the load worked out again (their kept aggregates); peak RSS ${fmt(memory.peakRssMb, 0)} MB (heap limit ${fmt(d.heapLimitMb!, 0)} MB)`,
  );
}
