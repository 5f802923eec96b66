import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAudience } from '../../src/audiences/index.js';
import { buildServer, createKey, Workspaces } from '../../src/server/index.js';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../src/shared/logger.js';
import { sql } from '../../src/sql/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';
import { request } from './harness.js';

const dir = tempDir();
const db = join(dir.path, 'shop.duckdb');
const logs: string[] = [];
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
const keys = { read: '', write: '', ingest: '', other: '' };
let emails: string[] = [];

function segmint(...args: string[]) {
  const r = runCli(['--db', db, ...args]);
  expect(r.stderr).toBe('');
  return r;
}

const call = (method: string, path: string, key?: string, body?: unknown) => request(base, method, path, key, body);

beforeAll(async () => {
  segmint('demo', '--customers', '500', '--seed', '3', '--dir', join(dir.path, 'demo'), '--no-serve', '--json');
  segmint('run', '--as-of', '2026-05-01', '--json');
  segmint('run', '--json');
  workspaces = await Workspaces.open({ dbPath: db });
  await workspaces.use('default', async (store) => {
    await createAudience(store, { name: 'Shoe fans', rule: 'count(order where category = "shoes") >= 1' });
    await createAudience(store, { name: 'To delete', rule: 'orders >= 1' });
    emails = (await store.all<{ email: string }>(sql`SELECT email FROM customers WHERE email IS NOT NULL LIMIT 50`)).map((r) => r.email);
  });
  // The other workspace holds a customer and an audience of its own.
  await workspaces.use('other', async (store) => {
    await store.run(sql`INSERT INTO customers (id, email) VALUES ('OTHER-1', 'other.person@example.org')`);
    await createAudience(store, { name: 'Other secret', rule: 'orders >= 1' });
  });
  keys.read = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
  keys.write = (await createKey(workspaces.control, 'default', ['audiences:read', 'audiences:write'], 'test')).key;
  keys.ingest = (await createKey(workspaces.control, 'default', ['ingest:write'], 'test')).key;
  keys.other = (await createKey(workspaces.control, 'other', ['admin'], 'test')).key;
  app = await buildServer({ workspaces, logger: createLogger('trace', { write: (line: string) => void logs.push(line) }), bodyLimit: 64 * 1024 });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
}, 180_000);

afterAll(async () => {
  await app.close();
  await workspaces.close();
  dir.cleanup();
});

interface RouteCase {
  method: string;
  path: string;
  scope: string;
  body?: unknown;
  /** For a key of another workspace: 404, or a success that shows only that workspace. */
  other: number[];
}

const ROUTES: RouteCase[] = [
  { method: 'GET', path: '/v1/stats', scope: 'audiences:read', other: [200] },
  { method: 'GET', path: '/v1/customers/C001/features', scope: 'audiences:read', other: [404] },
  { method: 'GET', path: '/v1/customers/C001/explain', scope: 'audiences:read', other: [404] },
  { method: 'GET', path: '/v1/audiences', scope: 'audiences:read', other: [200] },
  { method: 'POST', path: '/v1/audiences', scope: 'audiences:write', body: { name: 'Made by other', rule: 'orders >= 2' }, other: [201] },
  { method: 'GET', path: '/v1/audiences/shoe-fans', scope: 'audiences:read', other: [404] },
  { method: 'PATCH', path: '/v1/audiences/shoe-fans', scope: 'audiences:write', body: { description: 'hijacked' }, other: [404] },
  { method: 'DELETE', path: '/v1/audiences/to-delete', scope: 'audiences:write', other: [404] },
  { method: 'GET', path: '/v1/audiences/shoe-fans/members', scope: 'audiences:read', other: [404] },
  { method: 'POST', path: '/v1/runs', scope: 'audiences:write', body: {}, other: [200] },
  // The other workspace's run (above) holds none of A's buyers and none of its own, too few to fit clusters on.
  { method: 'POST', path: '/v1/clusters', scope: 'audiences:write', body: { method: 'rfm', k: 3 }, other: [400] },
  { method: 'GET', path: '/v1/clusters/rfm', scope: 'audiences:read', other: [404] },
  { method: 'GET', path: '/v1/clusters/rfm/sample', scope: 'audiences:read', other: [404] },
  { method: 'GET', path: '/v1/movement?from=2026-05-01&to=2026-11-01', scope: 'audiences:read', other: [404] },
  { method: 'GET', path: '/v1/overlap?audience=shoe-fans&audience=smart-big-spenders', scope: 'audiences:read', other: [404] },
  { method: 'GET', path: '/v1/runs', scope: 'audiences:read', other: [200] },
  { method: 'GET', path: '/v1/rfm', scope: 'audiences:read', other: [200] },
  { method: 'GET', path: '/v1/rules/vocabulary', scope: 'audiences:read', other: [200] },
  { method: 'POST', path: '/v1/rules/check', scope: 'audiences:read', body: { rule: 'in audience "Shoe fans"' }, other: [200] },
  // The other workspace has a run by now (POST /v1/runs above), on its own one customer.
  { method: 'POST', path: '/v1/rules/preview', scope: 'audiences:read', body: { rule: 'orders >= 1' }, other: [200] },
  { method: 'GET', path: '/v1/customers/C001/events', scope: 'audiences:read', other: [404] },
];

