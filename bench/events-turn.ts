/**
 * Where a turn of POST /v1/events goes (issue 17): on a copy of a store with a live view, turns of 4 batches of 100
 * events as bench/events.ts sends them, stored and worked out as the route does (ingestEventBatches, the view's take
 * and refresh); every statement's wall and CPU time (the process's, DuckDB's threads included), and the turn's.
 * Usage: node --import tsx bench/events-turn.ts <store.duckdb> [--turns 10]
 */
import { LiveView } from '../src/audiences/index.js';
import { sql, type Sql } from '../src/sql/index.js';
import { ingestEventBatches, Store } from '../src/store/index.js';
import { arg, fmt } from './lib.js';
import { merge, recordStatements, statementText, timed, type Timing } from './statements.js';

const turns = Number(arg('turns', '10'));
const store = await Store.open({ path: process.argv[2]! });
const view = await LiveView.build(store);
if (!view) throw new Error('no live view on this store');
const ids = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY hash(id) LIMIT 20000`)).map((r) => r.id);
const products = (await store.all<{ id: string }>(sql`SELECT id FROM products ORDER BY id LIMIT 200`)).map((r) => r.id);

const label = (q: Sql): string => statementText(q).slice(0, 60);
const timings: Timing[] = recordStatements(store, label);
let n = 0;
const batch = (t: number, c: number) => {
  const ts = new Date().toISOString();
  return Array.from({ length: 100 }, (_, i) => {
    const kind = i % 10;
    const base = { id: `turn-${t}-${c}-${i}`, ts, customer_id: ids[n++ % ids.length]!, product_id: products[i % products.length]!, device: 'mobile', session_id: `turn-${t}-${c}` };
    return kind < 8 ? { ...base, type: 'view' as const } : kind === 8 ? { ...base, type: 'add_to_cart' as const } : { ...base, type: 'order' as const, order_id: `turn-${t}-${c}`, quantity: 1, unit_price: 20 };
  });
};
const turnTimes: number[] = [];
const storingTimes: number[] = [];
for (let t = 0; t < turns; t++) {
  const batches = Array.from({ length: 4 }, (_, c) => batch(t, c));
  let storing = 0;
  const took = await timed(async () => {
    const stored = await timed(() => ingestEventBatches(store, batches, view.knownIds()));
    storing = stored.cpu;
    view.take(stored.value.flatMap((r) => r.stored));
    await view.refresh(store, [...new Set(batches.flat().map((e) => e.customer_id))], { eventsOnly: true });
  });
  if (t > 0) {
    turnTimes.push(took.cpu);
    storingTimes.push(storing);
  } else timings.length = 0;
}
const statements = timings.reduce((s, x) => s + x.cpu, 0);
const mean = (xs: number[]) => fmt((xs.reduce((a, b) => a + b, 0) / xs.length) * 1000, 1);
console.log(`turns of 4 x 100 events after one to warm up: CPU ${mean(turnTimes)} ms a turn, storing (ingestEventBatches) ${mean(storingTimes)} ms, statements ${fmt((statements / turnTimes.length) * 1000, 1)} ms`);
for (const t of merge(timings)) console.log(`  ${fmt((t.cpu / turnTimes.length) * 1000, 1).padStart(7)} ms CPU ${fmt((t.wall / turnTimes.length) * 1000, 1).padStart(7)} ms wall  ${t.label}`);
store.close();
