import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAudience, listAudiences } from '../../src/audiences/index.js';
import { createBehavior } from '../../src/audiences/custom-behaviors.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore, plainSql, tempDir } from '../helpers.js';
import { fitOnLatestRun, runPipeline } from '../../src/pipeline/index.js';

/**
 * A whole run as of a past date (smart segments, RFM, rule audiences, clusters, suggested and custom behaviors, CLV) equals the same run on a store
 * that only ever held what existed before that date: every audience, member by member, with the same scores and
 * reasons, the same sizes, thresholds, behavior yardsticks and CLV scores. Nothing after the date may leak into a run for it.
 */
const PAST = '2026-04-01 00:00:00';
const LATEST = '2026-11-01 00:00:00';
const dir = tempDir();
let full: Store;
let past: Store;

const RULES = [
  { name: 'Recent shoe buyers', rule: 'count(order where category = "shoes", last 90 days) >= 1' },
  { name: 'Lapsed browsers', rule: 'stopped(view, 180 days, 30 days) and orders <= 1' },
  { name: 'Premium spenders', rule: 'sum(order where tag = "premium", last 365 days) > 150 or premium_index >= 1.2' },
  { name: 'Likely to return', rule: 'p_alive >= 0.6 and expected_orders_90d > 0.3' },
  { name: 'Loyal shoe buyers', rule: 'in audience "Recent shoe buyers" and orders >= 3' },
  { name: 'New in France', rule: 'customer.country = "FR" and customer.created_at >= 60 days ago' },
];

/** The same work on either store: audiences, a run as of the date, clusterings fitted on it, and the run again. */
async function prepare(store: Store): Promise<void> {
  for (const r of RULES) await createAudience(store, r);
  await createBehavior(store, { name: 'Linen buyers', spec: 'count(order where material = "linen") >= 1', active: true });
  await runPipeline(store, PAST);
  await fitOnLatestRun(store, 'rfm', { seed: 3 });
  await fitOnLatestRun(store, 'behavior', { seed: 3 });
  await runPipeline(store, PAST);
}

type Row = Record<string, unknown>;
const at = sql`CAST(${PAST} AS TIMESTAMP)`;

async function snapshot(store: Store) {
  return {
    memberships: await store.all(sql`SELECT audience_id, customer_id, round(score, 9) AS score, reasons FROM memberships WHERE as_of = ${at} ORDER BY 1, 2`),
    sizes: await store.all(sql`SELECT audience_id, size, round(revenue, 6) AS revenue, rule_text FROM audience_runs WHERE as_of = ${at} ORDER BY 1`),
    run: await store.one(sql`SELECT customers, round(revenue, 6) AS revenue, thresholds::VARCHAR AS thresholds FROM runs WHERE as_of = ${at}`),
    clv: await store.all(sql`SELECT customer_id, p_alive, expected_orders_90d, clv_365d FROM customer_clv WHERE as_of = ${at} ORDER BY 1`),
    yardsticks: await store.all(sql`SELECT signal, round(median, 9) AS median, round(scale, 9) AS scale, round(mean, 9) AS mean FROM behavior_signal_stats WHERE as_of = ${at} ORDER BY 1`),
  };
}

function byAudience(rows: Row[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(String(r.audience_id), [...(out.get(String(r.audience_id)) ?? []), String(r.customer_id)]);
  return out;
}

beforeAll(async () => {
  const files = await generateDemo({ customers: 1000, seed: 17, outDir: dir.path });
  // What the shop's files would have held on the date: customers registered and events that happened before it.
  const before = { products: files.products, customers: join(dir.path, 'customers-before.csv'), events: join(dir.path, 'events-before.csv') };
  await plainSql(`COPY (SELECT * FROM read_csv('${files.customers}', all_varchar = true) WHERE created_at::TIMESTAMP < '${PAST}') TO '${before.customers}' (HEADER)`);
  await plainSql(`COPY (SELECT * FROM read_csv('${files.events}', all_varchar = true) WHERE ts::TIMESTAMP < '${PAST}') TO '${before.events}' (HEADER)`);
  full = await memoryStore();
  past = await memoryStore();
  await importDemoFiles(full, files);
  await importDemoFiles(past, before);
  await prepare(full);
  await prepare(past);
}, 180_000);

afterAll(() => {
  full.close();
  past.close();
  dir.cleanup();
});

describe('a run as of a past date', () => {
  it('equals the run on a store that held only the events before it, audience by audience and member by member', async () => {
    const a = await snapshot(full);
    const b = await snapshot(past);
    const members = byAudience(a.memberships);
    // Every kind of audience is in the comparison, and each splits the customers.
    const kinds = await full.all<{ kind: string; n: number }>(sql`SELECT a.kind, count(DISTINCT m.audience_id) AS n FROM memberships m JOIN audiences a ON a.id = m.audience_id
      WHERE m.as_of = ${at} GROUP BY 1 ORDER BY 1`);
    const activeKinds = [...new Set((await listAudiences(full)).filter((x) => x.active).map((x) => x.kind))].sort();
    expect(activeKinds.length).toBeGreaterThanOrEqual(6);
    expect(kinds.map((k) => k.kind)).toEqual(activeKinds);
    expect(members.get('linen-buyers')?.length ?? 0).toBeGreaterThan(0);
    for (const r of RULES) expect(members.get(r.name.toLowerCase().replaceAll(' ', '-'))?.length ?? 0, r.name).toBeGreaterThan(0);
    const pastMembers = byAudience(b.memberships);
    for (const id of new Set([...members.keys(), ...pastMembers.keys()])) expect(pastMembers.get(id) ?? [], id).toEqual(members.get(id) ?? []);
    expect(b.memberships).toEqual(a.memberships);
    expect(b.sizes).toEqual(a.sizes);
    expect(b.run).toEqual(a.run);
    expect(a.clv.length).toBeGreaterThan(100);
    expect(b.clv).toEqual(a.clv);
    expect(a.yardsticks.length).toBeGreaterThan(10);
    expect(b.yardsticks).toEqual(a.yardsticks);
  });

  it('is the same whether or not a later run came first', async () => {
    // A store that ran as of the latest date, clusterings refitted on it, then re-runs the past date: that run reads
    // nothing of the later one (the refit starts from the stored model, and still lands on the same clusters).
    const before = await snapshot(full);
    await runPipeline(full, LATEST);
    await runPipeline(full, PAST);
    expect(await snapshot(full)).toEqual(before);
  });
});
