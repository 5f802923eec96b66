import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAudience, type LiveView } from '../../src/audiences/index.js';
import { SNAPSHOT_KINDS } from '../../src/audiences/kinds/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { CUSTOMER_FEATURES } from '../../src/features/index.js';
import { CLV_FEATURES } from '../../src/models/clv/score.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import type { EventInput, Store } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { request, serveForTest, stopServer } from './harness.js';

/**
 * Issue 17: 10,000 customers' event streams replayed through POST /v1/events, then a run as of the day after the
 * last of them. The live view's incremental state (features from each customer's own events, memberships from them)
 * must equal the run's, feature by feature and audience by audience.
 *
 * What only a run computes is left to it: the CLV scores (a model fitted over the whole store) and the RFM cells
 * (positions in the whole population). The other store-wide figures are the run's on both sides: the view takes the
 * run's thresholds and centroids with its rules, and the streams keep the category medians where they were (every
 * order line comes with a twin of the same product, one priced below any price of the shop and one above, so each
 * category's middle prices do not move).
 */

const dir = tempDir();
const BASE_RUN = '2026-11-01 00:00:00';
const LAST_DAY = Date.parse('2026-11-20T00:00:00Z');
const RUN = '2026-11-21 00:00:00';
const CUSTOMERS = Number(process.env.REPLAY_CUSTOMERS ?? 10_000);
const DAY = 86_400_000;
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let key = '';
const store = <T>(fn: (s: Store) => Promise<T>): Promise<T> => workspaces.use('default', fn);

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One customer's stream: visits (sessions) over the 300 days before LAST_DAY, the last on it, with views, searches,
 * carts and orders; returns of some order lines; email sends and opens. Windows of 30 and 90 days cut through them.
 */
function stream(customer: string, products: readonly string[], rnd: () => number): EventInput[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const events: EventInput[] = [];
  let n = 0;
  const at = (day: number, hour: number) => new Date(LAST_DAY - day * DAY + hour * 3_600_000).toISOString();
  const add = (e: Omit<EventInput, 'id' | 'customer_id'>) => events.push({ id: `${customer}-${n++}`, customer_id: customer, ...e });
  const visits = 1 + Math.floor(rnd() * 5);
  const device = rnd() < 0.5 ? 'mobile' : 'desktop';
  for (let v = 0; v < visits; v++) {
    const day = v === 0 ? 0 : Math.floor(rnd() * 300);
    const session = rnd() < 0.9 ? `${customer}-s${v}` : undefined;
    const hour = Math.floor(rnd() * 20);
    // The first visit, on LAST_DAY, has a view at least: every customer's reference instant is the run's date.
    for (let i = Math.floor(rnd() * 4) + (v === 0 ? 1 : 0); i > 0; i--) add({ type: 'view', ts: at(day, hour), session_id: session, product_id: pick(products), device: rnd() < 0.8 ? device : undefined });
    if (rnd() < 0.3) add({ type: 'search', ts: at(day, hour), session_id: session, query: pick(['dress', 'shoes', 'wool']) });
    const carted = rnd() < 0.5;
    if (carted) add({ type: 'add_to_cart', ts: at(day, hour + 1), session_id: session, product_id: pick(products), device });
    if (carted && rnd() < 0.6) {
      const order = `${customer}-o${v}`;
      for (let pair = 1 + Math.floor(rnd() * 2); pair > 0; pair--) {
        const product = pick(products);
        const discount = rnd() < 0.3 ? 5 : 0;
        // Prices vary, or equal spends would tie categories for top_category, which sums in another order break apart.
        // They are not whole cents either: an average order of whole cents can equal a threshold rounded to cents
        // (aov_p80), where the last bit of a sum taken in another order decides the membership.
        const prices = [0.001 + rnd() * 0.5, 99_000 + rnd() * 999];
        for (const unit_price of prices) add({ type: 'order', ts: at(day, hour + 2), session_id: session, order_id: order, product_id: product, quantity: 1 + Math.floor(rnd() * 3), unit_price, discount, device });
        if (rnd() < 0.25 && day > 0) add({ type: 'return', ts: at(day - 1, hour), order_id: order, product_id: product, quantity: 1, unit_price: 99_999 });
      }
    }
  }
  for (let e = Math.floor(rnd() * 4); e > 0; e--) {
    const day = Math.floor(rnd() * 120);
    add({ type: 'email_send', ts: at(day, 8) });
    if (rnd() < 0.5) add({ type: 'email_open', ts: at(day, 9), device });
  }
  return events;
}

