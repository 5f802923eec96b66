import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAudience } from '../../src/audiences/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import { tempDir } from '../helpers.js';
import { Receiver } from '../activation/receiver.js';
import { request, serveForTest, stopServer } from './harness.js';

/**
 * Webhooks through the running server: subscribed over the API, queued by real-time events and by runs, sent by the
 * server's own worker to a local receiver that verifies every signature, listed in the delivery log and replayed.
 */
const dir = tempDir();
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let receiver: Receiver;
const keys = { read: '', write: '', ingest: '', admin: '' };
/** Customers a batch of events moves into the audience: one who consented to email, one who refused. */
const who = { consented: '', refused: '' };
let hookId = '';

const until = async (what: () => Promise<boolean> | boolean): Promise<void> => {
  // No time limit of its own: the test's timeout is the bound.
  while (!(await what())) await new Promise((resolve) => setTimeout(resolve, 50));
};

const cartEvents = (customer: string, n: number) =>
  [1, 2].map((i) => ({ id: `wh-${customer}-${n}-${i}`, type: 'add_to_cart', ts: '2026-11-02T10:00:00Z', customer_id: customer, product_id: 'SKU-HOOK', session_id: 's', device: 'mobile' }));

beforeAll(async () => {
  const files = await generateDemo({ customers: 300, seed: 8, outDir: join(dir.path, 'demo') });
  workspaces = await Workspaces.open({ dbPath: join(dir.path, 'shop.duckdb') });
  await workspaces.use('default', async (store) => {
    await importDemoFiles(store, files);
    await createAudience(store, { name: 'Hook cart', rule: 'count(add_to_cart where product = "SKU-HOOK", last 7 days) >= 2' });
    await runPipeline(store, '2026-11-01 00:00:00');
    who.consented = (await store.one<{ id: string }>(sql`SELECT id FROM customers WHERE consent_email IS TRUE ORDER BY id LIMIT 1`))!.id;
    who.refused = (await store.one<{ id: string }>(sql`SELECT id FROM customers WHERE consent_email IS NOT TRUE ORDER BY id LIMIT 1`))!.id;
  });
  await workspaces.rebuildView('default');
  for (const [name, scopes] of [['read', ['audiences:read']], ['write', ['audiences:write']], ['ingest', ['ingest:write']], ['admin', ['admin']]] as const) {
    keys[name] = (await createKey(workspaces.control, 'default', [...scopes], 'test')).key;
  }
  receiver = await Receiver.start();
  ({ app, base } = await serveForTest(workspaces, { webhooks: { addresses: 'loopback', intervalMs: 50, backoff: () => 200 } }));
}, 180_000);

afterAll(async () => {
  await receiver.close();
  await stopServer(app, workspaces, dir);
});

describe('webhook subscriptions over the API', () => {
  it.each([
    [{ audience_id: 'hook-cart', url: 'ftp://crm.example.com/in' }, 400, 'url: must be http or https, not ftp:'],
    [{ audience_id: 'hook-cart', url: 'http://10.0.0.8/in' }, 400, 'url: refused, 10.0.0.8 is a private or reserved address'],
    [{ audience_id: 'hook-cart', url: 'http://127.0.0.1:9/', events: ['join'] }, 400, 'events'],
    [{ audience_id: 'hook-cart', url: 'http://127.0.0.1:9/', consent: 'fax' }, 400, 'consent'],
    [{ audience_id: 'no-such-audience', url: 'http://127.0.0.1:9/' }, 404, 'no audience "no-such-audience"'],
  ])('refuses %j with %i naming the field', async (body, status, message) => {
    const r = await request(base, 'POST', '/v1/webhooks', keys.write, body);
    expect(r.status, r.text).toBe(status);
    expect(r.json.error.message).toContain(message);
  });

  it('needs audiences:write to subscribe and audiences:read to list', async () => {
    expect((await request(base, 'POST', '/v1/webhooks', keys.read, { audience_id: 'hook-cart', url: 'http://127.0.0.1:9/' })).status).toBe(403);
    expect((await request(base, 'GET', '/v1/webhooks/deliveries', keys.ingest)).status).toBe(403);
    expect((await request(base, 'GET', '/v1/webhooks', keys.read)).json).toEqual({ webhooks: [] });
  });

  it('takes events before any subscription, queueing nothing (and a subscription made after them is seen by the next events)', async () => {
    const r = await request(base, 'POST', '/v1/events', keys.ingest, { events: [{ id: 'wh-early-1', type: 'view', ts: '2026-11-02T09:00:00Z', customer_id: 'early-visitor-zq' }] });
    expect(r.json).toMatchObject({ accepted: 1 });
    expect((await request(base, 'GET', '/v1/webhooks/deliveries', keys.read)).json).toMatchObject({ total: 0 });
  });

  it('subscribes a receiver and shows the secret only in that answer', async () => {
    const r = await request(base, 'POST', '/v1/webhooks', keys.write, { audience_id: 'Hook cart', url: receiver.url });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ audience_id: 'hook-cart', audience: 'Hook cart', events: ['entry', 'exit'], consent: 'email', secret: expect.stringMatching(/^whsec_/) });
    hookId = r.json.id;
    receiver.secrets = [r.json.secret];
    const listed = await request(base, 'GET', '/v1/webhooks?audience=hook-cart', keys.read);
    expect((listed.json as { webhooks: Array<{ id: string }> }).webhooks.map((w) => w.id)).toEqual([hookId]);
    expect(listed.text).not.toContain(r.json.secret);
  });
});

