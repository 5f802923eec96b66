import { errorMessage } from '../../shared/errors.js';
import { castTo, formatTimestamp, ident, join, sql, update, upsertInto, valuesOf } from '../../sql/index.js';
import { consentColumns, type ConsentChannel, type Store } from '../../store/index.js';
import type { AddressPolicy } from './address.js';
import type { DeliveryPass } from './schema.js';
import { httpSend, type AttemptResult, type Sender } from './send.js';
import { signedHeaders } from './sign.js';
import { at, ms } from './time.js';

/** Runs `fn` on the workspace's store: directly from the CLI, through the workspace's queue in the server. */
export type StoreAccess = <T>(fn: (store: Store) => Promise<T>) => Promise<T>;

export interface DeliverOptions {
  policy: AddressPolicy;
  /** The clock (ms since the epoch), injectable so tests step through the schedule without waiting. */
  now?: () => number;
  /** Failed attempts before a delivery is dead-lettered. */
  maxAttempts?: number;
  /** The wait after the n-th failed attempt (n from 1). */
  backoff?: (failures: number) => number;
  timeoutMs?: number;
  /** Deliveries taken per pass, sent `concurrency` at a time. */
  limit?: number;
  concurrency?: number;
  send?: Sender;
}

const DEFAULT_MAX_ATTEMPTS = 10;
const DEFAULT_TIMEOUT_MS = 10_000;
/** A Retry-After further off than this is not waited for longer. */
const MAX_RETRY_AFTER_MS = 6 * 3_600_000;
/** A pass's outcome of one delivery, as the rows written back. */
const OUTCOME_COLUMNS = [['id', 'VARCHAR'], ['status', 'VARCHAR'], ['attempts', 'INTEGER'], ['next_attempt_at', 'TIMESTAMP'], ['last_status', 'INTEGER'], ['last_error', 'VARCHAR']] as const;

/** 30 s doubled after each failure, at most 6 h: ten attempts span about four hours, past most CRM outages. */
function exponentialBackoff(failures: number, baseMs = 30_000, capMs = 6 * 3_600_000): number {
  return Math.min(capMs, baseMs * 2 ** (failures - 1));
}

/** Retry-After in ms from now: seconds, or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

interface Due {
  id: string;
  subscription_id: string;
  type: string;
  source: string;
  as_of: string;
  created_ms: number;
  attempts: number;
  url: string;
  consent: ConsentChannel;
  secret: string;
  previous_secret: string | null;
  previous_until_ms: number | null;
  audience_id: string;
  audience: string;
}

interface Prepared {
  due: Due;
  body: string;
}

type Member = { customer_id: string; email: string | null };

/**
 * Each delivery's payload: Standard Webhooks' `type`, `timestamp` (when the change was queued, the same at every
 * attempt) and `data`; none for a delivery left with nobody. Members are read when sent, not when queued: one erased
 * since (their rows are gone) or without consent to the subscription's channel now is never named.
 */
async function prepare(store: Store, due: readonly Due[]): Promise<Map<string, Prepared>> {
  const byChannel = new Map<ConsentChannel, Due[]>();
  for (const d of due) byChannel.set(d.consent, [...(byChannel.get(d.consent) ?? []), d]);
  const members = new Map<string, Member[]>();
  for (const [channel, group] of byChannel) {
    const rows = await store.all<Member & { delivery_id: string }>(sql`SELECT m.delivery_id AS delivery_id, c.id AS customer_id, c.email AS email
      FROM webhook_delivery_members m JOIN customers c ON c.id = m.customer_id
      WHERE m.delivery_id IN (${join(group.map((d) => sql`${d.id}`))}) AND coalesce(c.${ident(consentColumns(channel).value)}, false) ORDER BY m.delivery_id, c.id`);
    for (const { delivery_id, ...m } of rows) members.set(delivery_id, [...(members.get(delivery_id) ?? []), m]);
  }
  const out = new Map<string, Prepared>();
  for (const d of due) {
    const named = members.get(d.id);
    if (!named) continue;
    const data = { subscription_id: d.subscription_id, audience: { id: d.audience_id, name: d.audience }, source: d.source, as_of: d.as_of, members: named };
    out.set(d.id, { due: d, body: JSON.stringify({ type: d.type, timestamp: new Date(d.created_ms).toISOString(), data }) });
  }
  return out;
}

type Outcome = { ok: true; status: number } | { ok: false; status: number | null; error: string; retryAfter?: number };