describe('auth and workspaces on every route', () => {
  it.each(ROUTES)('$method $path: 401 without a key, 403 without the scope, nothing of another workspace', async (r) => {
    const none = await call(r.method, r.path, undefined, r.body);
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('unauthorized');
    expect((await call(r.method, r.path, 'sgm_not-a-real-key', r.body)).status).toBe(401);
    const scopeless = await call(r.method, r.path, keys.ingest, r.body);
    expect(scopeless.status).toBe(403);
    expect(scopeless.json.error).toMatchObject({ code: 'forbidden', details: { needs: r.scope } });
    if (r.scope === 'audiences:write') expect((await call(r.method, r.path, keys.read, r.body)).status).toBe(403);
    const other = await call(r.method, r.path, keys.other, r.body);
    expect(r.other).toContain(other.status);
    // A refusal only echoes the name asked for; a success holds no customer, audience or count of the default workspace.
    if (other.status >= 400) expect(Object.keys(other.json)).toEqual(['error']);
    else expect(other.text).not.toMatch(/"C\d{3,}"|shoe-fans|to-delete|"customers":500/);
  });

  it('keeps the two workspaces apart in listings', async () => {
    const mine = (await call('GET', '/v1/audiences', keys.read)).json as Array<{ id: string }>;
    const theirs = (await call('GET', '/v1/audiences', keys.other)).json as Array<{ id: string }>;
    expect(mine.map((a) => a.id)).toContain('shoe-fans');
    expect(mine.map((a) => a.id)).not.toContain('other-secret');
    expect(mine.map((a) => a.id)).not.toContain('made-by-other');
    expect(theirs.map((a) => a.id)).toContain('other-secret');
    expect(theirs.map((a) => a.id)).not.toContain('shoe-fans');
    expect((await call('GET', '/v1/stats', keys.other)).json.customers).toBe(1);
    expect((await call('GET', '/v1/customers/OTHER-1/features', keys.read)).status).toBe(404);
  });
});

