import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyCustomers, createAudience, customerAudiences } from '../../src/audiences/index.js';
import { SNAPSHOT_KINDS } from '../../src/audiences/kinds/index.js';
import type { AudienceKind } from '../../src/audiences/schema.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { request, serveForTest, stopServer } from './harness.js';
import { runPipeline } from '../../src/pipeline/index.js';

/**
 * The server answers "which audiences" and "classify" from an in-memory view of the workspace. These tests hold its
 * answers against the store: the latest run's snapshot for customers without new events, and the SQL
 * classification at the same instant for customers whose events arrived through the API, also after the rules
 * change.
 */

const dir = tempDir();
const RUN = '2026-11-01 00:00:00';
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let key = '';

interface Answer {
  source: string;
  as_of: string;
  audiences: Array<{ id: string; kind: string }>;
}

async function call(method: string, path: string, body?: unknown) {
  const r = await request(base, method, path, key, body);
  return { status: r.status, json: r.json as Answer };
}

const idsOf = (a: { audiences: Answer['audiences'] }): string[] => a.audiences.map((x) => x.id).sort();
const store = <T>(fn: (s: Store) => Promise<T>): Promise<T> => workspaces.use('default', fn);

/** The store's own answer for a customer at an instant: features and events by SQL, rules in memory. */
async function sqlAnswer(id: string, asOf: string): Promise<string[]> {
  return store(async (s) => ((await classifyCustomers(s, [id], asOf)).get(id) ?? []).map((a) => a.id).sort());
}