beforeAll(async () => {
  const files = await generateDemo({ customers: 200, seed: 17, outDir: join(dir.path, 'demo') });
  workspaces = await Workspaces.open({ dbPath: join(dir.path, 'shop.duckdb') });
  await store(async (s) => {
    await importDemoFiles(s, files);
    // Rules of several kinds: features, windows of events, a product filter, and one audience read by another.
    await createAudience(s, { name: 'Recent viewers', rule: 'count(view, last 30 days) >= 3' });
    await createAudience(s, { name: 'Cart abandoners', rule: 'cart_abandon_rate >= 0.5 and carts_30d >= 1' });
    await createAudience(s, { name: 'Returners', rule: 'return_rate > 0.1 or returns >= 2' });
    await createAudience(s, { name: 'Premium buyers', rule: 'premium_index > 1.2 and orders_90d >= 1' });
    await createAudience(s, { name: 'Recent order lines', rule: 'count(order, last 90 days) >= 3' });
    await createAudience(s, { name: 'Mobile readers', rule: 'mobile_share > 0.5 and email_open_rate >= 0.5' });
    await createAudience(s, { name: 'Returning mobile readers', rule: 'in audience "Mobile readers" and in audience "Returners"' });
    await runPipeline(s, BASE_RUN);
  });
  await workspaces.rebuildView('default');
  key = (await createKey(workspaces.control, 'default', ['admin'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces));
}, 300_000);

afterAll(() => stopServer(app, workspaces, dir));

describe('real-time ingest replayed against a run', () => {
  it('gives every replayed customer the features and memberships the run gives them', async () => {
    const products = (await store((s) => s.all<{ id: string }>(sql`SELECT id FROM products WHERE category IS NOT NULL ORDER BY id LIMIT 40`))).map((p) => p.id);
    const rnd = random(17);
    const ids = Array.from({ length: CUSTOMERS }, (_, i) => `RP${String(i).padStart(5, '0')}`);
    // As a shop sends them: in time order, customers interleaved, four clients at once.
    const events = ids.flatMap((id) => stream(id, products, rnd)).sort((a, b) => a.ts.localeCompare(b.ts) || a.id.localeCompare(b.id));
    const batches = Array.from({ length: Math.ceil(events.length / 1000) }, (_, i) => events.slice(i * 1000, i * 1000 + 1000));
    let next = 0;
    const client = (until: number) => async () => {
      while (next < until) {
        const r = await request(base, 'POST', '/v1/events', key, { events: batches[next++] });
        expect(r.status, r.text).toBe(200);
      }
    };
    // Half the streams, then the view is built again (as after an import): the events older than 90 days before the
    // base are folded into the customers' aggregates, and the other half is taken on top of them.
    const half = Math.floor(batches.length / 2);
    await Promise.all([client(half)(), client(half)(), client(half)(), client(half)()]);
    await workspaces.rebuildView('default');
    const folded = (workspaces.view('default') as LiveView).eventsSize().folded;
    expect(folded).toBeGreaterThan(events.length / 4);
    await Promise.all([client(batches.length)(), client(batches.length)(), client(batches.length)(), client(batches.length)()]);

    const view = workspaces.view('default') as LiveView;
    // The incremental path: features from the events the view holds and the aggregates of those it folded, not from
    // the store (the other mode's).
    expect(view.holds).toBe('every event');
    expect(view.eventsSize().folded).toBe(folded);
    // The run, then the view takes its rules with the run's thresholds; its features stay those it worked out itself.
    await store((s) => runPipeline(s, RUN));
    await store((s) => view.reloadRules(s));

    const compared = CUSTOMER_FEATURES.filter((f) => !CLV_FEATURES.some((c) => c.name === f.name));
    const runRows = await store((s) => s.all<Record<string, unknown>>(sql`SELECT * FROM customer_features WHERE customer_id LIKE 'RP%' ORDER BY customer_id`));
    expect(runRows.map((r) => r.customer_id)).toEqual(ids);
    const distinct = new Map(compared.map((f) => [f.name, new Set<unknown>()]));
    for (const row of runRows) {
      const id = String(row.customer_id);
      const live = view.featuresOf(id);
      expect(live, id).toBeDefined();
      for (const f of compared) {
        const [want, got] = [row[f.name], live![f.name]];
        distinct.get(f.name)!.add(want);
        if (typeof want === 'number' && typeof got === 'number') expect(Math.abs(got - want), `${id} ${f.name}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
        else expect(got, `${id} ${f.name}`).toEqual(want);
      }
    }
    // The comparison discriminates only if the streams make each feature vary (style shares depend on the demo's tags).
    const constant = [...distinct].filter(([, values]) => values.size < 2).map(([name]) => name);
    expect(constant.filter((name) => !name.endsWith('_share') || name === 'mobile_share' || name === 'weekend_share')).toEqual([]);

    const runMembers = await store((s) =>
      s.all<{ customer_id: string; audience_id: string; kind: string }>(sql`SELECT m.customer_id, m.audience_id, a.kind FROM memberships m JOIN audiences a ON a.id = m.audience_id
        WHERE m.as_of = CAST(${RUN} AS TIMESTAMP) AND m.customer_id LIKE 'RP%'`),
    );
    const want = new Map(ids.map((id) => [id, [] as string[]]));
    for (const m of runMembers) if (!SNAPSHOT_KINDS.includes(m.kind as never)) want.get(m.customer_id)!.push(m.audience_id);
    const sizes = new Map<string, number>();
    for (const id of ids) {
      const answer = view.audiencesOf(id)!;
      expect(answer.source).toBe('live');
      expect(answer.as_of).toBe(RUN);
      const got = answer.audiences.filter((a) => !SNAPSHOT_KINDS.includes(a.kind)).map((a) => a.id).sort();
      expect(got, id).toEqual(want.get(id)!.sort());
      for (const a of got) sizes.set(a, (sizes.get(a) ?? 0) + 1);
    }
    // Every rule audience selects some replayed customers and not all of them.
    for (const name of ['recent-viewers', 'cart-abandoners', 'returners', 'premium-buyers', 'recent-order-lines', 'mobile-readers', 'returning-mobile-readers']) {
      expect(sizes.get(name) ?? 0, name).toBeGreaterThan(0);
      expect(sizes.get(name), name).toBeLessThan(CUSTOMERS);
    }
  }, 1_200_000);

  it('changes nothing of the incremental state for a refused batch, nor for an erased customer', async () => {
    const view = workspaces.view('default') as LiveView;
    const [kept, erased] = ['RP00001', 'RP00002'];
    const before = { features: view.featuresOf(kept), audiences: view.audiencesOf(kept) };
    const ts = new Date(LAST_DAY + 2 * DAY).toISOString();
    const good = { id: 'refused-1', type: 'order', ts, customer_id: kept, order_id: 'refused', product_id: 'P00001', quantity: 1, unit_price: 10 };
    const bad = await request(base, 'POST', '/v1/events', key, { events: [good, { ...good, id: 'refused-2', type: 'purchase' }] });
    expect(bad.status).toBe(400);
    expect(view.featuresOf(kept)).toEqual(before.features);
    expect(view.audiencesOf(kept)).toEqual(before.audiences);

    expect((await request(base, 'DELETE', `/v1/customers/${erased}`, key)).status).toBe(200);
    const r = await request(base, 'POST', '/v1/events', key, { events: [{ ...good, id: 'after-erasure', customer_id: erased }, good] });
    expect(r.json).toMatchObject({ accepted: 1, erased: 1 });
    expect(view.featuresOf(erased)).toBeUndefined();
    expect(view.audiencesOf(erased)).toBeUndefined();
    // The accepted event of the same batch is taken: one order more, as of the day after it.
    expect(view.featuresOf(kept)!.orders).toBe(Number(before.features!.orders) + 1);
    expect(view.audiencesOf(kept)!.as_of).toBe(new Date(LAST_DAY + 3 * DAY).toISOString().slice(0, 19).replace('T', ' '));
  });
});
