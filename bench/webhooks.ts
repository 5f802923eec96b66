/**
 * Webhooks (issue 16): deliveries per second (and members per second) from the outbox to a local receiver, against a
 * baseline in the same run: bare fetch (undici) POSTs of the same bodies, as many at a time, without the outbox,
 * signing or recording. Wall and CPU time of this process, which also runs the receiver (the same load for both).
 * Usage: npm run bench -- --only webhooks [--deliveries 1000] [--members 100] [--concurrency 8]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhook, deliverDue, enqueueLiveChanges, listDeliveries } from '../src/activation/webhooks/index.js';
import { sql } from '../src/sql/index.js';
import { Store } from '../src/store/index.js';
import { arg, fmt } from './lib.js';

const deliveries = Number(arg('deliveries', '1000'));
const members = Number(arg('members', '100'));
const concurrency = Number(arg('concurrency', '8'));

const bodies: string[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    if (req.headers['webhook-id']) bodies.push(body);
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

const store = await Store.open({ path: ':memory:' });
const customers = deliveries * members;
await store.run(sql`INSERT INTO customers (id, email, consent_email) SELECT 'C' || i, 'c' || i || '@example.org', TRUE FROM range(${customers}) t(i)`);
const hook = await createWebhook(store, { audience_id: 'rfm-champions', url }, 'loopback');

/** Wall ms and CPU ms of `fn`. */
async function measure(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  await fn();
  const wall = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

const ids = Array.from({ length: customers }, (_, i) => `C${i}`);
const enqueue = await measure(() =>
  enqueueLiveChanges(store, ids.map((id) => ({ customerId: id, before: new Set<string>(), after: new Set([hook.audience_id]) })), '2026-12-01 00:00:00', Date.now(), members),
);

const outbox = await measure(async () => {
  for (;;) {
    const pass = await deliverDue((fn) => fn(store), { policy: 'loopback', limit: 100, concurrency });
    if (pass.attempted === 0) break;
    if (pass.delivered !== pass.attempted) throw new Error(`${pass.attempted - pass.delivered} attempts failed`);
  }
});
const log = await listDeliveries(store, { status: 'delivered', limit: 1 });
if (log.total !== deliveries || bodies.length !== deliveries) throw new Error(`delivered ${log.total}, received ${bodies.length}, expected ${deliveries}`);

const sent = [...bodies];
const bare = await measure(async () => {
  for (let i = 0; i < sent.length; i += concurrency) {
    await Promise.all(
      sent.slice(i, i + concurrency).map(async (body) => {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
        if (res.status !== 204) throw new Error(`baseline: HTTP ${res.status}`);
      }),
    );
  }
});

const perSecond = (n: number, ms: number) => (n * 1000) / ms;
const result = {
  deliveries,
  members_per_delivery: members,
  concurrency,
  enqueue_ms: Math.round(enqueue.wall),
  outbox: { deliveries_per_s: perSecond(deliveries, outbox.wall), members_per_s: perSecond(customers, outbox.wall), wall_ms: Math.round(outbox.wall), cpu_ms: Math.round(outbox.cpu) },
  bare_fetch: { deliveries_per_s: perSecond(deliveries, bare.wall), members_per_s: perSecond(customers, bare.wall), wall_ms: Math.round(bare.wall), cpu_ms: Math.round(bare.cpu) },
  wall_ratio: outbox.wall / bare.wall,
  cpu_ratio: outbox.cpu / bare.cpu,
};
console.log(
  [
    `webhooks: ${deliveries} deliveries of ${members} members, ${concurrency} at a time, to a local receiver (queued in ${fmt(enqueue.wall, 0)} ms)`,
    `  outbox (read, sign, send, record): ${fmt(result.outbox.deliveries_per_s, 0)} deliveries/s, ${fmt(result.outbox.members_per_s, 0)} members/s (${fmt(outbox.wall, 0)} ms wall, ${fmt(outbox.cpu, 0)} ms CPU)`,
    `  bare fetch of the same bodies:      ${fmt(result.bare_fetch.deliveries_per_s, 0)} deliveries/s, ${fmt(result.bare_fetch.members_per_s, 0)} members/s (${fmt(bare.wall, 0)} ms wall, ${fmt(bare.cpu, 0)} ms CPU)`,
    `  ratio: ${fmt(result.wall_ratio, 2)}x the wall time, ${fmt(result.cpu_ratio, 2)}x the CPU time of bare fetch`,
  ].join('\n'),
);
console.log(JSON.stringify(result));
store.close();
receiver.close();
