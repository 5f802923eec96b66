import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunHistory } from '../../src/audiences/history.js';
import { createAudience } from '../../src/audiences/index.js';
import { SAMPLE_SIZE, type ClusteringReport as Clustering, type ClusterSample } from '../../src/clusters/index.js';
import type { RuleVocabulary } from '../../src/audiences/rule-builder.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { FEATURE_TABLE, featureTableAsOf } from '../../src/features/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import { rfmGrid, type RfmGrid } from '../../src/segments/index.js';
import { eraseCustomer, type CustomerEvents } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { request, serveForTest, stopServer } from './harness.js';
import { runPipeline } from '../../src/pipeline/index.js';

/**
 * The routes the dashboard added: run history, the rule builder's check and preview, a customer's events, product
 * clusters and the sample of customers a cluster scatter draws.
 */
const dir = tempDir();
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let key = '';
let otherKey = '';
const call = (method: string, path: string, body?: unknown, as = key) => request(base, method, path, as, body);

beforeAll(async () => {
  const files = await generateDemo({ customers: 400, seed: 8, outDir: join(dir.path, 'demo') });
  workspaces = await Workspaces.open({ dbPath: join(dir.path, 'shop.duckdb') });
  await workspaces.use('default', async (s) => {
    await importDemoFiles(s, files);
    await runPipeline(s, '2026-08-01 00:00:00');
    await runPipeline(s, '2026-11-01 00:00:00');
  });
  key = (await createKey(workspaces.control, 'default', ['audiences:read', 'audiences:write'], 'test')).key;
  otherKey = (await createKey(workspaces.control, 'other', ['admin'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces));
}, 180_000);

afterAll(() => stopServer(app, workspaces, dir));

describe('GET /v1/runs', () => {
  it('lists the stored runs oldest first with the sizes each run stored, and the buyers of the last one', async () => {
    const res = await call('GET', '/v1/runs');
    expect(res.status).toBe(200);
    const { runs, latest } = res.json as RunHistory;
    expect(runs.map((r) => r.as_of)).toEqual(['2026-08-01 00:00:00', '2026-11-01 00:00:00']);
    const stored = await workspaces.use('default', (s) =>
      s.all<{ id: string; size: number }>(sql`SELECT audience_id AS id, size FROM audience_runs WHERE as_of = '2026-08-01' ORDER BY id`),
    );
    expect(runs[0]!.audiences.map((a) => ({ id: a.id, size: a.size }))).toEqual(stored);
    const sizeOf = (id: string) => runs[1]!.audiences.find((a) => a.id === id)!.size;
    // Buyers are the customers not waiting for a first order (orders = 0): two counts from different places.
    expect(latest?.as_of).toBe('2026-11-01 00:00:00');
    expect(latest?.buyers).toBe(latest!.customers - sizeOf('smart-waiting-first-order'));
    expect(latest?.buyers).toBeGreaterThan(0);
    expect(latest?.buyers).toBeLessThan(latest!.customers);
    expect(runs[1]!.audiences.find((a) => a.id === 'smart-big-spenders')?.rule_text).toMatch(/^orders >= 1 and aov >= \d/);
  });

  it('is empty for a workspace without runs', async () => {
    expect((await call('GET', '/v1/runs', undefined, otherKey)).json).toEqual({ runs: [], latest: null });
  });
});

describe('GET /v1/rfm', () => {
  it('counts every cell of the map, adding up to each RFM segment as the run stored it', async () => {
    const grid = (await call('GET', '/v1/rfm')).json as RfmGrid;
    expect(grid.as_of).toBe('2026-11-01 00:00:00');
    expect(grid.cells).toHaveLength(25);
    expect(new Set(grid.cells.map((c) => `${c.r},${c.fm}`)).size).toBe(25);
    const runs = (await call('GET', '/v1/runs')).json as RunHistory;
    const stored = runs.runs.at(-1)!.audiences;
    for (const segment of new Set(grid.cells.map((c) => c.segment))) {
      const sum = grid.cells.filter((c) => c.segment === segment).reduce((s, c) => s + c.customers, 0);
      const id = `rfm-${segment.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
      expect(sum, segment).toBe(stored.find((a) => a.id === id)!.size);
    }
    expect(grid.cells.reduce((s, c) => s + c.customers, 0)).toBe(runs.latest!.buyers);
    expect((await call('GET', '/v1/rfm', undefined, otherKey)).status).toBe(404);
  });
});

describe('rule builder: vocabulary, check, preview', () => {
  it('names the features, fields and audiences a rule may use', async () => {
    const v = (await call('GET', '/v1/rules/vocabulary')).json as RuleVocabulary;
    expect(v.features.map((f) => f.name)).toEqual(expect.arrayContaining(['orders', 'recency_days', 'revenue']));
    expect(v.customer_fields).toContain('country');
    expect(v.customer_fields).not.toContain('id');
    expect(v.event_types).toContain('order');
    expect(v.audiences).toContain('Big Spenders');
  });

  it('answers an invalid rule with the parser\'s error, its position and suggestions, and a valid one with its canonical text', async () => {
    const typo = (await call('POST', '/v1/rules/check', { rule: 'recency_days <= 30 and orderz >= 2' })).json;
    expect(typo).toMatchObject({ valid: false, error: { position: { line: 1, column: 24, offset: 23 }, found: 'orderz', suggestions: ['orders'] } });
    expect(typo.error.message).toContain('did you mean orders?');
    const cut = (await call('POST', '/v1/rules/check', { rule: 'orders >=' })).json;
    expect(cut.error.position).toMatchObject({ offset: 9 });
    const ref = (await call('POST', '/v1/rules/check', { rule: 'in audience "Nobody"' })).json;
    expect(ref).toMatchObject({ valid: false, error: { position: null, message: 'in audience "Nobody": no audience has that name' } });
    expect((await call('POST', '/v1/rules/check', { rule: 'orders>=2   AND recency_days<=90' })).json).toEqual({ valid: true, rule: 'orders >= 2 and recency_days <= 90' });
    expect((await call('POST', '/v1/rules/check', { rule: '' })).status).toBe(400);
  });

  it('previews exactly the size a run then stores, for feature, event and audience rules', async () => {
    const rules = {
      'Preview two orders': 'orders >= 2',
      'Preview shoes': 'count(order where category = "shoes", last 180 days) >= 1',
      'Preview loyal big': 'in audience "Big Spenders" and orders >= 3',
    };
    const previews = new Map<string, number>();
    for (const [name, rule] of Object.entries(rules)) {
      const p = await call('POST', '/v1/rules/preview', { rule });
      expect(p.status, rule).toBe(200);
      expect(p.json.as_of).toBe('2026-11-01 00:00:00');
      previews.set(name, p.json.size);
    }
    await workspaces.use('default', async (s) => {
      for (const [name, rule] of Object.entries(rules)) await createAudience(s, { name, rule });
      await runPipeline(s, '2026-11-01 00:00:00');
    });
    const latest = ((await call('GET', '/v1/runs')).json as RunHistory).runs.at(-1)!;
    const customers = latest.customers;
    for (const [name, size] of previews) {
      const stored = latest.audiences.find((a) => a.id === name.toLowerCase().replaceAll(' ', '-'));
      expect(stored?.size, name).toBe(size);
      expect(size, name).toBeGreaterThan(0);
      expect(size, name).toBeLessThan(customers);
    }
    const share = (await call('POST', '/v1/rules/preview', { rule: 'orders >= 1' })).json;
    expect(share.revenue_share).toBeCloseTo(1, 6);
  });

  it('refuses to preview an invalid rule (400, positioned) or a workspace without a run (404)', async () => {
    const bad = await call('POST', '/v1/rules/preview', { rule: 'orders >= "many"' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.position).toMatchObject({ line: 1, column: 11 });
    expect((await call('POST', '/v1/rules/preview', { rule: 'orders >= 1' }, otherKey)).status).toBe(404);
  });
});

describe('GET /v1/customers/:id/events', () => {
  it("pages a customer's events newest first, with products", async () => {
    const id = (await workspaces.use('default', (s) => s.one<{ id: string }>(sql`SELECT customer_id AS id FROM events GROUP BY 1 HAVING count(*) > 6 AND count(*) FILTER (WHERE type = 'order') > 0 ORDER BY 1 LIMIT 1`)))!.id;
    const all = (await call('GET', `/v1/customers/${id}/events?limit=1000`)).json as CustomerEvents;
    const stored = await workspaces.use('default', (s) => s.one<{ n: number }>(sql`SELECT count(*) AS n FROM events WHERE customer_id = ${id}`));
    expect(all.total).toBe(stored!.n);
    expect(all.events).toHaveLength(stored!.n);
    const times = all.events.map((e) => e.ts);
    expect([...times].sort().reverse()).toEqual(times);
    expect(all.events.some((e) => e.type === 'order' && e.product_title)).toBe(true);
    const page = (await call('GET', `/v1/customers/${id}/events?limit=3&offset=3`)).json as CustomerEvents;
    expect(page.events.map((e) => e.id)).toEqual(all.events.slice(3, 6).map((e) => e.id));
    expect((await call('GET', '/v1/customers/nobody-here/events')).status).toBe(404);
    expect((await call('GET', `/v1/customers/${id}/events`, undefined, otherKey)).status).toBe(404);
  });
});

describe('clusters: product clusters and the customer sample', () => {
  it('fits and shows the product clustering over the API, as the CLI does', async () => {
    expect((await call('GET', '/v1/clusters/products')).status).toBe(404);
    const fitted = await call('POST', '/v1/clusters', { method: 'products', k: 3, seed: 1 });
    expect(fitted.status, fitted.text).toBe(200);
    const report = fitted.json as Clustering;
    expect(report).toMatchObject({ method: 'products', k: 3 });
    const products = await workspaces.use('default', (s) => s.one<{ n: number }>(sql`SELECT count(*) AS n FROM products`));
    expect(report.customers).toBe(products!.n);
    expect(report.clusters.map((c) => c.id)).toEqual(expect.arrayContaining([expect.stringMatching(/^product-cluster-/)]));
    expect((await call('GET', '/v1/clusters/products')).json).toEqual(report);
    // Product clusters are not audiences, and need the write scope to fit.
    expect(((await call('GET', '/v1/audiences')).json as Array<{ id: string }>).filter((a) => a.id.startsWith('product-cluster-'))).toEqual([]);
    const readOnly = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
    expect((await call('POST', '/v1/clusters', { method: 'products' }, readOnly)).status).toBe(403);
    expect((await call('POST', '/v1/clusters', { method: 'products', k: 1 })).status).toBe(400);
  });

  it('answers the sample of a customer clustering once fitted: its clusters, at most a few thousand points, each in one of them', async () => {
    const before = await call('GET', '/v1/clusters/behavior/sample');
    expect(before.status).toBe(404);
    expect(before.json.error.message).toMatch(/^no sample of the behavior clustering yet/);
    const fitted = (await call('POST', '/v1/clusters', { method: 'behavior', seed: 1 })).json as Clustering;
    const res = await call('GET', '/v1/clusters/behavior/sample');
    expect(res.status).toBe(200);
    const sample = res.json as ClusterSample;
    expect(sample.clusters.map((c) => [c.id, c.name])).toEqual(fitted.clusters.map((c) => [c.id, c.name]));
    expect(sample.customers).toBe(fitted.customers);
    expect(sample.points.length).toBe(Math.min(sample.customers, SAMPLE_SIZE));
    expect(sample.points.every((p) => Number.isInteger(p[2]) && p[2] >= 0 && p[2] < sample.clusters.length)).toBe(true);
    expect(sample.x.label).toMatch(/^Component 1: /);
    expect(JSON.stringify(sample)).not.toMatch(/"C\d{3,}"/);
    expect((await call('GET', '/v1/clusters/products/sample')).status).toBe(400);
    expect((await call('GET', '/v1/clusters/behavior/sample', undefined, otherKey)).status).toBe(404);
  });
});

describe('GET /v1/rfm, kept between visits', () => {
  const fresh = () => workspaces.use('default', async (s) => rfmGrid(s, FEATURE_TABLE, (await featureTableAsOf(s))!));
  const rfm = async () => (await call('GET', '/v1/rfm')).json as RfmGrid;

  it('answers the map the feature table gives now: as the run left it, after an erasure, and after a run of another date', async () => {
    await workspaces.use('default', (s) => runPipeline(s, '2026-11-01 00:00:00'));
    const kept = await workspaces.use('default', (s) => s.one<{ value: string }>(sql`SELECT value FROM settings WHERE key = 'rfm.grid'`));
    const ran = await rfm();
    expect((JSON.parse(kept!.value) as { value: RfmGrid }).value).toEqual(ran);
    expect(ran).toEqual(await fresh());
    // Erasing the best-ranked buyer moves every other buyer's ranks: the kept map no longer holds.
    const best = await workspaces.use('default', (s) => s.one<{ id: string }>(sql`SELECT customer_id AS id FROM customer_features ORDER BY revenue DESC, customer_id LIMIT 1`));
    await workspaces.use('default', (s) => eraseCustomer(s, best!.id));
    const erased = await rfm();
    expect(erased).toEqual(await fresh());
    expect(erased.cells.reduce((n, c) => n + c.customers, 0)).toBe(ran.cells.reduce((n, c) => n + c.customers, 0) - 1);
    await workspaces.use('default', (s) => runPipeline(s, '2026-08-01 00:00:00'));
    const earlier = await rfm();
    expect(earlier.as_of).toBe('2026-08-01 00:00:00');
    expect(earlier).toEqual(await fresh());
  });
});
