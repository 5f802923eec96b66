import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyCustomers, createAudience } from '../../src/audiences/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { request, serveForTest, stopServer } from './harness.js';
import { runPipeline } from '../../src/pipeline/index.js';

/**
 * A shop whose history ended long ago (as the Online Retail file ends in 2011) is answered as of its data: the
 * latest run's date is the clock for recency and event windows, not today. For every customer, the store's live
 * classification (what `segmint classify` runs) and the server's live view give exactly the audiences the latest
 * run stored; an earlier run's date given as the date gives that run's; events newer than the run move a customer's
 * clock to them.
 */

const dir = tempDir();
const EARLIER = '2011-06-01 00:00:00';
const LATEST = '2012-01-01 00:00:00';
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let key = '';
let customers: string[] = [];

interface Answer {
  customer_id: string | null;
  source?: string;
  as_of: string;
  audiences: Array<{ id: string; kind: string }>;
}

const store = <T>(fn: (s: Store) => Promise<T>): Promise<T> => workspaces.use('default', fn);
const idsOf = (list: ReadonlyArray<{ id: string }>): string[] => list.map((a) => a.id).sort();

async function call(method: string, path: string, body?: unknown) {
  const r = await request(base, method, path, key, body);
  return { status: r.status, json: r.json as Answer };
}

/** Each customer's audiences as a run stored them (customers in none have an empty list). */
async function snapshot(asOf: string): Promise<Map<string, string[]>> {
  const rows = await store((s) =>
    s.all<{ customer_id: string; ids: string[] | null }>(sql`SELECT c.id AS customer_id, list(m.audience_id ORDER BY m.audience_id) FILTER (WHERE m.audience_id IS NOT NULL) AS ids
      FROM customers c LEFT JOIN memberships m ON m.customer_id = c.id AND m.as_of = CAST(${asOf} AS TIMESTAMP) GROUP BY c.id`),
  );
  return new Map(rows.map((r) => [r.customer_id, r.ids ?? []]));
}

/** How many customers each audience holds in a snapshot. */
function sizes(snap: Map<string, string[]>): Map<string, number> {
  const out = new Map<string, number>();
  for (const ids of snap.values()) for (const id of ids) out.set(id, (out.get(id) ?? 0) + 1);
  return out;
}

