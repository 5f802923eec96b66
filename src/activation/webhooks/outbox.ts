import { createHash, randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import { asTimestamp, ident, insertSelectIfAbsent, intDiv, join, jsonColumns, sql, update, type Sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import { DELIVERY_STATUSES, EVENT_TYPES, type Delivery, type DeliveryLog, type DeliveryQuery, type WebhookEvent, deliveryQuerySchema } from './schema.js';
import { at, text } from './time.js';

/**
 * The outbox: every delivery is stored (with its members) before any attempt, and made by the deliverer
 * (deliver.ts), so deliveries survive a stopped process and are retried until they succeed or are dead-lettered.
 */

/**
 * How many times deliveries were queued or replayed through each store in this process, counted once written. The
 * server's store files are its own while it runs (DuckDB lets one process write a file), so an unchanged count means
 * no delivery became pending since, other than those the deliverer itself put off (see WebhookWorker).
 */
const queuedCounts = new WeakMap<Store, number>();

function queuedThrough(store: Store): void {
  queuedCounts.set(store, outboxChanges(store) + 1);
}

export function outboxChanges(store: Store): number {
  return queuedCounts.get(store) ?? 0;
}

/** Members per delivery: a CRM takes a batch in one request, and a body stays well under common 1 MB limits. */
const DEFAULT_BATCH_SIZE = 500;

const MEMBER_COLUMNS = ['delivery_id', 'customer_id'];
/** The columns a queued delivery is written with; the rest stay NULL until an attempt. */
const DELIVERY_COLUMNS = ['id', 'subscription_id', 'type', 'source', 'as_of', 'created_at', 'status', 'attempts', 'next_attempt_at'];

interface Subscription {
  id: string;
  audience_id: string;
  events: WebhookEvent[];
}

async function subscriptions(store: Store): Promise<Subscription[]> {
  return store.all<Subscription>(sql`SELECT id, audience_id, events FROM webhook_subscriptions ORDER BY id`);
}

/** anySubscription's answer by store, while only this process can write it (Store.soleWriter). */
const subscribed = new WeakMap<Store, boolean>();

/**
 * True when any webhook is subscribed: the real-time path skips its work otherwise. Asked at every turn of event
 * batches, where the statement was 2-4 ms of CPU a turn; so the answer is kept while no other process can write the
 * store, until this one adds or removes a subscription (subscriptionsChanged).
 */
export async function anySubscription(store: Store): Promise<boolean> {
  const kept = subscribed.get(store);
  if (kept !== undefined && store.soleWriter) return kept;
  const any = (await store.one(sql`SELECT 1 FROM webhook_subscriptions LIMIT 1`)) !== undefined;
  if (store.soleWriter) subscribed.set(store, any);
  return any;
}

/** Called after every write of webhook_subscriptions' rows, committed or not: anySubscription asks the store again. */
export function subscriptionsChanged(store: Store): void {
  subscribed.delete(store);
}

const membersAt = (audienceId: string, asOf: string): Sql =>
  sql`SELECT customer_id FROM memberships WHERE audience_id = ${audienceId} AND as_of = ${asTimestamp(asOf)}`;

/**
 * Queues the entries and exits of every subscribed audience between the run as of `before` (none: everyone at the
 * first run entered) and the run as of `asOf`, in batches. Ids derive from subscription, run, event and batch, so the
 * step repeated for the same run adds nothing.
 */
export async function enqueueRunChanges(store: Store, asOf: string, before: string | null, now = Date.now(), batchSize = DEFAULT_BATCH_SIZE): Promise<void> {
  for (const sub of await subscriptions(store)) {
    for (const event of sub.events) {
      const [from, to] = event === 'entry' ? [asOf, before] : [before, asOf];
      if (from === null) continue;
      const moved = to === null ? membersAt(sub.audience_id, from) : sql`${membersAt(sub.audience_id, from)} EXCEPT ${membersAt(sub.audience_id, to)}`;
      const prefix = `msg_${createHash('sha256').update(`${sub.id}|${asOf}|${event}`).digest('hex').slice(0, 24)}_`;
      await store.transaction(async () => {
        await store.run(
          insertSelectIfAbsent(sql`webhook_delivery_members`, MEMBER_COLUMNS, MEMBER_COLUMNS,
            sql`SELECT concat(${prefix}, CAST(${intDiv(sql`row_number() OVER (ORDER BY customer_id) - 1`, batchSize)} AS VARCHAR)) AS delivery_id, customer_id FROM (${moved}) moved`),
        );
        await store.run(
          insertSelectIfAbsent(sql`webhook_deliveries`, DELIVERY_COLUMNS, ['id'],
            sql`SELECT DISTINCT delivery_id AS id, ${sub.id} AS subscription_id, ${EVENT_TYPES[event]} AS type, 'run' AS source, ${asTimestamp(asOf)} AS as_of,
              ${at(now)} AS created_at, 'pending' AS status, 0 AS attempts, ${at(now)} AS next_attempt_at
            FROM webhook_delivery_members WHERE substr(delivery_id, 1, ${prefix.length}) = ${prefix}`),
        );
      });
      queuedThrough(store);
    }
  }
}

/** A customer's audience ids before and after a real-time change. */
export interface LiveChange {
  customerId: string;
  before: ReadonlySet<string>;
  after: ReadonlySet<string>;
}

/** Queues one delivery per subscription and event for the customers a real-time change moved; ids are new. */
export async function enqueueLiveChanges(store: Store, changes: readonly LiveChange[], asOf: string, now = Date.now(), batchSize = DEFAULT_BATCH_SIZE): Promise<number> {
  const rows: Sql[] = [];
  const members = { delivery: [] as string[], customer: [] as string[] };
  for (const sub of await subscriptions(store)) {
    for (const event of sub.events) {
      const moved = changes.filter((c) => (event === 'entry' ? c.after.has(sub.audience_id) && !c.before.has(sub.audience_id) : c.before.has(sub.audience_id) && !c.after.has(sub.audience_id)));
      for (let i = 0; i < moved.length; i += batchSize) {
        const id = `msg_${randomUUID().replaceAll('-', '')}`;
        rows.push(sql`(${id}, ${sub.id}, ${EVENT_TYPES[event]}, 'live', ${asTimestamp(asOf)}, ${at(now)}, 'pending', 0, ${at(now)})`);
        for (const c of moved.slice(i, i + batchSize)) {
          members.delivery.push(id);
          members.customer.push(c.customerId);
        }
      }
    }
  }
  if (rows.length === 0) return 0;
  await store.transaction(async () => {
    // Two lists bound as JSON values rather than a row of parameters a member: one statement whatever the size.
    await store.run(sql`INSERT INTO webhook_delivery_members ${jsonColumns([
      { name: 'delivery_id', json: JSON.stringify(members.delivery), type: 'VARCHAR' },
      { name: 'customer_id', json: JSON.stringify(members.customer), type: 'VARCHAR' },
    ])}`);
    await store.run(sql`INSERT INTO webhook_deliveries (${join(DELIVERY_COLUMNS.map((c) => ident(c)))}) VALUES ${join(rows)}`);
  });
  queuedThrough(store);
  return rows.length;
}

// Every column named: ClickHouse names a column read as d.id 'd.id' where another relation joined has an id.
const DELIVERY = sql`SELECT d.id AS id, d.subscription_id AS subscription_id, w.audience_id AS audience_id, w.url AS url, d.type AS type, d.source AS source,
    ${text(sql`d.as_of`)} AS as_of, ${text(sql`d.created_at`)} AS created_at, d.status AS status, d.attempts AS attempts,
    coalesce(m.n, 0) AS members,
    ${text(sql`d.next_attempt_at`)} AS next_attempt_at, ${text(sql`d.last_attempt_at`)} AS last_attempt_at, d.last_status AS last_status, d.last_error AS last_error
  FROM webhook_deliveries d JOIN webhook_subscriptions w ON w.id = d.subscription_id
    LEFT JOIN (SELECT delivery_id, count(*) AS n FROM webhook_delivery_members GROUP BY delivery_id) m ON m.delivery_id = d.id`;

/** The delivery log, newest first: each delivery with its status, attempts and last error. */
export async function listDeliveries(store: Store, query: DeliveryQuery = {}): Promise<DeliveryLog> {
  const q = deliveryQuerySchema.parse(query);
  const where = join([q.status ? sql`d.status = ${q.status}` : sql`TRUE`, q.subscription_id ? sql`d.subscription_id = ${q.subscription_id}` : sql`TRUE`], ' AND ');
  const deliveries = await store.all<Delivery>(sql`${DELIVERY} WHERE ${where} ORDER BY d.created_at DESC, d.id LIMIT ${q.limit} OFFSET ${q.offset}`);
  const total = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM webhook_deliveries d WHERE ${where}`))!.n;
  const byStatus = await store.all<{ status: Delivery['status']; n: number }>(sql`SELECT status, count(*) AS n FROM webhook_deliveries GROUP BY status`);
  const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, byStatus.find((r) => r.status === s)?.n ?? 0])) as DeliveryLog['counts'];
  return { total, counts, deliveries };
}

async function getDelivery(store: Store, id: string): Promise<Delivery> {
  const found = await store.one<Delivery>(sql`${DELIVERY} WHERE d.id = ${id}`);
  if (!found) throw new NotFoundError(`no webhook delivery "${id}"`, { delivery: id });
  return found;
}

/**
 * Sends a delivery again, with the same id and its full number of attempts: a dead letter once the receiver is
 * fixed, or a delivered one the receiver lost (one that kept it drops the repeat by its id).
 */
export async function replayDelivery(store: Store, id: string, now = Date.now()): Promise<Delivery> {
  const found = await getDelivery(store, id);
  if (found.status === 'pending') throw new ConflictError(`webhook delivery "${id}" is already waiting to be sent`, { delivery: id });
  await store.run(sql`${update(sql`webhook_deliveries`)} status = 'pending', attempts = 0, next_attempt_at = ${at(now)} WHERE id = ${id}`);
  queuedThrough(store);
  return getDelivery(store, id);
}