describe('routes', () => {
  it('serves stats, features and explain', async () => {
    expect((await call('GET', '/v1/stats', keys.read)).json.customers).toBe(500);
    const f = await call('GET', '/v1/customers/C001/features?as_of=2026-06-01', keys.read);
    expect(f.status).toBe(200);
    expect(f.json).toMatchObject({ customer_id: 'C001', as_of: '2026-06-01 00:00:00' });
    expect(typeof f.json.features.orders).toBe('number');
    expect((await call('GET', '/v1/customers/C001/features?as_of=someday', keys.read)).status).toBe(400);
    const e = await call('GET', '/v1/customers/C001/explain?audience=Active%20Loyals', keys.read);
    expect(e.status).toBe(200);
    expect(e.json.audiences).toHaveLength(1);
  });

  it('fits a clustering whose clusters are audiences, described, and shown among a customer\'s audiences', async () => {
    type Clusters = { clusters: Array<{ id: string; size: number }> };
    type Audiences = { audiences: Array<{ id: string; kind: string }> };
    const fitted = await call('POST', '/v1/clusters', keys.write, { method: 'rfm', k: 3 });
    expect(fitted.status).toBe(200);
    const sizes = (json: unknown) => (json as Clusters).clusters.map((c) => [c.id, c.size]);
    expect(sizes(fitted.json)).toHaveLength(3);
    expect(sizes((await call('GET', '/v1/clusters/rfm', keys.read)).json)).toEqual(sizes(fitted.json));
    const buyer = (await call('GET', '/v1/customers/C001/audiences', keys.read)).json as Audiences;
    const orders = ((await call('GET', '/v1/customers/C001/features', keys.read)).json as { features: { orders: number } }).features.orders;
    // One cluster of each clustering for a buyer: the demo fitted a behavioral one, and this RFM one.
    expect(buyer.audiences.filter((a) => a.kind === 'cluster' && a.id.startsWith('cluster-rfm-'))).toHaveLength(orders >= 1 ? 1 : 0);
    expect(buyer.audiences.filter((a) => a.kind === 'cluster')).toHaveLength(orders >= 1 ? 2 : 0);
    expect((await call('POST', '/v1/clusters', keys.write, { method: 'rfm', k: 1 })).status).toBe(400);
    expect((await call('GET', '/v1/clusters/kmeans', keys.read)).status).toBe(400);

    // A refit with another k: the listing shows its two clusters, with members, and not the three it replaced.
    const refit = await call('POST', '/v1/clusters', keys.write, { method: 'rfm', k: 2 });
    expect((await call('GET', '/v1/clusters/rfm', keys.read)).json).toEqual(refit.json);
    type Listed = Array<{ id: string; kind: string; definition: { kind: string; method?: string }; size: number | null; flags: Array<{ flag: string; detail: string }> }>;
    const listed = ((await call('GET', '/v1/audiences', keys.read)).json as Listed).filter((a) => a.definition.kind === 'cluster' && a.definition.method === 'rfm');
    expect(listed.map((a) => a.id).sort()).toEqual((refit.json as Clusters).clusters.map((c) => c.id).sort());
    for (const a of listed) expect(a.size, a.id).toBeGreaterThan(0);
  });

  it('lists audiences with their size and flags, no_data where the store lacks what a rule reads', async () => {
    expect((await call('POST', '/v1/audiences', keys.write, { name: 'Saw a campaign', rule: 'count(campaign_impression) >= 1' })).status).toBe(201);
    expect((await call('POST', '/v1/runs', keys.write, { as_of: '2026-11-01' })).status).toBe(200);
    type Listed = Array<{ id: string; size: number | null; flags: Array<{ flag: string; detail: string }> }>;
    const listed = new Map(((await call('GET', '/v1/audiences', keys.read)).json as Listed).map((a) => [a.id, a]));
    // The demo shop records no campaign impressions: the audience is empty for want of data, not small.
    expect(listed.get('saw-a-campaign')).toMatchObject({ size: 0, flags: [{ flag: 'no_data', detail: 'no data: the store has no campaign_impression events before this run' }] });
    expect(listed.get('shoe-fans')!.size).toBeGreaterThan(0);
    expect((await call('DELETE', '/v1/audiences/saw-a-campaign', keys.write)).status).toBe(200);
  });

  it('creates, reads, updates, lists members of and deletes an audience', async () => {
    const created = await call('POST', '/v1/audiences', keys.write, { name: 'Big buyers', rule: 'orders >= 5', description: 'five or more' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'big-buyers', kind: 'rule', definition: { text: 'orders >= 5' } });
    // A name means one audience: taking it again is a conflict with what is stored, not a malformed request.
    const again = await call('POST', '/v1/audiences', keys.write, { name: 'Big buyers', rule: 'orders >= 5' });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'conflict', message: 'an audience named "Big buyers" exists already' });
    const bad = await call('POST', '/v1/audiences', keys.write, { name: 'x', rule: 'orderz >= 5' });
    expect(bad.json.error).toMatchObject({ code: 'invalid_input', details: { suggestions: ['orders'] } });
    const missing = await call('POST', '/v1/audiences', keys.write, { name: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.json.error.details.issues[0].path).toBe('body.rule');
    expect((await call('PATCH', '/v1/audiences/big-buyers', keys.write, { rule: 'orders >= 6' })).json.definition.text).toBe('orders >= 6');
    expect((await call('GET', '/v1/audiences/Big%20buyers', keys.read)).json.id).toBe('big-buyers');
    await call('POST', '/v1/runs', keys.write, { as_of: '2026-11-01' });
    const page1 = await call('GET', '/v1/audiences/big-buyers/members?limit=3', keys.read);
    const page2 = await call('GET', '/v1/audiences/big-buyers/members?limit=3&offset=3', keys.read);
    expect(page1.json).toMatchObject({ audience: 'big-buyers', limit: 3, offset: 0 });
    expect(page1.json.total).toBeGreaterThan(6);
    expect(page1.json.members).toHaveLength(3);
    expect(page2.json.members[0].customer_id).not.toBe(page1.json.members[0].customer_id);
    expect((await call('GET', '/v1/audiences/big-buyers/members?limit=0', keys.read)).status).toBe(400);
    expect((await call('DELETE', '/v1/audiences/big-buyers', keys.write)).json).toEqual({ deleted: 'big-buyers' });
    expect((await call('GET', '/v1/audiences/big-buyers', keys.read)).status).toBe(404);
  });

  it('runs, and answers movement and overlap', async () => {
    const run = await call('POST', '/v1/runs', keys.write, { as_of: '2026-11-01' });
    expect(run.json).toMatchObject({ as_of: '2026-11-01 00:00:00', customers: 500 });
    const m = await call('GET', '/v1/movement?from=2026-05-01&to=2026-11-01&kind=rfm', keys.read);
    expect(m.json.labels).toHaveLength(12);
    expect((await call('GET', '/v1/movement?from=2026-05-01&to=2026-11-01&kind=nope', keys.read)).status).toBe(400);
    const o = await call('GET', '/v1/overlap?audience=Active%20Loyals&audience=smart-big-spenders', keys.read);
    expect(o.json.pairs[0]).toMatchObject({ a: 'smart-active-loyals', b: 'smart-big-spenders' });
    const one = await call('GET', '/v1/overlap?audience=Active%20Loyals', keys.read);
    expect([one.status, one.json.error.message]).toEqual([400, 'audience: overlap needs two audiences or more, got 1']);
  });
});

