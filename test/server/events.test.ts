import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import { tempDir } from '../helpers.js';
import { serveForTest, stopServer } from './harness.js';

const dir = tempDir();
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
const keys = { ingest: '', read: '', other: '' };

async function post(body: unknown, key: string) {
  const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string; details: { issues: Array<{ path: string }> } } } };
}

const event = (i: number) => ({
  id: `ev-${i}`,
  type: i % 3 === 0 ? 'order' : 'view',
  ts: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
  customer_id: `cust-${i % 97}`,
  product_id: `sku-${i % 31}`,
  ...(i % 3 === 0 ? { order_id: `o-${i}`, quantity: 1 + (i % 2), unit_price: 10 + (i % 7) } : {}),
  device: i % 2 ? 'mobile' : 'desktop',
});

const count = (workspace: string) => workspaces.use(workspace, async (store) => (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM events`))!.n);

beforeAll(async () => {
  workspaces = await Workspaces.open({ dbPath: join(dir.path, 'shop.duckdb') });
  keys.ingest = (await createKey(workspaces.control, 'default', ['ingest:write'], 'test')).key;
  keys.read = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
  keys.other = (await createKey(workspaces.control, 'other', ['ingest:write'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces, { bodyLimit: 4 * 1024 * 1024 }));
});

afterAll(() => stopServer(app, workspaces, dir));

describe('POST /v1/events', () => {
  it('stores a batch, counts a re-sent one as duplicates, and needs ingest:write', async () => {
    const batch = { events: [0, 1, 2, 3, 4].map(event) };
    expect((await post(batch, keys.read)).status).toBe(403);
    expect((await post(batch, keys.ingest)).json).toEqual({ received: 5, accepted: 5, duplicates: 0, erased: 0, reclassified: 5 });
    expect((await post(batch, keys.ingest)).json).toEqual({ received: 5, accepted: 0, duplicates: 5, erased: 0, reclassified: 5 });
    expect(await count('default')).toBe(5);
    // A key of another workspace writes there, never here.
    expect((await post(batch, keys.other)).json).toMatchObject({ accepted: 5 });
    expect(await count('default')).toBe(5);
  });

  it('refuses a batch with a bad event, naming where, and stores none of it', async () => {
    const events = [event(100), { ...event(101), ts: 'yesterday' }, { ...event(102), customer_id: undefined }, { ...event(103), type: 'teleport' }];
    const r = await post({ events }, keys.ingest);
    expect(r.status).toBe(400);
    expect(r.json.error!.details.issues.map((i) => i.path)).toEqual(['body.events.1.ts', 'body.events.2.customer_id', 'body.events.3.type']);
    expect(await count('default')).toBe(5);
    expect((await post({ events: Array.from({ length: 1001 }, (_, i) => event(i)) }, keys.ingest)).status).toBe(400);
  });

  it('stores every event once when the same batches are sent four times, concurrently, in different orders', async () => {
    // 20 batches of 25: each client's requests interleave with the other three's, and every batch meets its
    // copies in flight. Larger batches or more of them make it slower, not more concurrent.
    const BATCHES = 20;
    const SIZE = 25;
    const batches = Array.from({ length: BATCHES }, (_, b) => ({ events: Array.from({ length: SIZE }, (_, i) => event(10_000 + b * SIZE + i)) }));
    let inFlight = 0;
    let maxInFlight = 0;
    const totals = { accepted: 0, duplicates: 0 };
    const client = async (order: number[]) => {
      for (const b of order) {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        const r = await post(batches[b], keys.ingest);
        inFlight--;
        expect(r.status).toBe(200);
        totals.accepted += r.json.accepted as number;
        totals.duplicates += r.json.duplicates as number;
      }
    };
    const forward = batches.map((_, i) => i);
    await Promise.all([client(forward), client([...forward].reverse()), client(forward.filter((i) => i % 2 === 0).concat(forward.filter((i) => i % 2 === 1))), client([...forward].reverse())]);
    const n = BATCHES * SIZE;
    const stored = await workspaces.use('default', async (store) => (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM events WHERE CAST(substr(id, 4) AS INTEGER) >= 10000`))!.n);
    const distinct = await workspaces.use('default', async (store) => (await store.one<{ n: number }>(sql`SELECT count(DISTINCT id) AS n FROM events`))!.n);
    expect(maxInFlight).toBe(4);
    expect(stored).toBe(n);
    expect(distinct).toBe(await count('default'));
    // Each event was accepted by exactly one of the four requests that carried it.
    expect(totals).toEqual({ accepted: n, duplicates: 3 * n });
  }, 120_000);

  it('counts as duplicates the events another writer of the process stored between two turns of the live view', async () => {
    await workspaces.rebuildView('default');
    expect(workspaces.view('default')).toBeDefined();
    // Two turns: the second finds the store as the first left it, and does not count its events.
    for (const i of [50_000, 50_001]) expect((await post({ events: [event(i)] }, keys.ingest)).json).toMatchObject({ accepted: 1 });
    await workspaces.use('default', (store) => store.run(sql`INSERT INTO events (id, type, ts, customer_id) VALUES ('ev-50002', 'view', TIMESTAMP '2026-01-02 00:00:00', 'cust-1')`));
    expect((await post({ events: [event(50_002), event(50_003)] }, keys.ingest)).json).toMatchObject({ accepted: 1, duplicates: 1 });
    expect((await post({ events: [event(50_002)] }, keys.ingest)).json).toMatchObject({ accepted: 0, duplicates: 1 });
    const stored = await workspaces.use('default', async (store) => (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM events WHERE id = 'ev-50002'`))!.n);
    expect(stored).toBe(1);
  });
});
