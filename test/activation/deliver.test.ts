import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  checkWebhookUrl,
  createWebhook,
  deleteWebhook,
  deliverDue,
  enqueueLiveChanges,
  enqueueRunChanges,
  listDeliveries,
  replayDelivery,
  rotateSecret,
  type Delivery,
  type DeliverOptions,
  type StoreAccess,
  type WebhookWithSecret,
  WebhookWorker,
} from '../../src/activation/webhooks/index.js';
import { createAudience } from '../../src/audiences/index.js';
import { asTimestamp, compile, join as joinSql, sql, update } from '../../src/sql/index.js';
import { eraseCustomer, importFile, presetMapping, setConsent, Store } from '../../src/store/index.js';
import { ENGINES, storePathOn } from '../engines.js';
import { tempDir } from '../helpers.js';
import { Receiver } from './receiver.js';
import { writeFileSync } from 'node:fs';

/** Customers C00..C39, all consenting to email except those named. */
const CUSTOMERS = ['id,email,consent_email', ...Array.from({ length: 40 }, (_, i) => `C${String(i).padStart(2, '0')},c${i}@example.org,true`)].join('\n');
const SECOND = 1000;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await Receiver.start();
});
afterAll(() => receiver.close());

// The outbox's writes (queue, outcomes written back, dead letters, replays, erasure) on both engines: a small store.
// Embedded ClickHouse only: a ClickHouse server runs the same SQL through the same reads (clickhouse-base.ts), and
// its transport has tests of its own (test/store/clickhouse-server.test.ts); a third pass cost CI 14 s.
describe.each(ENGINES)('on %s', (engine) => {
  const dir = tempDir();
  let at: Awaited<ReturnType<typeof storePathOn>>;
  let store: Store;
  let hook: WebhookWithSecret;
  let audienceId = '';
  /** The deliverer's clock, stepped by the tests. */
  let clock = Date.parse('2026-12-01T10:00:00Z');
  const direct: StoreAccess = (fn) => fn(store);
  const options = (more: Partial<DeliverOptions> = {}): DeliverOptions => ({ policy: 'loopback', now: () => clock, timeoutMs: 300, ...more });

  /** One delivery as the delivery log shows it (GET /v1/webhooks/deliveries, `segmint webhooks deliveries`). */
  async function delivery(id: string): Promise<Delivery> {
    const found = (await listDeliveries(store, { limit: 1000 })).deliveries.find((d) => d.id === id);
    expect(found, `delivery ${id} in the log`).toBeDefined();
    return found!;
  }

  /** Queues entries of these customers into the audience, as a real-time change would. */
  async function entries(ids: string[], batchSize?: number): Promise<string[]> {
    const before = new Set((await store.all<{ id: string }>(sql`SELECT id FROM webhook_deliveries`)).map((r) => r.id));
    await enqueueLiveChanges(store, ids.map((id) => ({ customerId: id, before: new Set(), after: new Set([audienceId]) })), '2026-12-01 00:00:00', clock, batchSize);
    return (await store.all<{ id: string }>(sql`SELECT id FROM webhook_deliveries ORDER BY id`)).map((r) => r.id).filter((id) => !before.has(id));
  }

  beforeAll(async () => {
    at = await storePathOn(engine, dir.path);
    store = await Store.open({ path: at.path });
    const file = join(dir.path, 'customers.csv');
    writeFileSync(file, CUSTOMERS);
    await importFile(store, file, presetMapping('segmint-customers'));
    audienceId = (await createAudience(store, { name: 'Everyone', rule: 'orders >= 0' })).id;
    hook = await createWebhook(store, { audience_id: 'Everyone', url: receiver.url, events: ['entry', 'exit'], consent: 'email' }, 'loopback', clock);
    receiver.secrets = [hook.secret];
  });

  afterAll(async () => {
    store.close();
    await at.close();
    dir.cleanup();
  });

  beforeEach(async () => {
    // Each test starts with an empty outbox and a receiver that answers 200.
    await store.run(sql`TRUNCATE TABLE webhook_delivery_members`);
    await store.run(sql`TRUNCATE TABLE webhook_deliveries`);
    receiver.received.length = 0;
    receiver.applied.clear();
    receiver.duplicatesDropped = 0;
    receiver.script = [];
    receiver.fallback = { status: 200 };
  });

  describe('webhook delivery against a receiver that fails on purpose', () => {
    it('retries on the backoff schedule through a 500, a timeout and a 429 (after its Retry-After), with the same id and a valid signature', async () => {
      const [id] = await entries(['C01', 'C02']);
      receiver.script = [{ status: 500 }, { hang: 2000 }, { status: 429, retryAfter: '120' }, { status: 200 }];
      const start = clock;
      // The schedule worked out here: 30 s after the first failure, doubled after the second; then the 429's 120 s.
      const due = [start, start + 30 * SECOND, start + 90 * SECOND, start + 210 * SECOND];
      for (const [n, at] of due.entries()) {
        clock = at - SECOND;
        if (n > 0) expect((await deliverDue(direct, options())).attempted, `nothing before attempt ${n + 1} is due`).toBe(0);
        clock = at;
        const pass = await deliverDue(direct, options());
        expect(pass.attempted, `attempt ${n + 1}`).toBe(1);
        const row = await delivery(id!);
        expect(row.attempts).toBe(n + 1);
        if (n < 3) expect(row).toMatchObject({ status: 'pending', next_attempt_at: new Date(due[n + 1]!).toISOString().slice(0, 19).replace('T', ' ') });
      }
      const row = await delivery(id!);
      expect(row).toMatchObject({ status: 'delivered', attempts: 4, last_status: 200, last_error: null, members: 2 });
      expect(receiver.received.map((r) => r.id)).toEqual([id, id, id, id]);
      expect(receiver.received.every((r) => r.verified)).toBe(true);
      // Each attempt is signed at its own time: the timestamp is the attempt's, by the injected clock.
      expect(receiver.received.map((r) => r.timestamp)).toEqual(due.map((t) => Math.floor(t / 1000)));
      // The timed-out attempt was applied by the receiver; the successful one after it was a duplicate, dropped by id.
      expect(receiver.applied.size).toBe(1);
      expect(receiver.duplicatesDropped).toBe(1);
      expect(receiver.applied.get(id!)!.body).toMatchObject({
        type: 'audience.entered',
        data: { audience: { id: audienceId }, members: [{ customer_id: 'C01', email: 'c1@example.org' }, { customer_id: 'C02', email: 'c2@example.org' }] },
      });
    });

    it('records the last error of a timeout and of a refused connection, with nothing personal in it', async () => {
      const [id] = await entries(['C03']);
      receiver.script = [{ hang: 2000 }];
      await deliverDue(direct, options());
      const row = await delivery(id!);
      expect(row).toMatchObject({ status: 'pending', attempts: 1, last_status: null, last_error: 'no answer within 300 ms' });
      expect(row.last_error).not.toContain('C03');
    });

    it('dead-letters a delivery after N failed attempts, and replays it with the same id once the receiver is fixed', async () => {
      const [id] = await entries(['C04']);
      receiver.fallback = { status: 503 };
      const backoff = (n: number) => n * 10 * SECOND;
      for (let n = 1; n <= 3; n++) {
        const pass = await deliverDue(direct, options({ maxAttempts: 3, backoff }));
        expect(pass).toMatchObject(n < 3 ? { failed: 1, dead: 0 } : { failed: 0, dead: 1 });
        clock += backoff(n);
      }
      expect(await delivery(id!)).toMatchObject({ status: 'dead', attempts: 3, last_status: 503, last_error: 'HTTP 503', next_attempt_at: null });
      clock += 3600 * SECOND;
      expect((await deliverDue(direct, options({ maxAttempts: 3, backoff }))).attempted, 'a dead letter is not retried').toBe(0);
      const log = await listDeliveries(store, { status: 'dead' });
      expect(log.deliveries.map((d) => d.id)).toEqual([id]);
      expect(log.counts.dead).toBe(1);

      receiver.fallback = { status: 204 };
      expect(await replayDelivery(store, id!, clock)).toMatchObject({ status: 'pending', attempts: 0 });
      await expect(replayDelivery(store, id!, clock)).rejects.toThrow(/already waiting/);
      expect(await deliverDue(direct, options({ maxAttempts: 3, backoff }))).toMatchObject({ delivered: 1 });
      expect(await delivery(id!)).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(receiver.received.map((r) => r.id)).toEqual([id, id, id, id]);
      expect([...receiver.applied.keys()]).toEqual([id]);
    });

    it('loses no delivery and applies none twice through failures and a process stopped between sending and recording', async () => {
      const members = Array.from({ length: 30 }, (_, i) => `C${String(i + 10).padStart(2, '0')}`);
      const ids = await entries(members, 4);
      expect(ids).toHaveLength(8);
      // Every third answer fails, some after the receiver applied the delivery.
      let n = 0;
      receiver.fallback = { status: 200 };
      receiver.script = Array.from({ length: 40 }, () => (++n % 3 === 0 ? { status: 500 } : n % 5 === 0 ? { hang: 1000 } : { status: 200 }));
      // The process stops once, after sending and before recording: the store access for the outcomes fails.
      let calls = 0;
      const stopping: StoreAccess = (fn) => (++calls === 2 ? Promise.reject(new Error('process stopped')) : fn(store));
      await expect(deliverDue(stopping, options({ limit: 3 }))).rejects.toThrow('process stopped');
      // A new process opens the same file.
      store.close();
      store = await Store.open({ path: at.path });
      for (let pass = 0; pass < 50 && (await listDeliveries(store, { status: 'pending' })).total > 0; pass++) {
        await deliverDue(direct, options({ limit: 3 }));
        clock += 3600 * SECOND;
      }
      expect((await listDeliveries(store, { status: 'pending' })).total).toBe(0);
      for (const id of ids) expect((await delivery(id)).status).toBe('delivered');
      expect([...receiver.applied.keys()].sort()).toEqual([...ids].sort());
      const appliedMembers = [...receiver.applied.values()].flatMap((r) => r.body.data.members.map((m) => m.customer_id));
      expect(appliedMembers.sort()).toEqual([...members].sort());
      expect(receiver.duplicatesDropped, 'the stopped process and the late answers sent some deliveries twice').toBeGreaterThan(0);
    });
  });

  describe("the server's worker", () => {
    /** How long to wait for the worker's next pass on a busy machine: a wait, not a limit on its speed. */
    const WAIT = { timeout: 20_000, interval: 5 };
    it('leaves the store alone while nothing is queued or due, and still sends what is queued and retries on schedule', async () => {
      const looks = vi.spyOn(store, 'all');
      const dueQueries = () => looks.mock.calls.filter(([q]) => compile(q).text.includes("d.status = 'pending'")).length;
      const worker = new WebhookWorker({ opened: () => ['shop'], use: (_w, fn) => fn(store) }, { ...options({ backoff: () => 30 * SECOND }), intervalMs: 5 });
      worker.start();
      try {
        await vi.waitFor(() => expect(dueQueries()).toBe(1), WAIT);
        // Twenty ticks with nothing queued: no further query (before, one a tick).
        await sleep(100);
        expect(dueQueries()).toBe(1);

        receiver.fallback = { status: 500 };
        const [id] = await entries(['C03']);
        await vi.waitFor(() => expect(receiver.received.map((r) => r.id)).toEqual([id]), WAIT);
        await vi.waitFor(async () => expect(await delivery(id!)).toMatchObject({ status: 'pending', attempts: 1 }), WAIT);
        const queried = dueQueries();
        await sleep(100);
        expect(dueQueries(), 'the retry is not due yet').toBe(queried);

        receiver.fallback = { status: 200 };
        clock += 30 * SECOND;
        await vi.waitFor(async () => expect(await delivery(id!)).toMatchObject({ status: 'delivered', attempts: 2 }), WAIT);
        expect(receiver.received.map((r) => r.id)).toEqual([id, id]);
      } finally {
        await worker.stop();
        looks.mockRestore();
      }
    });
  });

  describe('privacy: erased and unconsented customers', () => {
    it('never names a customer erased or without consent to the channel, and skips a delivery left with nobody', async () => {
      await setConsent(store, 'C05', { email: false });
      await setConsent(store, 'C06', { email: true });
      const [mixed] = await entries(['C05', 'C06', 'C07']);
      const [nobody] = await entries(['C05']);
      // C07 consented when the change was queued; erased before it is sent.
      await eraseCustomer(store, 'C07');
      const pass = await deliverDue(direct, options());
      expect(pass).toMatchObject({ attempted: 1, delivered: 1, skipped: 1 });
      expect(receiver.received.map((r) => r.id)).toEqual([mixed]);
      expect(receiver.received[0]!.body.data.members.map((m) => m.customer_id)).toEqual(['C06']);
      expect(JSON.stringify(receiver.received)).not.toMatch(/C05|C07|c5@|c7@/);
      expect(await delivery(nobody!)).toMatchObject({ status: 'skipped', attempts: 0 });
      // Erasure reached the outbox: nothing of C07 is left in it.
      expect(await store.one(sql`SELECT 1 FROM webhook_delivery_members WHERE customer_id = 'C07'`)).toBeUndefined();
    });

    it('names a customer without a stated consent never (null is not consent)', async () => {
      await store.run(sql`${update(sql`customers`)} consent_email = NULL WHERE id = 'C08'`);
      const [id] = await entries(['C08']);
      expect(await deliverDue(direct, options())).toMatchObject({ attempted: 0, skipped: 1 });
      expect(await delivery(id!)).toMatchObject({ status: 'skipped' });
    });
  });

  describe('secret rotation', () => {
    it('signs with the new and the old secret during the grace period, then with the new one only', async () => {
      const rotated = await rotateSecret(store, hook.id, 1, clock);
      expect(rotated.secret).not.toBe(hook.secret);
      expect(rotated.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      expect(Buffer.from(rotated.secret.slice(6), 'base64')).toHaveLength(32);
      await entries(['C09']);
      // A receiver still on the old secret accepts it during the grace period, one on the new secret too.
      receiver.secrets = [hook.secret];
      await deliverDue(direct, options());
      receiver.secrets = [rotated.secret];
      await entries(['C09']);
      await deliverDue(direct, options());
      expect(receiver.received.map((r) => [r.verified, r.signatures])).toEqual([[true, 2], [true, 2]]);
      clock += 3600 * SECOND + 1;
      receiver.secrets = [hook.secret];
      const [late] = await entries(['C09']);
      await deliverDue(direct, options());
      expect(receiver.received.at(-1)).toMatchObject({ verified: false, signatures: 1 });
      expect(await delivery(late!)).toMatchObject({ status: 'pending', last_status: 401 });
      receiver.secrets = [rotated.secret];
      hook = { ...hook, secret: rotated.secret };
    });
  });

  describe("a run's deliveries", () => {
    it('queues the entries and exits between two runs once, in batches, and drops them with their webhook', async () => {
      const exits = await createWebhook(store, { audience_id: audienceId, url: receiver.url, events: ['exit'] }, 'loopback', clock);
      receiver.secrets = [hook.secret, exits.secret];
      const members = (ids: string[], asOf: string) => ids.map((id) => sql`(${audienceId}, ${id}, ${asTimestamp(asOf)}, 1, NULL)`);
      await store.run(sql`INSERT INTO memberships (audience_id, customer_id, as_of, score, reasons)
        VALUES ${joinSql([...members(['C20', 'C21', 'C22', 'C23', 'C24'], '2026-11-01 00:00:00'), ...members(['C22', 'C23', 'C24', 'C25', 'C26'], '2026-11-02 00:00:00')])}`);
      await enqueueRunChanges(store, '2026-11-01 00:00:00', null, clock, 2);
      await enqueueRunChanges(store, '2026-11-02 00:00:00', '2026-11-01 00:00:00', clock, 2);
      expect((await listDeliveries(store)).counts).toEqual({ pending: 6, delivered: 0, dead: 0, skipped: 0 });
      expect(await deliverDue(direct, options())).toMatchObject({ attempted: 6, delivered: 6 });
      const sent = receiver.received.map(({ body }) => [body.type, (body.data as unknown as { as_of: string }).as_of, body.data.members.map((m) => m.customer_id).join(' ')].join(' | '));
      expect(sent.sort()).toEqual([
        'audience.entered | 2026-11-01 00:00:00 | C20 C21',
        'audience.entered | 2026-11-01 00:00:00 | C22 C23',
        'audience.entered | 2026-11-01 00:00:00 | C24',
        'audience.entered | 2026-11-02 00:00:00 | C25 C26',
        // Once for each webhook following exits.
        'audience.exited | 2026-11-02 00:00:00 | C20 C21',
        'audience.exited | 2026-11-02 00:00:00 | C20 C21',
      ]);
      // The step repeated for the same run (a run done again) queues nothing, and leaves what was sent as sent.
      await enqueueRunChanges(store, '2026-11-02 00:00:00', '2026-11-01 00:00:00', clock, 2);
      expect((await listDeliveries(store)).counts).toEqual({ pending: 0, delivered: 6, dead: 0, skipped: 0 });
      await deleteWebhook(store, exits.id);
      expect((await listDeliveries(store)).total).toBe(5);
      expect(await store.one(sql`SELECT 1 FROM webhook_delivery_members m LEFT JOIN webhook_deliveries d ON d.id = m.delivery_id WHERE d.id IS NULL`)).toBeUndefined();
    });
  });

  describe('webhook URLs at delivery', () => {
    it('checks the address connected to at delivery: a loopback receiver is refused when the deliverer allows public addresses only', async () => {
      const named = await createWebhook(store, { audience_id: audienceId, url: receiver.url.replace('127.0.0.1', 'localhost'), events: ['entry'] }, 'loopback', clock);
      await enqueueLiveChanges(store, [{ customerId: 'C11', before: new Set(), after: new Set([audienceId]) }], '2026-12-01 00:00:00', clock);
      const log = await listDeliveries(store, { subscription_id: named.id });
      await deliverDue(direct, options({ policy: 'public' }));
      expect(await delivery(log.deliveries[0]!.id)).toMatchObject({ status: 'pending', last_error: expect.stringMatching(/^refused: localhost resolves to .* loopback address$/) });
      await store.run(sql`DELETE FROM webhook_subscriptions WHERE id = ${named.id}`);
    });
  });
});

describe('webhook URLs', () => {
  it.each([
    ['ftp://crm.example.com/hook', 'public', 'url: must be http or https, not ftp:'],
    ['not a url', 'public', 'url: "not a url" is not a URL'],
    ['http://user:pw@crm.example.com/', 'public', 'url: must not hold a user name or password'],
    ['http://10.1.2.3/hook', 'loopback', 'url: refused, 10.1.2.3 is a private or reserved address (SEGMINT_WEBHOOK_ADDRESSES=loopback or private allows it)'],
    ['http://192.168.0.7/', 'public', 'private or reserved'],
    ['http://169.254.169.254/latest/meta-data', 'loopback', 'private or reserved'],
    ['http://[fd00::1]/', 'public', 'private or reserved'],
    ['http://[::ffff:172.16.0.1]/', 'loopback', '172.16.0.1 is a private or reserved address'],
    ['http://127.0.0.1:9/', 'public', '127.0.0.1 is a loopback address'],
    ['http://[::1]:9/', 'public', '::1 is a loopback address'],
    // A name is checked by the addresses it resolves to.
    ['http://localhost:9/', 'public', 'localhost resolves to'],
  ] as const)('refuses %s under %s', async (url, policy, message) => {
    await expect(checkWebhookUrl(url, policy)).rejects.toThrow(message);
  });

  it.each([
    ['http://127.0.0.1:9/', 'loopback'],
    ['http://localhost:9/', 'loopback'],
    ['http://10.1.2.3/', 'private'],
    ['https://93.184.215.14/hook', 'public'],
  ] as const)('allows %s under %s', async (url, policy) => {
    await expect(checkWebhookUrl(url, policy)).resolves.toBeInstanceOf(URL);
  });
});
