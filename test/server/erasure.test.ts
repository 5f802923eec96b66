import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { ENGINES, workspacesPath } from '../engines.js';
import { cliJson } from '../helpers/cli.js';
import { columnsHolding, tempDir } from '../helpers.js';
import { request, serveForTest, stopServer } from './harness.js';
import { runPipeline } from '../../src/pipeline/index.js';

/**
 * Events of an erased customer, however they arrive (a batch to POST /v1/events, a file to POST /v1/imports, a file
 * to `segmint import`), store nothing and bring nobody back: no customer row, no event, no membership after a run,
 * nothing in the live view. Another customer's events in the same batch or file are stored as usual.
 */

const GONE = 'C005';
const KEPT = 'C006';
let dir: ReturnType<typeof tempDir>;
let db = '';
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let key = '';
/** A product of the demo shop, for the new events to name. */
let product = '';
let serving = false;

const call = (method: string, path: string, body?: unknown) => request(base, method, path, key, body);

/** Events for the erased and a kept customer, after the last run, with ids never seen before. */
function eventsCsv(tag: string): string {
  return [
    'id,type,ts,customer_id,product_id,order_id,quantity,unit_price',
    `${tag}-1,view,2026-11-02 10:00:00,${GONE},${product},,,`,
    `${tag}-2,order,2026-11-02 10:05:00,${GONE},${product},${tag}-o1,3,250`,
    `${tag}-3,order,2026-11-03 10:05:00,${GONE},${product},${tag}-o2,1,90`,
    `${tag}-4,order,2026-11-02 11:00:00,${KEPT},${product},${tag}-o3,1,40`,
  ].join('\n');
}

const customersCsv = `id,email,phone,created_at,country\n${GONE},back.again@example.com,,2026-11-02,NL\n`;

/** The text columns that hold the customer's id, their demo email or the email a re-import would bring back. */
async function traces(store: Store, id: string): Promise<string[]> {
  const found = [];
  for (const text of [id, `${id.toLowerCase()}@example.com`, 'back.again@example.com']) found.push(...(await columnsHolding(store, text)));
  return found;
}

async function eventCount(store: Store, id: string): Promise<number> {
  return (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM events WHERE customer_id = ${id}`))!.n;
}

async function expectGoneEverywhere(): Promise<void> {
  await workspaces.use('default', async (s) => expect(await traces(s, GONE)).toEqual([]));
  expect(workspaces.view('default')?.audiencesOf(GONE)).toBeUndefined();
  expect((await call('GET', `/v1/customers/${GONE}/audiences`)).status).toBe(404);
  expect((await call('POST', '/v1/classify', { customer_id: GONE })).status).toBe(404);
}

describe.each(ENGINES)('on %s', (engine) => {
  beforeAll(async () => {
    dir = tempDir();
    db = workspacesPath(engine, dir.path);
    const files = await generateDemo({ customers: 200, seed: 8, outDir: join(dir.path, 'demo') });
    workspaces = await Workspaces.open({ dbPath: db });
    await workspaces.use('default', async (s) => {
      await importDemoFiles(s, files);
      await runPipeline(s, '2026-11-01 00:00:00');
      product = (await s.one<{ id: string }>(sql`SELECT id FROM products ORDER BY id LIMIT 1`))!.id;
    });
    await workspaces.rebuildView('default');
    key = (await createKey(workspaces.control, 'default', ['admin'], 'test')).key;
    ({ app, base } = await serveForTest(workspaces));
    serving = true;
  }, 120_000);

  afterAll(async () => {
    if (serving) await stopServer(app, workspaces, dir);
    else dir.cleanup();
  });

  describe('events of an erased customer', () => {
    it('erases a customer who was in audiences and in the live view', async () => {
      await workspaces.use('default', async (s) => expect((await traces(s, GONE)).length).toBeGreaterThan(3));
      expect((await call('GET', `/v1/customers/${GONE}/audiences`)).json.audiences.length).toBeGreaterThan(0);
      expect((await call('DELETE', `/v1/customers/${GONE}`)).status).toBe(200);
      await expectGoneEverywhere();
    });

    it('stores nothing of a batch to POST /v1/events for them, and the rest of the batch as usual', async () => {
      const before = await workspaces.use('default', (s) => eventCount(s, KEPT));
      const events = [
        { id: 'api-1', type: 'view', ts: '2026-11-02T10:00:00Z', customer_id: GONE, product_id: product },
        { id: 'api-2', type: 'order', ts: '2026-11-02T10:05:00Z', customer_id: GONE, product_id: product, order_id: 'api-o1', quantity: 2, unit_price: 300 },
        { id: 'api-3', type: 'order', ts: '2026-11-02T11:00:00Z', customer_id: KEPT, product_id: product, order_id: 'api-o2', quantity: 1, unit_price: 40 },
      ];
      const r = await call('POST', '/v1/events', { events });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ received: 3, accepted: 1, duplicates: 0, erased: 2 });
      expect(await workspaces.use('default', (s) => eventCount(s, KEPT))).toBe(before + 1);
      await expectGoneEverywhere();
    });

    it('stores nothing of a file to POST /v1/imports for them', async () => {
      const post = async (query: string, body: string) => {
        const res = await fetch(`${base}/v1/imports?${query}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body });
        return { status: res.status, json: await res.json() };
      };
      const c = await post('preset=segmint-customers', customersCsv);
      expect(c.status).toBe(201);
      expect(c.json).toMatchObject({ rows: 1, accepted: 0, erased: 1 });
      const e = await post('preset=segmint-events', eventsCsv('up'));
      expect(e.status).toBe(201);
      expect(e.json).toMatchObject({ rows: 4, accepted: 1, erased: 3 });
      await expectGoneEverywhere();
    });

    it('brings nobody back in the next run', async () => {
      const run = await call('POST', '/v1/runs', { as_of: '2026-11-04' });
      expect(run.status).toBe(200);
      await expectGoneEverywhere();
    });

    it('stores nothing of a file to `segmint import` for them, nor brings them back in `segmint run`', async () => {
      // The CLI opens the store file itself: the server lets go of it first.
      serving = false;
      await app.close();
      await workspaces.close();
      const file = join(dir.path, 'cli-events.csv');
      writeFileSync(file, eventsCsv('cli'));
      const customers = join(dir.path, 'cli-customers.csv');
      writeFileSync(customers, customersCsv);
      const segmint = (...args: string[]) => cliJson(db, args) as Record<string, unknown>;
      expect(segmint('import', customers, '--preset', 'segmint-customers')).toMatchObject({ rows: 1, accepted: 0, erased: 1 });
      expect(segmint('import', file, '--preset', 'segmint-events')).toMatchObject({ rows: 4, accepted: 1, erased: 3 });
      segmint('run', '--as-of', '2026-11-05');
      const store = await Store.open({ path: db });
      try {
        expect(await traces(store, GONE)).toEqual([]);
        // The kept customer's rows of both files and the batch are there: the files were read, not skipped.
        expect(await store.all(sql`SELECT id FROM events WHERE id IN ('api-3', 'up-4', 'cli-4') ORDER BY id`)).toEqual([{ id: 'api-3' }, { id: 'cli-4' }, { id: 'up-4' }]);
      } finally {
        store.close();
      }
    });
  });
});