beforeAll(async () => {
  const files = await generateDemo({ customers: 300, seed: 11, outDir: join(dir.path, 'demo') });
  workspaces = await Workspaces.open({ dbPath: join(dir.path, 'shop.duckdb') });
  await store(async (s) => {
    await importDemoFiles(s, files);
    await createAudience(s, { name: 'Recent viewers', rule: 'count(view, last 30 days) >= 3' });
    await runPipeline(s, RUN);
  });
  await workspaces.rebuildView('default');
  key = (await createKey(workspaces.control, 'default', ['admin'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces));
}, 120_000);

afterAll(() => stopServer(app, workspaces, dir));

describe('the live view', () => {
  it('holds every customer of the run and answers each as the run stored them', async () => {
    const view = workspaces.view('default');
    expect(view).toBeDefined();
    const rows = await store((s) =>
      s.all<{ customer_id: string; ids: string[] }>(sql`SELECT f.customer_id, list(m.audience_id ORDER BY m.audience_id) FILTER (WHERE m.audience_id IS NOT NULL) AS ids
        FROM customer_features f LEFT JOIN memberships m ON m.customer_id = f.customer_id AND m.as_of = CAST(${RUN} AS TIMESTAMP) GROUP BY 1`),
    );
    expect(rows.length).toBeGreaterThan(250);
    for (const r of rows) {
      const a = view!.audiencesOf(r.customer_id);
      expect(a?.source, r.customer_id).toBe('snapshot');
      expect(idsOf(a!), r.customer_id).toEqual(r.ids ?? []);
    }
  });

  it('answers a customer whose events arrived as the store does at the same instant', async () => {
    const who = ['C001', 'C002', 'C003'];
    const ts = new Date(Date.now() - 3_600_000).toISOString();
    const events = who.flatMap((c) => [1, 2, 3].map((i) => ({ id: `lv-${c}-${i}`, type: 'view', ts, customer_id: c, product_id: 'P00001' })));
    expect((await call('POST', '/v1/events', { events })).status).toBe(200);
    for (const c of who) {
      const got = await call('GET', `/v1/customers/${c}/audiences`);
      expect(got.json.source).toBe('live');
      expect(idsOf(got.json)).toContain('recent-viewers');
      expect(idsOf(got.json)).toEqual(await sqlAnswer(c, got.json.as_of));
      const classified = await call('POST', '/v1/classify', { customer_id: c });
      expect(idsOf(classified.json)).toEqual(idsOf(got.json));
    }
  });

  it('takes new rules at once, also rules that read events it did not hold', async () => {
    const feature = await call('POST', '/v1/audiences', { name: 'Many orders', rule: 'orders >= 3' });
    expect(feature.status).toBe(201);
    const events = await call('POST', '/v1/audiences', { name: 'Searched lately', rule: 'count(search, last 60 days) >= 1 or count(email_open) >= 2' });
    expect(events.status).toBe(201);
    const sample = await store((s) => s.all<{ id: string }>(sql`SELECT customer_id AS id FROM customer_features ORDER BY customer_id LIMIT 60`));
    let searched = 0;
    for (const { id } of sample) {
      const got = await call('GET', `/v1/customers/${id}/audiences`);
      expect(idsOf(got.json), id).toEqual(await sqlAnswer(id, got.json.as_of));
      if (idsOf(got.json).includes('searched-lately')) searched++;
    }
    // The test means something only if the new rules hold for some customers and not for others.
    expect(searched).toBeGreaterThan(0);
    expect(searched).toBeLessThan(sample.length);
  });

  it("answers rules filtering events on every field, read from the view's event columns, as the store does", async () => {
    const rules = {
      'filtered-orders': 'count(order where category in ["dresses", "shoes"] and brand is not null and price >= 30 and quantity >= 1 and product != "P00001") >= 2',
      'filtered-views': 'count(view where channel = "web" and device = "desktop" and country is not null, last 365 days) >= 3',
      'filtered-lists': 'count(order where color in ["black", "navy"] and material = "linen") >= 1 or count(order where tag = "premium") >= 2 or count(search where query contains "boots") >= 1',
    };
    const names = { 'filtered-orders': 'Filtered orders', 'filtered-views': 'Filtered views', 'filtered-lists': 'Filtered lists' };
    for (const [id, rule] of Object.entries(rules)) expect((await call('POST', '/v1/audiences', { name: names[id as keyof typeof names], rule })).status, rule).toBe(201);
    const sample = await store((s) => s.all<{ id: string }>(sql`SELECT customer_id AS id FROM customer_features ORDER BY customer_id LIMIT 80`));
    const members = new Map(Object.keys(rules).map((id) => [id, 0]));
    for (const { id } of sample) {
      const got = await call('GET', `/v1/customers/${id}/audiences`);
      expect(idsOf(got.json), id).toEqual(await sqlAnswer(id, got.json.as_of));
      for (const a of idsOf(got.json)) if (members.has(a)) members.set(a, members.get(a)! + 1);
    }
    // Each rule holds for some customers and not for others, or the comparison tells nothing.
    for (const [id, n] of members) {
      expect(n, id).toBeGreaterThan(0);
      expect(n, id).toBeLessThan(sample.length);
    }
  });

  it("takes rules reading customers' columns it did not hold (a new build), and answers them as the store does", async () => {
    const before = workspaces.view('default');
    // The view holds the consent values and created_at (the live features read it) alone, as no rule read another
    // column: these rules need a new build.
    expect(Object.keys(before!.customerRow('C005')!).sort()).toEqual(['consent_ads', 'consent_email', 'consent_push', 'consent_sms', 'created_at']);
    const rule = 'customer.country = "DE" or (customer.attributes.gender = "f" and customer.created_at < 2025-06-01) or customer.consent_sms = true';
    expect((await call('POST', '/v1/audiences', { name: 'Fields', rule })).status).toBe(201);
    expect(workspaces.view('default')).not.toBe(before);
    const sample = await store((s) => s.all<{ id: string }>(sql`SELECT customer_id AS id FROM customer_features ORDER BY customer_id LIMIT 80`));
    let members = 0;
    for (const { id } of sample) {
      const got = await call('GET', `/v1/customers/${id}/audiences`);
      expect(idsOf(got.json), id).toEqual(await sqlAnswer(id, got.json.as_of));
      if (idsOf(got.json).includes('fields')) members++;
    }
    expect(members).toBeGreaterThan(0);
    expect(members).toBeLessThan(sample.length);

    // Customers new to the store, given their row by their first batch (which the view takes as written): their
    // country and the nulls of the other columns answer as the store does.
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const visit = (c: string, country?: string) => ({ id: `fields-${c}`, type: 'view', ts: at, customer_id: c, product_id: 'P00001', ...(country ? { country } : {}) });
    const posted = await call('POST', '/v1/events', { events: [visit('new-zq-de', 'DE'), visit('new-zq-none'), visit('new-zq-fr', 'FR')] });
    expect(posted.status).toBe(200);
    const view = workspaces.view('default')!;
    for (const id of ['new-zq-de', 'new-zq-none', 'new-zq-fr']) {
      const got = await call('GET', `/v1/customers/${id}/audiences`);
      expect(idsOf(got.json), id).toEqual(await sqlAnswer(id, got.json.as_of));
      const row = (await store((s) => s.one<Record<string, unknown>>(sql`SELECT * FROM customers WHERE id = ${id}`)))!;
      const held = view.customerRow(id)!;
      expect(Object.keys(held)).toContain('country');
      for (const name of Object.keys(held)) expect(held[name], `${id}.${name}`).toEqual(row[name] ?? null);
    }
    expect(idsOf((await call('GET', '/v1/customers/new-zq-de/audiences')).json)).toContain('fields');
    expect(idsOf((await call('GET', '/v1/customers/new-zq-fr/audiences')).json)).not.toContain('fields');
  });

  it('stores the live memberships batches left unsaved: at the next save, before a rebuild reads them, before an erasure counts them', async () => {
    expect((await call('POST', '/v1/audiences', { name: 'Three orders or more', rule: 'orders >= 3' })).status).toBe(201);
    const view = workspaces.view('default')!;
    const ids = (await store((s) => s.all<{ id: string }>(sql`SELECT customer_id AS id FROM customer_features WHERE customer_id > 'C020' ORDER BY customer_id`))).map((r) => r.id);
    const [backfilled, recent, erased] = ids.filter((id) => !idsOf(view.audiencesOf(id)!).some((a) => a === 'recent-viewers' || a === 'three-orders-or-more'));
    const views = (c: string, ts: string) => ({ events: [1, 2, 3].map((i) => ({ id: `saved-${c}-${i}`, type: 'view', ts, customer_id: c, product_id: 'P00001' })) });

    // Orders dated before the run (a backfill) leave the customer at the run's instant, where a build reads the
    // features from the run's table: only their stored live memberships tell it to work them out again.
    const orders = [1, 2, 3].map((i) => ({ id: `saved-${backfilled}-${i}`, type: 'order', ts: '2026-10-25T12:00:00Z', customer_id: backfilled, product_id: 'P00001', order_id: `saved-${i}`, quantity: 1, unit_price: 10 }));
    expect((await call('POST', '/v1/events', { events: orders })).status).toBe(200);
    expect(idsOf(view.audiencesOf(backfilled!)!)).toContain('three-orders-or-more');
    await workspaces.rebuildView('default');
    expect(workspaces.view('default')).not.toBe(view);
    expect(idsOf(workspaces.view('default')!.audiencesOf(backfilled!)!)).toContain('three-orders-or-more');

    // A store read without the view (a server that cannot build one) finds what the view answers after a save.
    expect((await call('POST', '/v1/events', views(recent!, new Date(Date.now() - 3_600_000).toISOString()))).status).toBe(200);
    await workspaces.saveViews();
    const answered = (await call('GET', `/v1/customers/${recent}/audiences`)).json;
    const stored = await store((s) => customerAudiences(s, recent!));
    expect(stored.source).toBe('live');
    expect([stored.as_of, idsOf(stored)]).toEqual([answered.as_of, idsOf(answered)]);
    expect(idsOf(stored)).toContain('recent-viewers');

    expect((await call('POST', '/v1/events', views(erased!, new Date(Date.now() - 3_600_000).toISOString()))).status).toBe(200);
    // Cells of the whole population (RFM) stay with the run's snapshot, not in live memberships.
    const held = (await call('GET', `/v1/customers/${erased}/audiences`)).json.audiences.filter((a) => !SNAPSHOT_KINDS.includes(a.kind as AudienceKind)).length;
    expect(held).toBeGreaterThan(0);
    const erasure = (await request(base, 'DELETE', `/v1/customers/${erased}`, key)).json as { deleted: Record<string, number> };
    expect(erasure.deleted.live_memberships).toBe(held);
  });

  it('forgets an erased customer', async () => {
    expect((await call('GET', '/v1/customers/C004/audiences')).status).toBe(200);
    expect((await call('DELETE', '/v1/customers/C004')).status).toBe(200);
    expect((await call('GET', '/v1/customers/C004/audiences')).status).toBe(404);
    expect((await call('POST', '/v1/classify', { customer_id: 'C004' })).status).toBe(404);
  });
});
