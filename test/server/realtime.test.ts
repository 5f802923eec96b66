import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyCustomers, createAudience } from '../../src/audiences/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import { tempDir } from '../helpers.js';
import { request, serveForTest, stopServer } from './harness.js';
import { runPipeline } from '../../src/pipeline/index.js';

const dir = tempDir();
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
const keys = { ingest: '', read: '' };
const WHO = 'C010';

interface Reply {
  source?: string;
  accepted?: number;
  reclassified?: number;
  audiences: Array<{ id: string; kind: string; reasons: string | null }>;
}

async function call(method: string, path: string, key: string, body?: unknown) {
  const r = await request(base, method, path, key, body);
  return { status: r.status, json: r.json as Reply };
}

beforeAll(async () => {
  const files = await generateDemo({ customers: 300, seed: 8, outDir: join(dir.path, 'demo') });
  workspaces = await Workspaces.open({ dbPath: join(dir.path, 'shop.duckdb') });
  await workspaces.use('default', async (store) => {
    await importDemoFiles(store, files);
    await createAudience(store, { name: 'Sneaker cart', rule: 'count(add_to_cart where product = "SKU-RT", last 7 days) >= 2' });
    await runPipeline(store, '2026-11-01 00:00:00');
  });
  await workspaces.rebuildView('default');
  keys.ingest = (await createKey(workspaces.control, 'default', ['ingest:write'], 'test')).key;
  keys.read = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces));
}, 120_000);

afterAll(() => stopServer(app, workspaces, dir));

describe('real-time classification', () => {
  it('shows a customer in a new audience in the very next read after their events arrive', async () => {
    const before = await call('GET', `/v1/customers/${WHO}/audiences`, keys.read);
    expect(before.json.source).toBe('snapshot');
    expect(before.json.audiences.map((a) => a.id)).not.toContain('sneaker-cart');
    const ts = new Date(Date.now() - 60_000).toISOString();
    const r = await call('POST', '/v1/events', keys.ingest, {
      events: [1, 2].map((i) => ({ id: `rt-${i}`, type: 'add_to_cart', ts, customer_id: WHO, product_id: 'SKU-RT', session_id: 'rt', device: 'mobile' })),
    });
    expect(r.json).toMatchObject({ accepted: 2, reclassified: 1 });
    // No wait and no retry: the POST answers after the view took the events, so the next read already sees them.
    const after = await call('GET', `/v1/customers/${WHO}/audiences`, keys.read);
    expect(after.json.source).toBe('live');
    const cart = after.json.audiences.find((a) => a.id === 'sneaker-cart');
    expect(cart?.reasons).toBe('count(add_to_cart where product = "SKU-RT", last 7 days) >= 2 [2]');
    // The RFM cell still comes from the latest run.
    expect(after.json.audiences.filter((a) => a.kind === 'rfm')).toHaveLength(1);
  });

  it('classifies exactly as a batch run at the same moment does', async () => {
    await workspaces.use('default', async (store) => {
      const at = new Date().toISOString().slice(0, 19).replace('T', ' ');
      await runPipeline(store, at);
      const ids = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY id LIMIT 40`)).map((r) => r.id);
      const live = await classifyCustomers(store, ids, at);
      for (const id of ids) {
        const batch = await store.all<{ audience_id: string }>(sql`SELECT audience_id FROM memberships
          WHERE customer_id = ${id} AND as_of = CAST(${at} AS TIMESTAMP) ORDER BY 1`);
        expect((live.get(id) ?? []).map((a) => a.id).sort(), id).toEqual(batch.map((b) => b.audience_id));
      }
    });
  });

  it('classifies a stored customer on request, and says 404 for an unknown one', async () => {
    const r = await call('POST', '/v1/classify', keys.read, { customer_id: WHO });
    expect(r.status).toBe(200);
    expect(r.json.audiences.some((a) => a.id === 'sneaker-cart')).toBe(true);
    expect((await call('POST', '/v1/classify', keys.read, { customer_id: 'nobody' })).status).toBe(404);
    // A customer not stored yet, from features alone: a very frequent, recent, big spender.
    const fresh = await call('POST', '/v1/classify', keys.read, { features: { orders: 1000, recency_days: 0, revenue: 1e9, aov: 1e6, items_per_order: 1 } });
    expect(fresh.status).toBe(200);
    expect(fresh.json.audiences.map((a) => a.id).sort()).toEqual(['smart-active-loyals', 'smart-big-spenders', 'smart-richie-riches']);
    expect((await call('POST', '/v1/classify', keys.read, { features: { ordrs: 3 } })).status).toBe(400);
    expect((await call('GET', '/v1/customers/nobody/audiences', keys.read)).status).toBe(404);
  });
});