describe('deliveries made by the server', () => {
  it('sends a real-time entry once events move a consenting customer into the audience, never naming one without consent', async () => {
    const r = await request(base, 'POST', '/v1/events', keys.ingest, { events: [...cartEvents(who.consented, 1), ...cartEvents(who.refused, 1)] });
    expect(r.json).toMatchObject({ accepted: 4, reclassified: 2 });
    await until(() => receiver.applied.size === 1);
    const [got] = [...receiver.applied.values()];
    expect(got!.verified).toBe(true);
    expect(got!.body).toMatchObject({ type: 'audience.entered', data: { audience: { id: 'hook-cart' }, source: 'live' } });
    expect(got!.body.data.members.map((m) => m.customer_id)).toEqual([who.consented]);
    expect(JSON.stringify(receiver.received)).not.toContain(who.refused);
    // The same events again move nobody: nothing more is queued.
    await request(base, 'POST', '/v1/events', keys.ingest, { events: cartEvents(who.consented, 1) });
    const log = await request(base, 'GET', '/v1/webhooks/deliveries', keys.read);
    expect(log.json).toMatchObject({ total: 1, counts: { delivered: 1, pending: 0 } });
    expect(log.json.deliveries[0]).toMatchObject({ id: got!.id, status: 'delivered', attempts: 1, members: 2, last_status: 200, source: 'live' });
  });

  it('queues the entries since the run before after a run, retries a failing receiver and logs the failure', async () => {
    receiver.script = [{ status: 503 }];
    const run = await request(base, 'POST', '/v1/runs', keys.write, { as_of: '2026-11-03' });
    expect(run.status, run.text).toBeLessThan(300);
    await until(async () => (await request(base, 'GET', '/v1/webhooks/deliveries?status=delivered', keys.read)).json.total === 2);
    const log = await request(base, 'GET', '/v1/webhooks/deliveries', keys.read);
    const fromRun = (log.json as { deliveries: Array<{ id: string; source: string }> }).deliveries.find((d) => d.source === 'run')!;
    expect(fromRun).toMatchObject({ type: 'audience.entered', status: 'delivered', attempts: 2, last_status: 200, as_of: '2026-11-03 00:00:00' });
    const sent = receiver.received.filter((x) => x.id === fromRun.id);
    expect(sent.map((x) => x.verified)).toEqual([true, true]);
    expect(sent[1]!.body.data.members.map((m) => m.customer_id)).toEqual([who.consented]);
  });

  it('replays a delivery with the same id; the receiver drops it as a duplicate', async () => {
    const log = await request(base, 'GET', '/v1/webhooks/deliveries?status=delivered&limit=1', keys.read);
    const id = log.json.deliveries[0].id as string;
    const dropped = receiver.duplicatesDropped;
    const r = await request(base, 'POST', `/v1/webhooks/deliveries/${id}/replay`, keys.write);
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ id, status: 'pending', attempts: 0 });
    await until(() => receiver.duplicatesDropped === dropped + 1);
    expect((await request(base, 'POST', '/v1/webhooks/deliveries/msg_nope/replay', keys.write)).status).toBe(404);
  });

  it('rotates the secret: the next deliveries carry both signatures; removing the webhook drops its log', async () => {
    const rotated = await request(base, 'POST', `/v1/webhooks/${hookId}/rotate`, keys.write, { grace_hours: 2 });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.json.previous_secret_until).toEqual(expect.any(String));
    const old = receiver.secrets[0]!;
    receiver.secrets = [rotated.json.secret];
    const count = receiver.received.length;
    const id = (await request(base, 'GET', '/v1/webhooks/deliveries?limit=1', keys.read)).json.deliveries[0].id as string;
    await request(base, 'POST', `/v1/webhooks/deliveries/${id}/replay`, keys.write);
    await until(() => receiver.received.length === count + 1);
    expect(receiver.received.at(-1)).toMatchObject({ verified: true, signatures: 2 });
    receiver.secrets = [old];
    await request(base, 'POST', `/v1/webhooks/deliveries/${id}/replay`, keys.write);
    await until(() => receiver.received.length === count + 2);
    expect(receiver.received.at(-1)!.verified, 'the old secret still signs during the grace period').toBe(true);
    expect((await request(base, 'DELETE', `/v1/webhooks/${hookId}`, keys.write)).status).toBe(200);
    expect((await request(base, 'GET', '/v1/webhooks/deliveries', keys.read)).json.total).toBe(0);
    expect((await request(base, 'GET', `/v1/webhooks/${hookId}`, keys.read)).status).toBe(404);
  });
});
