/**
 * Where a turn of POST /v1/events goes (issue 17): on a copy of a store with a live view, turns of 4 batches of 100
 * events as bench/events.ts sends them, stored and worked out as the route does (ingestEventBatches, the view's take
 * and refresh, its memberships saved later as the server's timer does); every statement's wall and CPU time (the
 * process's, DuckDB's threads included), and the turn's.
 * With --profile <file.cpuprofile>, the turns after the first also run under V8's profiler (which slows them: read the
 * CPU figures from a run without it), and the JavaScript's time a turn is printed by part of the turn and by function.
 * Usage: node --import tsx bench/events-turn.ts <store.duckdb> [--turns 10] [--profile <file.cpuprofile>]
 */
import { withLiveChanges } from '../src/activation/webhooks/live.js';
import { LiveView } from '../src/audiences/index.js';
import { sql, type Sql } from '../src/sql/index.js';
import { ingestEventBatches, Store } from '../src/store/index.js';
import { arg, fmt } from './lib.js';
import { profiled, type JsTimes } from './js-profile.js';
import { merge, recordStatements, statementText, timed, type Timing } from './statements.js';

const turns = Number(arg('turns', '10'));
const profile = arg('profile', '');
const store = await Store.open({ path: process.argv[2]! });
const view = await LiveView.build(store);
if (!view) throw new Error('no live view on this store');
const ids = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY hash(id) LIMIT 20000`)).map((r) => r.id);
const products = (await store.all<{ id: string }>(sql`SELECT id FROM products ORDER BY id LIMIT 200`)).map((r) => r.id);

/** The parts of a turn the profile reports, by the function that does each (nested parts are inside the ones above them). */
const TURN_PARTS: ReadonlyArray<[string, string]> = [
  ['storing', 'ingestEventBatches'],
  ['taking the events into the view', 'take'],
  ['working the customers out again', 'refresh'],
  ['  features', 'workOut'],
  ["    held events' aggregates (kept between turns; main: inside liveFeatures)", 'heldAggregates'],
  ['    features from the aggregates', 'liveFeatures'],
  ['  answers: rules and reasons', 'evaluate'],
  ['    rules', 'evaluateRules'],
  ['    reasons', 'ruleReasons'],
  ['  live memberships stored', 'storeLiveMemberships'],
];

const label = (q: Sql): string => statementText(q).slice(0, 60);
const timings: Timing[] = recordStatements(store, label);
let n = 0;
const batch = (t: number, c: number) => {
  const ts = new Date().toISOString();
  const events = Array.from({ length: 99 }, (_, i) => {
    const kind = i % 10;
    const base = { id: `turn-${t}-${c}-${i}`, ts, customer_id: ids[n++ % ids.length]!, product_id: products[i % products.length]!, device: 'mobile', session_id: `turn-${t}-${c}` };
    return kind < 8 ? { ...base, type: 'view' as const } : kind === 8 ? { ...base, type: 'add_to_cart' as const } : { ...base, type: 'order' as const, order_id: `turn-${t}-${c}`, quantity: 1, unit_price: 20 };
  });
  // As bench/events.ts: each batch ends with a customer new to the store (its visibility probe there).
  return [...events, { id: `turn-${t}-${c}-probe`, ts, customer_id: `turn-probe-${t}-${c}`, product_id: 'BENCH-SKU', device: 'mobile', session_id: `turn-${t}-${c}`, type: 'add_to_cart' as const }];
};
const turnTimes: number[] = [];
const storingTimes: number[] = [];
const turn = async (t: number): Promise<void> => {
  const batches = Array.from({ length: 4 }, (_, c) => batch(t, c));
  let storing = 0;
  const took = await timed(async () => {
    const stored = await timed(() => ingestEventBatches(store, batches, view.knownIds()));
    storing = stored.cpu;
    view.take(stored.value.flatMap((r) => r.stored));
    const touched = [...new Set(batches.flat().map((e) => e.customer_id))];
    // As the route (routes/events.ts): memberships saved later, by the server's timer, which this leaves out.
    await withLiveChanges(store, view, touched, () => view.refresh(store, touched, { eventsOnly: true, persist: 'later' }));
    view.settle(store.writes);
  });
  if (t > 0) {
    turnTimes.push(took.cpu);
    storingTimes.push(storing);
  } else timings.length = 0;
};
await turn(0);
const rest = async (): Promise<void> => {
  for (let t = 1; t < turns; t++) await turn(t);
};
const js: JsTimes | undefined = profile ? (await profiled(rest, profile)).times : (await rest(), undefined);
const statements = timings.reduce((s, x) => s + x.cpu, 0);
const mean = (xs: number[]) => fmt((xs.reduce((a, b) => a + b, 0) / xs.length) * 1000, 1);
console.log(`turns of 4 x 100 events after one to warm up: CPU ${mean(turnTimes)} ms a turn, storing (ingestEventBatches) ${mean(storingTimes)} ms, statements ${fmt((statements / turnTimes.length) * 1000, 1)} ms`);
for (const t of merge(timings)) console.log(`  ${fmt((t.cpu / turnTimes.length) * 1000, 1).padStart(7)} ms CPU ${fmt((t.wall / turnTimes.length) * 1000, 1).padStart(7)} ms wall  ${t.label}`);
if (js) {
  const perTurn = (ms: number): string => fmt(ms / turnTimes.length, 1).padStart(7);
  console.log(`JavaScript thread under the profiler, a turn: ${perTurn(js.total)} ms sampled; by part (inclusive):`);
  for (const [part, fn] of TURN_PARTS) console.log(`  ${perTurn(js.inclusive.get(fn) ?? 0)} ms  ${part} (${fn})`);
  console.log('by function (self), the 25 largest:');
  for (const [fn, ms] of [...js.self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${perTurn(ms)} ms  ${fn}`);
}
store.close();
