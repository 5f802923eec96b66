import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/index.js';
import { createKey, workspaceDir, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import { copyTables, identityMapping, importFile, type Store } from '../../src/store/index.js';
import { ALL_ENGINES } from '../engines.js';
import { clickhouseServer } from '../clickhouse-server.js';
import { columnsHolding, memoryStore, tempDir } from '../helpers.js';
import { request, serveForTest } from './harness.js';

/**
 * Workspaces on every engine: on DuckDB each is a file, on ClickHouse (embedded, or a server over HTTP) each is a
 * database of the same engine. Two workspaces with customers of their own, run; B's key erases, exports and sets
 * consent of its own customers and reaches none of A's, and A's rows stay as they were.
 */

const AS_OF = '2024-04-01 00:00:00';

/**
 * A shop's files: three customers with orders, ids prefixed so that each workspace's rows are told apart. The ids hold
 * letters no hex digit or UUID holds: a scan for the old `b-c3` once found it in a settings value, most likely the run's
 * random stamp of the feature table (a UUID).
 */
function shopFiles(dir: string, tag: string): { customers: string; events: string } {
  const customers = join(dir, `${tag}-customers.csv`);
  const events = join(dir, `${tag}-events.csv`);
  writeFileSync(customers, ['id,email,created_at,consent_email', ...[1, 2, 3].map((i) => `${tag}-cust${i},${tag}-cust${i}@example.com,2024-01-0${i},true`)].join('\n') + '\n');
  writeFileSync(
    events,
    [
      'id,type,ts,customer_id,product_id,order_id,quantity,unit_price',
      ...[1, 2, 3].flatMap((i) => Array.from({ length: i }, (_, n) => `${tag}-e${i}-${n},order,2024-0${2 + n}-0${i} 10:00:00,${tag}-cust${i},${tag}-p${n},${tag}-o${i}-${n},1,${10 * i + n}`)),
    ].join('\n') + '\n',
  );
  return { customers, events };
}

async function counts(store: Store): Promise<unknown> {
  return store.one(sql`SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM events) AS events,
    (SELECT count(*) FROM memberships) AS memberships, (SELECT count(*) FROM customers WHERE consent_email) AS consenting`);
}

describe.each(ALL_ENGINES)('workspaces on %s', (engine) => {
  const dir = tempDir();
  let server: { port: number; close: () => Promise<void> } | undefined;
  let workspaces: Workspaces;
  let app: FastifyInstance;
  let base = '';
  let bKey = '';
  let aBefore: unknown;
  let dbPath = '';

  beforeAll(async () => {
    server = engine === 'clickhouse' ? await clickhouseServer(join(dir.path, 'server')) : undefined;
    dbPath = { duckdb: join(dir.path, 'shop.duckdb'), chdb: `chdb:${join(dir.path, 'shop')}`, clickhouse: `clickhouse://127.0.0.1:${server?.port}/shop` }[engine];
    workspaces = await Workspaces.open({ dbPath });
    for (const tag of ['a', 'b']) {
      const files = shopFiles(dir.path, tag);
      const loader = await memoryStore();
      await importFile(loader, files.customers, identityMapping('customers'));
      await importFile(loader, files.events, identityMapping('events'));
      await workspaces.use(tag === 'a' ? 'default' : 'other', async (s) => {
        await copyTables(loader, s);
        await runPipeline(s, AS_OF);
      });
      loader.close();
    }
    bKey = (await createKey(workspaces.control, 'other', ['admin'], 'test')).key;
    ({ app, base } = await serveForTest(workspaces));
    aBefore = await workspaces.use('default', counts);
  }, 120_000);

  afterAll(async () => {
    await app.close();
    await workspaces.close();
    await server?.close();
    // A server's control file is kept on this machine, under .segmint in the working directory.
    if (engine === 'clickhouse') rmSync(workspaceDir(dbPath), { recursive: true, force: true });
    dir.cleanup();
  });

  it("keeps each workspace's rows in its own store", async () => {
    const aIds = ['a-cust1', 'a-cust2', 'a-cust3'];
    await workspaces.use('other', async (s) => {
      for (const id of aIds) expect(await columnsHolding(s, id)).toEqual([]);
      expect((await columnsHolding(s, 'b-cust3')).length).toBeGreaterThan(2);
    });
    await workspaces.use('default', async (s) => expect(await s.all(sql`SELECT id FROM customers ORDER BY id`)).toEqual(aIds.map((id) => ({ id }))));
  });

  it("answers B's key for B's customers only: export, consent, members, erasure", async () => {
    const call = (method: string, path: string, body?: unknown) => request(base, method, path, bKey, body);
    for (const [method, path, body] of [['GET', '/v1/customers/a-cust2/export'], ['PUT', '/v1/customers/a-cust2/consent', { email: false }], ['DELETE', '/v1/customers/a-cust2']] as const) {
      const reply = await call(method, path, body);
      expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(404);
      expect(reply.text).not.toContain('a-cust2@example.com');
    }
    const exported = await call('GET', '/v1/customers/b-cust2/export');
    expect(exported.status, exported.text).toBe(200);
    expect((exported.json as { events: unknown[] }).events).toHaveLength(2);
    const consent = await call('PUT', '/v1/customers/b-cust2/consent', { email: false, sms: true });
    expect(consent.status, consent.text).toBe(200);
    expect(consent.json).toMatchObject({ customer_id: 'b-cust2', consent: { email: false, sms: true, push: null, ads: null } });
    const audience = (await workspaces.use('other', (s) => s.one<{ id: string }>(sql`SELECT audience_id AS id FROM memberships GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`)))!.id;
    const members = await call('GET', `/v1/audiences/${audience}/members`);
    expect(members.status, members.text).toBe(200);
    expect(members.text).toContain('b-cust');
    expect(members.text).not.toContain('a-cust');
    const erased = await call('DELETE', '/v1/customers/b-cust3');
    expect(erased.status, erased.text).toBe(200);
    expect((erased.json as { deleted: Record<string, number> }).deleted).toMatchObject({ customers: 1, events: 3 });
    await workspaces.use('other', async (s) => expect(await columnsHolding(s, 'b-cust3')).toEqual([]));
    expect(await workspaces.use('default', counts)).toEqual(aBefore);
  });
});