async function attempt(prepared: Prepared, now: number, options: Required<Pick<DeliverOptions, 'timeoutMs' | 'policy' | 'send'>>): Promise<Outcome> {
  const { due } = prepared;
  const secrets = due.previous_secret && due.previous_until_ms !== null && due.previous_until_ms > now ? [due.secret, due.previous_secret] : [due.secret];
  const headers = signedHeaders(due.id, Math.floor(now / 1000), prepared.body, secrets);
  let result: AttemptResult;
  try {
    result = await options.send({ url: due.url, headers: { ...headers }, body: prepared.body, timeoutMs: options.timeoutMs, policy: options.policy });
  } catch (err) {
    return { ok: false, status: null, error: errorMessage(err) };
  }
  if (result.status >= 200 && result.status < 300) return { ok: true, status: result.status };
  const retryAfter = result.status === 429 ? retryAfterMs(result.retryAfter, now) : undefined;
  return { ok: false, status: result.status, error: `HTTP ${result.status}`, ...(retryAfter === undefined ? {} : { retryAfter }) };
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/** When the earliest pending delivery is next due (ms since the epoch); undefined when none is pending. */
export async function nextAttemptMs(store: Store): Promise<number | undefined> {
  const row = await store.one<{ next: number | null }>(sql`SELECT ${ms(sql`min(next_attempt_at)`)} AS next FROM webhook_deliveries WHERE status = 'pending'`);
  return row?.next ?? undefined;
}

/**
 * One pass: the deliveries due by the clock are read with their bodies, sent (the store is not held while waiting on
 * receivers), and their outcomes recorded: delivered on a 2xx; otherwise retried after the backoff (after Retry-After
 * on a 429), or dead-lettered at the last attempt. A process stopped between sending and recording sends
 * again with the same id, which a receiver drops: deliveries are at least once, applied once.
 */
export async function deliverDue(use: StoreAccess, options: DeliverOptions): Promise<DeliveryPass> {
  const now = (options.now ?? Date.now)();
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const backoff = options.backoff ?? exponentialBackoff;
  const pass: DeliveryPass = { attempted: 0, delivered: 0, failed: 0, dead: 0, skipped: 0 };

  const prepared = await use(async (store) => {
    // Every column named: ClickHouse names a column read as d.id 'd.id' where another relation joined has an id.
    const due = await store.all<Due>(sql`SELECT d.id AS id, d.subscription_id AS subscription_id, d.type AS type, d.source AS source, ${formatTimestamp(sql`d.as_of`)} AS as_of,
        ${ms(sql`d.created_at`)} AS created_ms, d.attempts AS attempts, w.url AS url, w.consent AS consent, w.secret AS secret, w.previous_secret AS previous_secret,
        ${ms(sql`w.previous_until`)} AS previous_until_ms, w.audience_id AS audience_id, a.name AS audience
      FROM webhook_deliveries d JOIN webhook_subscriptions w ON w.id = d.subscription_id JOIN audiences a ON a.id = w.audience_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= ${at(now)} ORDER BY d.next_attempt_at, d.created_at, d.id LIMIT ${options.limit ?? 100}`);
    const ready = due.length ? await prepare(store, due) : new Map<string, Prepared>();
    const empty = due.filter((d) => !ready.has(d.id)).map((d) => d.id);
    if (empty.length) await store.run(sql`${update(sql`webhook_deliveries`)} status = 'skipped', next_attempt_at = NULL WHERE id IN (${join(empty.map((id) => sql`${id}`))})`);
    pass.skipped = empty.length;
    return [...ready.values()];
  });

  const sendOptions = { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, policy: options.policy, send: options.send ?? httpSend };
  const outcomes = await inBatches(prepared, options.concurrency ?? 8, async (p) => ({ p, outcome: await attempt(p, now, sendOptions) }));

  const rows = outcomes.map(({ p, outcome }) => {
    const attempts = p.due.attempts + 1;
    pass.attempted++;
    if (outcome.ok) {
      pass.delivered++;
      return [p.due.id, 'delivered', attempts, castTo(sql`NULL`, 'TIMESTAMP'), outcome.status, null];
    }
    const dead = attempts >= maxAttempts;
    if (dead) pass.dead++;
    else pass.failed++;
    // A receiver's Retry-After says when it will take more; without one, the backoff does.
    const next = dead ? castTo(sql`NULL`, 'TIMESTAMP') : at(now + Math.min(outcome.retryAfter ?? backoff(attempts), MAX_RETRY_AFTER_MS));
    return [p.due.id, dead ? 'dead' : 'pending', attempts, next, outcome.status, outcome.error];
  });
  if (rows.length) {
    // The pass's outcomes in one statement rather than one a delivery.
    await use((store) =>
      // Each delivery's row written anew with its outcome (an UPDATE from a list of values is DuckDB's only).
      store.run(sql`${upsertInto(sql`webhook_deliveries`)} SELECT d.id, d.subscription_id, d.type, d.source, d.as_of, d.created_at,
          o.status, o.attempts, o.next_attempt_at, ${at(now)}, o.last_status, o.last_error
        FROM webhook_deliveries d JOIN ${valuesOf('o', OUTCOME_COLUMNS, rows)} ON o.id = d.id`),
    );
  }
  return pass;
}
