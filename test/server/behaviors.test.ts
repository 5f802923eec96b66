import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { behaviorFamilySchema } from '../../src/audiences/behavior-family.js';
import { createdBehaviorSchema, customBehaviorSchema } from '../../src/audiences/custom-behaviors.js';
import { CUSTOMER_BEHAVIORS, PRODUCT_BEHAVIORS } from '../../src/behaviors/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { runCli } from '../helpers/cli.js';
import { copyDemoStore } from '../helpers/demo-store.js';
import { tempDir } from '../helpers.js';
import { request, serveForTest, stopServer } from './harness.js';

/**
 * Custom behaviors and the behaviors family through the real CLI and the real server: a behavior made from words is
 * kept as a draft with its reading and preview, activated into an audience computed at once, at every run and live,
 * deactivated again; GET /v1/behaviors lists it beside the suggested behaviors and the behavioral clusters, as
 * `segmint behavior list --json` does.
 */
const dir = tempDir();
// The demo shop: imported, run once, both customer clusterings fitted.
const { db } = copyDemoStore(dir.path);
const TEXT = 'sustainable linen lovers who shop on mobile';
const SHOES = 'mobile shoppers who bought shoes';
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let read = '';
let write = '';
/** Taken before the server opens the file: DuckDB lets one process at a time open it. */
const cli: Record<string, ReturnType<typeof segmint>> = {};

/** The ids of a list of audiences in an answer, and one of them. */
const ids = (list: unknown): string[] => (list as Array<{ id: string }>).map((a) => a.id);
const byId = (list: unknown, id: string): { size: number; kind: string; reasons: string | null } | undefined =>
  (list as Array<{ id: string; size: number; kind: string; reasons: string | null }>).find((a) => a.id === id);

/** Numbers to 12 significant digits. */
const digits = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_, x: unknown) => (typeof x === 'number' ? Number(x.toPrecision(12)) : x)));

// Without an LLM endpoint the environment may name (SEGMINT_LLM_URL).
const segmint = (...args: string[]) => runCli(['--db', db, ...args], { env: { SEGMINT_LLM_URL: undefined } });

