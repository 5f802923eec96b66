import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { runCliAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';
import { Receiver } from '../activation/receiver.js';

const dir = tempDir();
const db = join(dir.path, 'hooks.duckdb');
let receiver: Receiver;

/** The CLI in a child process, not blocking this one: the receiver answers in it meanwhile. */
const segmint = (args: string[], env: Record<string, string> = {}) => runCliAsync(['--db', db, ...args], { env });
const LOOPBACK = { SEGMINT_WEBHOOK_ADDRESSES: 'loopback' };
const json = async <T>(args: string[], env: Record<string, string> = {}): Promise<T> => {
  const r = await segmint([...args, '--json'], env);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.code, args.join(' ')).toBe(0);
  return JSON.parse(r.stdout) as T;
};

beforeAll(async () => {
  await json(['demo', '--customers', '300', '--seed', '4', '--dir', join(dir.path, 'demo'), '--no-serve']);
  receiver = await Receiver.start();
}, 180_000);
afterAll(async () => {
  await receiver.close();
  dir.cleanup();
});

describe('segmint webhooks', () => {
  it.each([
    [['--url', 'ftp://crm.example.com/in'], {}, 1, 'url: must be http or https, not ftp:'],
    [['--url', 'http://127.0.0.1:9/'], {}, 1, 'url: refused, 127.0.0.1 is a loopback address (SEGMINT_WEBHOOK_ADDRESSES=loopback or private allows it)'],
    [['--url', 'http://127.0.0.1:9/', '--events', 'join'], LOOPBACK, 2, '--events: "join" is not one of entry, exit'],
    [['--url', 'http://127.0.0.1:9/', '--consent', 'fax'], LOOPBACK, 2, '--consent: "fax" is not one of email, sms, push, ads'],
  ] as const)('refuses create %j in one line', async (args, env, code, message) => {
    const r = await segmint(['webhooks', 'create', '--audience', 'rfm-champions', ...args], env);
    expect(r.code).toBe(code);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  it('subscribes, queues the members of a first run, delivers them signed, logs them and replays one with the same id', async () => {
    const created = await json<{ id: string; secret: string }>(['webhooks', 'create', '--audience', 'rfm-champions', '--url', receiver.url, '--events', 'entry'], LOOPBACK);
    // A second subscriber of the same audience, so that one of two deliveries can fail.
    const second = await json<{ id: string; secret: string }>(['webhooks', 'create', '--audience', 'rfm-champions', '--url', receiver.url, '--events', 'entry'], LOOPBACK);
    receiver.secrets = [created.secret, second.secret];
    // A date with no run before it: every member entered.
    await json(['run', '--as-of', '2026-03-01']);
    const queued = await json<{ total: number; counts: Record<string, number> }>(['webhooks', 'deliveries']);
    expect(queued.total).toBe(2);
    expect(queued.counts.pending).toBe(queued.total);
    receiver.script = [{ status: 500 }];
    const pass = await json<{ attempted: number; delivered: number; failed: number }>(['webhooks', 'deliver'], LOOPBACK);
    expect(pass).toMatchObject({ attempted: 2, delivered: 1, failed: 1 });
    const log = await json<{ deliveries: Array<{ id: string; status: string; last_error: string | null }> }>(['webhooks', 'deliveries', '--status', 'pending']);
    expect(log.deliveries).toEqual([expect.objectContaining({ status: 'pending', last_error: 'HTTP 500' })]);
    expect((await segmint(['webhooks', 'replay', log.deliveries[0]!.id])).stderr).toContain('is already waiting to be sent');
    expect(receiver.received.every((r) => r.verified)).toBe(true);

    const store = await Store.open({ path: db });
    try {
      const members = [...receiver.applied.values()].flatMap((r) => r.body.data.members.map((m) => m.customer_id));
      const expected = await store.all<{ id: string }>(sql`SELECT m.customer_id AS id FROM memberships m JOIN customers c ON c.id = m.customer_id
        WHERE m.audience_id = 'rfm-champions' AND m.as_of = '2026-03-01' AND c.consent_email IS TRUE ORDER BY 1`);
      expect(members.sort()).toEqual(expected.map((e) => e.id));
      const unconsented = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM memberships m JOIN customers c ON c.id = m.customer_id
        WHERE m.audience_id = 'rfm-champions' AND m.as_of = '2026-03-01' AND c.consent_email IS NOT TRUE`);
      expect(unconsented!.n, 'the demo has champions without email consent, whom no delivery names').toBeGreaterThan(0);
    } finally {
      store.close();
    }

    const delivered = (await json<{ deliveries: Array<{ id: string }> }>(['webhooks', 'deliveries', '--status', 'delivered', '--limit', '1'])).deliveries[0]!.id;
    expect(await json(['webhooks', 'replay', delivered])).toMatchObject({ id: delivered, status: 'pending', attempts: 0 });
    const dropped = receiver.duplicatesDropped;
    expect(await json(['webhooks', 'deliver'], LOOPBACK)).toMatchObject({ attempted: 1, delivered: 1 });
    expect(receiver.duplicatesDropped).toBe(dropped + 1);
    const list = await json<{ webhooks: Array<{ id: string }> }>(['webhooks', 'list']);
    expect(list.webhooks.map((w) => w.id).sort()).toEqual([created.id, second.id].sort());
    expect(JSON.stringify(list)).not.toContain(created.secret);
  });
});