beforeAll(async () => {
  // Two years of a shop that closed its books at the end of 2011.
  const files = await generateDemo({ customers: 300, seed: 23, outDir: join(dir.path, 'demo'), end: new Date(`${LATEST.slice(0, 10)}T00:00:00Z`) });
  workspaces = await Workspaces.open({ dbPath: join(dir.path, 'shop.duckdb') });
  await store(async (s) => {
    await importDemoFiles(s, files);
    // Event windows and recency are where a clock matters.
    await createAudience(s, { name: 'Recent buyers', rule: 'count(order, last 90 days) >= 1' });
    await createAudience(s, { name: 'Recent viewers', rule: 'last(view) >= 30 days ago' });
    await createAudience(s, { name: 'Fresh faces', rule: 'recency_days <= 60 and orders >= 1' });
    await runPipeline(s, EARLIER);
    await runPipeline(s, LATEST);
    customers = (await s.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY id`)).map((r) => r.id);
  });
  await workspaces.rebuildView('default');
  key = (await createKey(workspaces.control, 'default', ['admin'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces));
}, 120_000);

afterAll(() => stopServer(app, workspaces, dir));

describe('historical data is answered as of the latest run, not the wall clock', () => {
  it('is a test that can fail: the windowed audiences and the recency-based segments hold for some customers and not for others', async () => {
    const counts = sizes(await snapshot(LATEST));
    for (const id of ['recent-buyers', 'recent-viewers', 'fresh-faces', 'smart-active-loyals', 'smart-lost-customers', 'rfm-champions']) {
      expect(counts.get(id) ?? 0, id).toBeGreaterThan(0);
      expect(counts.get(id) ?? 0, id).toBeLessThan(customers.length);
    }
  });

  it('classifies every customer, in the store, exactly as the latest run stored them', async () => {
    const snap = await snapshot(LATEST);
    const live = await store((s) => classifyCustomers(s, customers));
    expect(live.size).toBe(customers.length);
    for (const id of customers) expect(idsOf(live.get(id)!), id).toEqual(snap.get(id));
  });

  it('answers every customer, through the live view, exactly as the latest run stored them, and says the run date', async () => {
    expect(workspaces.view('default')).toBeDefined();
    const snap = await snapshot(LATEST);
    for (const id of customers) {
      const held = await call('GET', `/v1/customers/${id}/audiences`);
      expect(held.status, id).toBe(200);
      expect({ id, as_of: held.json.as_of, source: held.json.source, audiences: idsOf(held.json.audiences) }).toEqual({ id, as_of: LATEST, source: 'snapshot', audiences: snap.get(id) });
      const classified = await call('POST', '/v1/classify', { customer_id: id });
      expect({ id, as_of: classified.json.as_of, audiences: idsOf(classified.json.audiences) }).toEqual({ id, as_of: LATEST, audiences: snap.get(id) });
    }
  });

  it('classifies every customer as of an earlier run exactly as that run stored them', async () => {
    const snap = await snapshot(EARLIER);
    const then = await store((s) => classifyCustomers(s, customers, EARLIER));
    // Customers created after the date did not exist then.
    expect(then.size).toBeGreaterThan(customers.length / 2);
    for (const [id, list] of then) expect(idsOf(list), id).toEqual(snap.get(id));
    const one = [...then.keys()][0]!;
    const asked = await call('POST', '/v1/classify', { customer_id: one, as_of: EARLIER.slice(0, 10) });
    expect({ as_of: asked.json.as_of, audiences: idsOf(asked.json.audiences) }).toEqual({ as_of: EARLIER, audiences: snap.get(one) });
    const held = await call('GET', `/v1/customers/${one}/audiences?as_of=${EARLIER.slice(0, 10)}`);
    expect({ as_of: held.json.as_of, audiences: idsOf(held.json.audiences) }).toEqual({ as_of: EARLIER, audiences: snap.get(one) });
    const bad = await request(base, 'POST', '/v1/classify', key, { customer_id: one, as_of: 'last year' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toBe('as_of: "last year" is not a date (expected YYYY-MM-DD or an ISO timestamp)');
  });

  it('states the date in the OpenAPI responses of the real-time routes and of audience listings', async () => {
    type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: { properties?: Record<string, unknown>; items?: { properties: Record<string, unknown> } } }> }> }>> };
    const doc = (await request(base, 'GET', '/docs/json')).json as Doc;
    const props = (path: string, method: string, status: string) => {
      const schema = doc.paths[path]![method]!.responses[status]!.content['application/json']!.schema;
      return Object.keys(schema.properties ?? schema.items!.properties);
    };
    expect(props('/v1/customers/{id}/audiences', 'get', '200')).toContain('as_of');
    expect(props('/v1/classify', 'post', '200')).toContain('as_of');
    expect(props('/v1/audiences', 'get', '200')).toEqual(expect.arrayContaining(['size', 'as_of', 'note']));
    expect(props('/v1/audiences', 'post', '201')).toEqual(expect.arrayContaining(['size', 'as_of', 'note']));
  });

  it('scores a customer not stored yet as of the latest run too', async () => {
    // Ordered ten days before the run: recent by the run's clock, years ago by the wall clock.
    const answer = await call('POST', '/v1/classify', { features: { orders: 1, recency_days: 10 }, customer: { created_at: '2011-12-01T00:00:00Z' } });
    expect(answer.json.as_of).toBe(LATEST);
    expect(idsOf(answer.json.audiences)).toContain('fresh-faces');
  });

  it('answers as of the latest run after an earlier date was run again (its feature table is then the earlier one)', async () => {
    expect((await call('POST', '/v1/runs', { as_of: EARLIER.slice(0, 10) })).status).toBe(200);
    const snap = await snapshot(LATEST);
    for (const id of customers) {
      const held = await call('GET', `/v1/customers/${id}/audiences`);
      expect({ id, as_of: held.json.as_of, source: held.json.source, audiences: idsOf(held.json.audiences) }).toEqual({ id, as_of: LATEST, source: 'snapshot', audiences: snap.get(id) });
    }
  });

  it('computes a new audience at once against the latest run, lists its size, and the live view agrees for every customer', async () => {
    const created = await request(base, 'POST', '/v1/audiences', key, { name: 'Big recent baskets', rule: 'sum(order, last 180 days) > 100' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'big-recent-baskets', as_of: LATEST, note: null });
    const snap = await snapshot(LATEST);
    const size = sizes(snap).get('big-recent-baskets') ?? 0;
    expect(created.json.size).toBe(size);
    expect(size).toBeGreaterThan(0);
    expect(size).toBeLessThan(customers.length);
    const listed = (await request(base, 'GET', '/v1/audiences', key)).json as Array<{ id: string; size: number | null; as_of: string | null }>;
    expect(listed.find((a) => a.id === 'big-recent-baskets')).toMatchObject({ size, as_of: LATEST });
    for (const id of customers) {
      const held = await call('GET', `/v1/customers/${id}/audiences`);
      expect({ id, audiences: idsOf(held.json.audiences) }).toEqual({ id, audiences: snap.get(id) });
    }
  });

  it('moves a customer to the time of events newer than the run, and keeps one whose late events are older at the run', async () => {
    const snap = await snapshot(LATEST);
    const [late, later, backfilled] = customers.filter((id) => !snap.get(id)!.includes('recent-buyers') && !snap.get(id)!.includes('fresh-faces'));
    // Events after the run's date: the customer's clock is the day after their newest event, the same for a whole
    // day's batch.
    const r1 = await call('POST', '/v1/events', {
      events: [
        { id: 'late-1', type: 'order', ts: '2012-01-05T10:00:00.250Z', customer_id: late, product_id: 'P00001', order_id: 'late', quantity: 1, unit_price: 20 },
        { id: 'late-2', type: 'view', ts: '2012-01-05T23:59:59Z', customer_id: later, product_id: 'P00001' },
      ],
    });
    expect(r1.status).toBe(200);
    expect((await call('GET', `/v1/customers/${later}/audiences`)).json).toMatchObject({ source: 'live', as_of: '2012-01-06 00:00:00' });
    const lateAnswer = await call('GET', `/v1/customers/${late}/audiences`);
    expect(lateAnswer.json).toMatchObject({ source: 'live', as_of: '2012-01-06 00:00:00' });
    expect(idsOf(lateAnswer.json.audiences)).toEqual(expect.arrayContaining(['recent-buyers', 'fresh-faces']));
    const inStore = await store((s) => classifyCustomers(s, [late!]));
    expect(idsOf(inStore.get(late!)!)).toEqual(idsOf(lateAnswer.json.audiences));
    // Events sent late but dated before the run: the clock stays at the run, and they count, in the event clauses
    // (recent-buyers) as in the features (fresh-faces reads recency_days and orders), for the view as for the store.
    const r2 = await call('POST', '/v1/events', { events: [{ id: 'backfill-1', type: 'order', ts: '2011-12-20T09:00:00Z', customer_id: backfilled, product_id: 'P00001', order_id: 'backfill', quantity: 1, unit_price: 20 }] });
    expect(r2.status).toBe(200);
    const backAnswer = await call('GET', `/v1/customers/${backfilled}/audiences`);
    expect(backAnswer.json).toMatchObject({ source: 'live', as_of: LATEST });
    expect(idsOf(backAnswer.json.audiences)).toEqual(expect.arrayContaining(['recent-buyers', 'fresh-faces']));
    expect(idsOf((await store((s) => classifyCustomers(s, [backfilled!]))).get(backfilled!)!)).toEqual(idsOf(backAnswer.json.audiences));
  });
});