beforeAll(async () => {
  cli.created = segmint('behavior', 'create', '--name', 'Linen lovers', TEXT, '--json');
  cli.text = segmint('behavior', 'create', '--name', 'Shoe fans', SHOES, '--activate');
  cli.duplicate = segmint('behavior', 'create', '--name', 'Linen lovers', TEXT);
  cli.nonsense = segmint('behavior', 'create', '--name', 'Blorp', 'blorp glarg');
  cli.neither = segmint('behavior', 'create', '--name', 'Nothing');
  cli.deactivated = segmint('behavior', 'deactivate', 'Shoe fans', '--json');
  cli.notCustom = segmint('behavior', 'activate', 'smart-active-loyals');
  cli.list = segmint('behavior', 'list', '--json');
  cli.products = segmint('behavior', 'list', '--entity', 'products', '--json');
  cli.report = segmint('behaviors', '--json');
  cli.productReport = segmint('behaviors', '--entity', 'products', '--json');
  workspaces = await Workspaces.open({ dbPath: db });
  read = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
  write = (await createKey(workspaces.control, 'default', ['audiences:read', 'audiences:write'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces));
}, 240_000);

afterAll(() => stopServer(app, workspaces, dir));

describe('custom behaviors and the behaviors family', () => {
  it('lists one family, the same JSON from the CLI and the API: suggested behaviors, custom behaviors, behavioral clusters', async () => {
    const api = await request(base, 'GET', '/v1/behaviors', read);
    expect(api.status, api.text).toBe(200);
    expect(cli.list!.stderr).toBe('');
    expect(api.json).toEqual(JSON.parse(cli.list!.stdout));
    // `segmint behaviors` reads the same family the run kept.
    expect(cli.report!.stderr).toBe('');
    expect(api.json).toEqual(JSON.parse(cli.report!.stdout));
    const family = behaviorFamilySchema.parse(api.json);
    expect(family.as_of).toBe('2026-11-01 00:00:00');
    expect(family.suggested.map((b) => b.audience_id)).toEqual(CUSTOMER_BEHAVIORS.map((b) => `behavior-${b.id}`));
    for (const b of family.suggested) {
      expect(b.size, b.id).toBeGreaterThan(0);
      expect(b.size, b.id).toBeLessThan(b.scored);
      expect(b.lift!, b.id).toBeGreaterThan(1);
      expect(b.active, b.id).toBe(true);
    }
    // The size a suggested behavior is listed with is the one its audience has at the run.
    const hunters = family.suggested.find((b) => b.id === 'value_hunters')!;
    expect((await request(base, 'GET', '/v1/audiences/behavior-value_hunters', read)).json.size).toBe(hunters.size);
    // Where a behavioral cluster shares a behavior's name, the behavior carries their agreement.
    expect(family.clusters.length).toBeGreaterThanOrEqual(2);
    const shared = family.suggested.filter((b) => b.cluster);
    for (const b of shared) expect(family.clusters.map((c) => c.name)).toContain(b.cluster!.name);
    expect(family.suggested.filter((b) => b.cluster === null).length).toBeGreaterThan(0);
    expect(family.custom.map((c) => [c.id, c.active])).toEqual([
      ['linen-lovers', false],
      ['shoe-fans', false],
    ]);
    const products = await request(base, 'GET', '/v1/behaviors?entity=products', read);
    // Product behaviors are scored on each request: parallel sums may differ in the last bits from one to the next.
    expect(digits(products.json)).toEqual(digits(JSON.parse(cli.products!.stdout)));
    expect(products.json).toEqual(JSON.parse(cli.productReport!.stdout));
    const productFamily = behaviorFamilySchema.parse(products.json);
    expect(productFamily.suggested.map((b) => b.id)).toEqual(PRODUCT_BEHAVIORS.map((b) => b.id));
    expect(productFamily.suggested.every((b) => b.audience_id === null)).toBe(true);
    expect((await request(base, 'GET', '/v1/behaviors?entity=orders', read)).status).toBe(400);
  });

  it('keeps a behavior made from words as a draft, with its words, spec, reading and preview, out of runs and listings', async () => {
    const created = createdBehaviorSchema.parse(JSON.parse(cli.created!.stdout));
    const preview = await request(base, 'POST', '/v1/behaviors/preview', read, { text: TEXT });
    expect(created).toMatchObject({ id: 'linen-lovers', name: 'Linen lovers', text: TEXT, spec: preview.json.spec, active: false, size: null, note: 'inactive' });
    expect(created.reading).toEqual(preview.json.reading);
    expect(created.preview).toEqual(preview.json.preview);
    expect(created.preview!.size).toBeGreaterThan(0);
    expect(created.preview!.size).toBeLessThan(created.preview!.customers);
    const api = await request(base, 'POST', '/v1/behaviors', write, { name: 'Linen lovers 2', text: TEXT });
    expect(api.status, api.text).toBe(201);
    expect(api.json).toEqual({ ...created, id: 'linen-lovers-2', name: 'Linen lovers 2' });
    // A draft is no audience: not listed, not computed by a run.
    const listed = async () => ids((await request(base, 'GET', '/v1/audiences', read)).json);
    expect(await listed()).not.toContain('linen-lovers-2');
    expect((await request(base, 'POST', '/v1/runs', write, {})).status).toBe(200);
    expect((await request(base, 'GET', '/v1/behaviors/linen-lovers-2', read)).json).toMatchObject({ active: false, size: null, note: 'inactive' });
  });

  it('activates a behavior into an audience computed at once, at every run and live, and deactivates it', async () => {
    const preview = (await request(base, 'POST', '/v1/behaviors/preview', read, { text: TEXT })).json.preview;
    const on = await request(base, 'POST', '/v1/behaviors/linen-lovers/activate', write);
    expect(on.status, on.text).toBe(200);
    expect(customBehaviorSchema.parse(on.json)).toMatchObject({ id: 'linen-lovers', active: true, size: preview.size, as_of: preview.as_of });
    const audiences = (await request(base, 'GET', '/v1/audiences', read)).json as Array<{ id: string; kind: string; size: number }>;
    expect(audiences.find((a) => a.id === 'linen-lovers')).toMatchObject({ kind: 'custom_behavior', size: preview.size });
    const members = (await request(base, 'GET', '/v1/audiences/linen-lovers/members?limit=1000', read)).json.members as Array<{ customer_id: string; reasons: string }>;
    // The members the preview promised: as many, its samples among them.
    expect(members).toHaveLength(preview.size);
    expect(preview.samples.length).toBeGreaterThan(0);
    for (const sample of preview.samples as Array<{ customer_id: string }>) expect(members.map((m) => m.customer_id)).toContain(sample.customer_id);
    // Live answers evaluate its rule for a member, with the clauses that held as reasons.
    const member = members[0]!.customer_id;
    const live = await request(base, 'GET', `/v1/customers/${member}/audiences`, read);
    expect(byId(live.json.audiences, 'linen-lovers')).toMatchObject({ kind: 'custom_behavior', reasons: members[0]!.reasons });
    const classified = await request(base, 'POST', '/v1/classify', read, { customer_id: member });
    expect(ids(classified.json.audiences)).toContain('linen-lovers');
    // Every run refreshes it.
    const run = await request(base, 'POST', '/v1/runs', write, { as_of: '2026-10-01' });
    const then = byId(run.json.audiences, 'linen-lovers')!;
    expect(then.size).toBeGreaterThan(0);
    expect(then.size).toBeLessThanOrEqual(preview.size);
    expect(byId((await request(base, 'POST', '/v1/runs', write, {})).json.audiences, 'linen-lovers')!.size).toBe(preview.size);
    const off = await request(base, 'POST', '/v1/behaviors/linen-lovers/deactivate', write);
    expect(off.json).toMatchObject({ active: false });
    expect(ids((await request(base, 'GET', '/v1/audiences', read)).json)).not.toContain('linen-lovers');
    const after = await request(base, 'POST', '/v1/classify', read, { customer_id: member });
    expect(ids(after.json.audiences)).not.toContain('linen-lovers');
  });

  it('creates from a spec alone, and active at once when asked', async () => {
    const api = await request(base, 'POST', '/v1/behaviors', write, { name: 'Repeat buyers', spec: 'orders>1', active: true });
    expect(api.status, api.text).toBe(201);
    expect(api.json).toMatchObject({ text: '', spec: 'orders > 1', reading: null, active: true });
    expect(api.json.size).toBe(api.json.preview.size);
    expect(api.json.size).toBeGreaterThan(0);
    // Its spec edited as an audience's rule stays a custom behavior's, computed again at once; it can be deleted.
    const patched = await request(base, 'PATCH', '/v1/audiences/repeat-buyers', write, { rule: 'orders > 3' });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({ kind: 'custom_behavior', definition: { kind: 'custom_behavior', text: '', spec: 'orders > 3', reading: null } });
    expect(patched.json.size).toBeLessThan(api.json.size);
    expect((await request(base, 'GET', '/v1/behaviors/repeat-buyers', read)).json).toMatchObject({ spec: 'orders > 3', size: patched.json.size });
    expect((await request(base, 'DELETE', '/v1/audiences/repeat-buyers', write)).status).toBe(200);
    expect((await request(base, 'GET', '/v1/behaviors/repeat-buyers', read)).status).toBe(404);
    // Made with --activate through the CLI, then deactivated.
    expect(cli.text!.code).toBe(0);
    expect(cli.text!.stdout).toMatch(/^created shoe-fans: Shoe fans, active, \d+ members as of 2026-11-01 00:00:00\nspec: share\(order where device = "mobile"\) >= 0\.5 and count\(order where category = "shoes"\) >= 1\n/);
    expect(JSON.parse(cli.deactivated!.stdout)).toMatchObject({ id: 'shoe-fans', active: false });
  });

  it('says what is wrong: words not understood (400, listing them), a name taken (409), an unknown behavior (404), a missing scope (403)', async () => {
    const nonsense = await request(base, 'POST', '/v1/behaviors', write, { name: 'Blorp', text: 'blorp glarg' });
    expect(nonsense.status).toBe(400);
    expect(nonsense.json.error.message).toMatch(/^could not understand the description.*"blorp", "glarg"/);
    expect(nonsense.json.error.details).toEqual({ not_understood: ['blorp', 'glarg'] });
    expect(cli.nonsense!.code).toBe(1);
    expect(cli.nonsense!.stderr.trim()).toBe(`segmint: ${nonsense.json.error.message as string}`);
    const empty = await request(base, 'POST', '/v1/behaviors', write, { name: 'Empty', text: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.json.error.message).toMatch(/^could not understand the description: it is empty/);
    expect(cli.neither!.code).toBe(2);
    expect(cli.neither!.stderr.trim()).toBe('segmint: give the description (TEXT) or --spec');
    const badSpec = await request(base, 'POST', '/v1/behaviors', write, { name: 'Bad', spec: 'recnecy_days > 60' });
    expect(badSpec.status).toBe(400);
    expect(badSpec.json.error.message).toBe('unknown feature "recnecy_days" at 1:1; did you mean recency_days?');
    const taken = await request(base, 'POST', '/v1/behaviors', write, { name: 'Linen lovers', text: TEXT });
    expect(taken.status).toBe(409);
    expect(taken.json.error).toMatchObject({ code: 'conflict', message: 'an audience named "Linen lovers" exists already' });
    // The name of any audience is taken, a smart segment's too.
    expect((await request(base, 'POST', '/v1/behaviors', write, { name: 'Active Loyals', spec: 'orders > 1' })).status).toBe(409);
    expect(cli.duplicate!.code).toBe(1);
    expect(cli.duplicate!.stderr.trim()).toBe('segmint: an audience named "Linen lovers" exists already');
    for (const [method, path] of [
      ['GET', '/v1/behaviors/no-such'],
      ['POST', '/v1/behaviors/no-such/activate'],
      ['POST', '/v1/behaviors/smart-active-loyals/deactivate'],
    ] as const) {
      const r = await request(base, method, path, write);
      expect(r.status, path).toBe(404);
      expect(r.json.error.message, path).toMatch(/^no custom behavior "(no-such|smart-active-loyals)"$/);
    }
    expect(cli.notCustom!.code).toBe(1);
    expect(cli.notCustom!.stderr.trim()).toBe('segmint: no custom behavior "smart-active-loyals"');
    expect((await request(base, 'POST', '/v1/behaviors', read, { name: 'Nope', spec: 'orders > 1' })).status).toBe(403);
    expect((await request(base, 'POST', '/v1/behaviors/linen-lovers/activate', read)).status).toBe(403);
    expect((await request(base, 'POST', '/v1/behaviors', write, { name: 'Extra', spec: 'orders > 1', colour: 'red' })).status).toBe(400);
  });
});
