import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { profileSchema, saveProfiles, statementPaths, type Profile } from '../../src/profiles/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import { cliJson, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';
import { request, serveForTest, stopServer } from './harness.js';

/**
 * GET /v1/customers/:id/profile over a demo shop (300 customers, one run) and two customers with little data: one
 * order, or only browsing. The profile kept is answered until refresh=true; an erased customer keeps none; the CLI
 * answers the same JSON.
 */
const dir = tempDir();
const db = join(dir.path, 'shop.duckdb');
const RUN = '2026-11-01 00:00:00';
const ONE_ORDER = 'ONE-ORDER';
const BROWSER = 'JUST-LOOKING';
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let key = '';
let readOnly = '';
/** A buyer with many orders: the richest profile of the shop. */
let rich = '';
let serving = true;
/** The category of the product the little-data customers bought or viewed. */
let category = '';

const profileOf = async (id: string, query = ''): Promise<Profile> => {
  const reply = await request(base, 'GET', `/v1/customers/${id}/profile${query}`, key);
  expect(reply.status, reply.text).toBe(200);
  return profileSchema.parse(reply.json);
};

beforeAll(async () => {
  const files = await generateDemo({ customers: 300, seed: 5, outDir: join(dir.path, 'demo') });
  workspaces = await Workspaces.open({ dbPath: db });
  await workspaces.use('default', async (s) => {
    await importDemoFiles(s, files);
    await runPipeline(s, RUN);
    rich = (await s.one<{ id: string }>(sql`SELECT customer_id AS id FROM customer_features ORDER BY orders DESC, customer_id LIMIT 1`))!.id;
    const first = (await s.one<{ id: string; category: string }>(sql`SELECT id, category FROM products ORDER BY id LIMIT 1`))!;
    const product = first.id;
    category = first.category;
    // After the run: their features are computed for them, not read from the run's table.
    await s.run(sql`INSERT INTO customers (id, country, created_at) VALUES (${ONE_ORDER}, 'NL', '2026-09-01'), (${BROWSER}, 'DE', '2026-09-01')`);
    await s.run(sql`INSERT INTO events (id, type, ts, customer_id, product_id, order_id, quantity, unit_price, query) VALUES
      ('little-1', 'order', '2026-10-10 12:00:00', ${ONE_ORDER}, ${product}, 'little-o1', 1, 40, NULL),
      ('little-2', 'search', '2026-10-20 12:00:00', ${BROWSER}, NULL, NULL, NULL, NULL, 'linen dress'),
      ('little-3', 'view', '2026-10-20 12:01:00', ${BROWSER}, ${product}, NULL, NULL, NULL, NULL),
      ('little-4', 'view', '2026-10-21 12:01:00', ${BROWSER}, ${product}, NULL, NULL, NULL, NULL)`);
  });
  key = (await createKey(workspaces.control, 'default', ['profiles:read', 'admin'], 'test')).key;
  readOnly = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces));
}, 300_000);

afterAll(async () => {
  if (serving) await stopServer(app, workspaces, dir);
  else dir.cleanup();
});

describe('GET /v1/customers/:id/profile', () => {
  it("answers a buyer's profile as of the latest run, with evidence for every statement", async () => {
    const p = await profileOf(rich);
    expect(p.as_of).toBe(RUN);
    expect(p.confidence.level).toBe('high');
    expect(p.occasions.length).toBeGreaterThan(0);
    expect([...statementPaths(p).keys()].filter((path) => !p.evidence[path])).toEqual([]);
    expect(p.facts.find((f) => f.id === 'audiences')!.value).not.toEqual([]);
  });

  it('answers the profile kept until refresh=true makes and keeps a new one', async () => {
    const kept = await profileOf(rich);
    const old = { ...kept, generated_at: '2020-01-01 00:00:00' };
    await workspaces.use('default', (s) => saveProfiles(s, [old]));
    expect((await profileOf(rich)).generated_at).toBe('2020-01-01 00:00:00');
    const fresh = await profileOf(rich, '?refresh=true');
    expect(fresh.generated_at).not.toBe('2020-01-01 00:00:00');
    expect((await profileOf(rich)).generated_at).toBe(fresh.generated_at);
    // Another seed is another profile, kept in its turn.
    expect((await profileOf(rich, '?seed=7')).generator.seed).toBe(7);
  });

  it('gives a customer with one order, or only browsing, a valid profile with lower confidence and fewer claims', async () => {
    const full = await profileOf(rich);
    const one = await profileOf(ONE_ORDER);
    const browsing = await profileOf(BROWSER);
    for (const p of [one, browsing]) {
      expect(p.confidence.score).toBeLessThan(full.confidence.score);
      expect(p.confidence.level).not.toBe('high');
      expect(statementPaths(p).size).toBeLessThan(statementPaths(full).size);
      expect(p.current_purchase_moment.new_behavior).toBe(false);
    }
    expect(one.facts.find((f) => f.id === 'history.orders')!.value).toBe(1);
    expect(browsing.occasions).toEqual([]);
    expect(browsing.current_purchase_moment.recent_browsing).toEqual([`10/21 - Viewed 1 product (${category})`, `10/20 - Searched 'linen dress' and viewed 1 product (${category})`]);
    expect(browsing.general_description).toContain('not a buyer yet');
  });

  it('refuses an unknown customer (404), a bad seed (400) and a key without profiles:read (403)', async () => {
    const unknown = await request(base, 'GET', '/v1/customers/NOBODY/profile', key);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toBe('customer "NOBODY" is not in the store');
    const badSeed = await request(base, 'GET', `/v1/customers/${rich}/profile?seed=x`, key);
    expect(badSeed.status).toBe(400);
    expect(badSeed.json.error.message).toContain('seed');
    expect((await request(base, 'GET', `/v1/customers/${rich}/profile`, readOnly)).status).toBe(403);
  });

  it('keeps no profile of an erased customer', async () => {
    await profileOf(ONE_ORDER);
    const count = () => workspaces.use('default', async (s) => (await s.one<{ n: number }>(sql`SELECT count(*) AS n FROM customer_profiles WHERE customer_id = ${ONE_ORDER}`))!.n);
    expect(await count()).toBe(1);
    const erased = await request(base, 'DELETE', `/v1/customers/${ONE_ORDER}`, key);
    expect(erased.status).toBe(200);
    expect(erased.json.deleted.customer_profiles).toBe(1);
    expect(await count()).toBe(0);
    expect((await request(base, 'GET', `/v1/customers/${ONE_ORDER}/profile`, key)).status).toBe(404);
  });

  it('answers the same JSON from `segmint profile --json` as from the API', async () => {
    const api = await profileOf(rich);
    serving = false;
    await app.close();
    await workspaces.close();
    expect(cliJson(db, ['profile', rich])).toEqual(api);
    const missing = runCli(['--db', db, 'profile', 'NOBODY']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('segmint: customer "NOBODY" is not in the store');
  });
});
