import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { customerClv, loadClvFit, MIN_REPEAT_BUYERS } from '../../src/models/clv/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import { tempDir } from '../helpers.js';
import { request, serveForTest, stopServer } from './harness.js';

const dir = tempDir();
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let customer = '';
const keys = { read: '', write: '', otherAdmin: '' };

const call = (method: string, path: string, key?: string, body?: unknown) => request(base, method, path, key, body);

beforeAll(async () => {
  const files = await generateDemo({ customers: 400, seed: 8, outDir: join(dir.path, 'demo') });
  workspaces = await Workspaces.open({ dbPath: join(dir.path, 'shop.duckdb') });
  await workspaces.use('default', async (store) => {
    await importDemoFiles(store, files);
    customer = (await store.one<{ id: string }>(sql`SELECT customer_id AS id FROM events WHERE type = 'order' GROUP BY 1 HAVING count(DISTINCT CAST(ts AS DATE)) >= 3 ORDER BY 1 LIMIT 1`))!.id;
  });
  // The other workspace knows a customer of the same id, with no orders.
  await workspaces.use('other', (store) => store.run(sql`INSERT INTO customers (id) VALUES (${customer})`));
  keys.read = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
  keys.write = (await createKey(workspaces.control, 'default', ['audiences:write'], 'test')).key;
  keys.otherAdmin = (await createKey(workspaces.control, 'other', ['admin'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces));
}, 120_000);

afterAll(() => stopServer(app, workspaces, dir));

describe('CLV over the API', () => {
  it('answers 409 no_model for a known customer until a fit exists, and 404 for an unknown one', async () => {
    const r = await call('GET', `/v1/customers/${customer}/clv`, keys.read);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('no_model');
    expect(r.json.error.message).toMatch(/POST \/v1\/clv\/fit/);
    expect((await call('GET', '/v1/customers/no-such-customer/clv', keys.read)).status).toBe(404);
  });

  it('fits with audiences:write only, in the key’s own workspace', async () => {
    expect((await call('POST', '/v1/clv/fit', undefined, {})).status).toBe(401);
    expect((await call('POST', '/v1/clv/fit', keys.read, {})).status).toBe(403);
    // The other workspace has no orders to fit on, and its fit attempt does not touch this one.
    const other = await call('POST', '/v1/clv/fit', keys.otherAdmin, {});
    expect(other.status).toBe(400);
    expect(other.json.error.message).toMatch(/at least one customer with a purchase/);
    expect((await call('POST', '/v1/clv/fit', keys.write, { unit: 'fortnight' })).status).toBe(400);

    const r = await call('POST', '/v1/clv/fit', keys.write, { until: '2026-09-01', unit: 'week' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ as_of: '2026-09-01 00:00:00', calibration_end: '2026-08-31', unit: 'week', bgnbd: { converged: true }, gamma_gamma: { converged: true } });
    const buyers = await workspaces.use('default', (store) =>
      store.one<{ n: number }>(sql`SELECT count(DISTINCT customer_id) AS n FROM events WHERE type = 'order' AND customer_id IS NOT NULL AND ts < '2026-09-01'`),
    );
    expect(r.json.bgnbd.customers).toBe(buyers!.n);
    const stored = await workspaces.use('default', (store) => loadClvFit(store));
    expect(stored.bgnbd.params).toEqual(r.json.bgnbd.params);
    // Converged, but on a 400-customer shop not without the warning why the estimates are weak; stored with the fit.
    const repeaters = await workspaces.use('default', (store) =>
      store.one<{ n: number }>(sql`SELECT count(*) AS n FROM (SELECT customer_id FROM events WHERE type = 'order' AND customer_id IS NOT NULL AND ts < '2026-09-01'
        GROUP BY customer_id HAVING count(DISTINCT CAST(ts AS DATE)) > 1)`),
    );
    expect(repeaters!.n).toBeLessThan(MIN_REPEAT_BUYERS);
    expect(r.json.bgnbd.warnings).toContain(`only ${repeaters!.n} customers with a repeat purchase, fewer than ${MIN_REPEAT_BUYERS}: too few repeat histories to pin the estimates down`);
    expect(stored.bgnbd.warnings).toEqual(r.json.bgnbd.warnings);
    expect(stored.gamma_gamma.warnings).toEqual(r.json.gamma_gamma.warnings);
  });

  it("scores a customer with the stored fit, with audiences:read, in the key's own workspace", async () => {
    const path = `/v1/customers/${customer}/clv?as_of=2026-11-01&orders_days=30&discount=0.02&discount_per=month`;
    expect((await call('GET', path)).status).toBe(401);
    expect((await call('GET', path, keys.write)).status).toBe(403);
    // The same id in the other workspace is another customer, who has no fit there.
    expect((await call('GET', path, keys.otherAdmin)).status).toBe(409);
    expect((await call('GET', `/v1/customers/${customer}/clv?orders_days=0`, keys.read)).status).toBe(400);

    const r = await call('GET', path, keys.read);
    expect(r.status).toBe(200);
    const expected = await workspaces.use('default', async (store) =>
      customerClv(store, await loadClvFit(store), '2026-11-01 00:00:00', customer, { ordersDays: 30, clvDays: 365, discount: { rate: 0.02, per: 'month' } }),
    );
    expect(r.json).toEqual(expected);
    expect(r.json.summary.x).toBeGreaterThanOrEqual(2);
    expect(r.json.p_alive).toBeGreaterThan(0);
    expect(r.json.clv.value).toBeGreaterThan(0);
  });

  it('documents both routes in OpenAPI, with their scopes', async () => {
    const doc = (await call('GET', '/docs/json')).json as { paths: Record<string, Record<string, { description: string }>> };
    expect(doc.paths['/v1/clv/fit']?.post?.description).toContain('audiences:write');
    expect(doc.paths['/v1/customers/{id}/clv']?.get?.description).toContain('audiences:read');
  });
});