describe('errors and documents', () => {
  it('names where malformed JSON breaks, and refuses a body over the limit', async () => {
    const res = await fetch(`${base}/v1/audiences`, { method: 'POST', headers: { authorization: `Bearer ${keys.write}`, 'content-type': 'application/json' }, body: '{\n  "name": "x",\n  "rule": }' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'invalid_json', message: "malformed JSON at line 3, column 11: Unexpected token '}'", details: { offset: 27, line: 3, column: 11 } } });
    const big = await call('POST', '/v1/audiences', keys.write, { name: 'big', rule: 'orders >= 1', description: 'x'.repeat(100_000) });
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('payload_too_large');
    const unknown = await call('GET', '/v1/nothing', keys.read);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('not_found');
  });

  it('documents every route in OpenAPI, with its scope', async () => {
    const doc = (await call('GET', '/docs/json')).json as { paths: Record<string, Record<string, { description: string }>> };
    for (const r of ROUTES) {
      const path = r.path.split('?')[0]!.replace('C001', '{id}').replace(/shoe-fans|to-delete/, '{id}').replace('/clusters/rfm', '/clusters/{method}');
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${path}`).toBeDefined();
      expect(op!.description).toContain(r.scope);
    }
    expect((await call('GET', '/docs')).status).toBe(200);
  });

  it('never logs a key or an email', async () => {
    await call('GET', '/v1/stats', keys.read);
    await call('GET', '/v1/customers/C001/explain', keys.read);
    const all = logs.join('');
    expect(all).toContain('incoming request');
    expect(emails.length).toBeGreaterThan(0);
    for (const k of Object.values(keys)) expect(all).not.toContain(k);
    for (const e of emails) expect(all).not.toContain(e);
  });
});
