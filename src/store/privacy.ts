import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { customerNotFound } from '../shared/errors.js';
import { allExcept, ident, insertIfAbsent, join, matches, sha256, sql, storeColumns, update, type Sql } from '../sql/index.js';
import { deleteCounted } from './delete-counted.js';
import { CONSENT_CHANNELS, consentColumns, type ConsentChannel } from './schema.js';
import type { Row, Store } from './store.js';

/**
 * Erasure and export of one customer's data. An erased customer leaves a tombstone: a hash of their id keyed with a
 * secret of this store (a plain hash of a short numeric id could be reversed by trying them all), which ingest
 * checks so that re-importing an old file does not bring them back.
 */

/** The store's secret for tombstones, made at its first use. */
export async function tombstoneKey(store: Store): Promise<string> {
  await store.run(insertIfAbsent(sql`settings`, sql`key`, ['tombstone_key', randomBytes(32).toString('hex')]));
  return (await store.one<{ value: string }>(sql`SELECT value FROM settings WHERE key = 'tombstone_key'`))!.value;
}

/** The keyed hash a tombstone holds for a customer id. */
export function tombstoneHash(key: string, id: Sql): Sql {
  return sha256(sql`${key} || ${id}`);
}

/** True when `id` belongs to an erased customer. */
export function isErased(key: string, id: Sql): Sql {
  return sql`coalesce(${tombstoneHash(key, id)} IN (SELECT hash FROM tombstones), false)`;
}

/** The key, when there is any tombstone to check against; ingest skips the hashing otherwise. */
export async function tombstoneKeyIfAny(store: Store): Promise<string | undefined> {
  const any = await store.one(sql`SELECT 1 FROM tombstones LIMIT 1`);
  return any ? tombstoneKey(store) : undefined;
}

/** Tables with a customer_id column: events, memberships, feature tables, and whatever later modules add. */
async function tablesWithCustomerId(store: Store): Promise<string[]> {
  const rows = await store.all<{ table_name: string }>(sql`SELECT DISTINCT table_name FROM ${storeColumns()} c WHERE column_name = 'customer_id' ORDER BY table_name`);
  return rows.map((r) => r.table_name);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const erasureSchema = z.object({
  customer_id: z.string(),
  deleted: z.record(z.string(), z.number().int()).describe('rows removed, per table'),
});
export type Erasure = z.infer<typeof erasureSchema>;

/** Removes every row about the customer, in one transaction, and leaves a tombstone. */
export async function eraseCustomer(store: Store, customerId: string): Promise<Erasure> {
  const known = await store.one(sql`SELECT 1 FROM customers WHERE id = ${customerId}
    UNION ALL SELECT 1 FROM events WHERE customer_id = ${customerId} LIMIT 1`);
  if (!known) throw customerNotFound(customerId);
  const key = await tombstoneKey(store);
  const tables = await tablesWithCustomerId(store);
  return store.transaction(async () => {
    const deleted: Record<string, number> = {};
    for (const table of tables) deleted[table] = await deleteCounted(store, ident(table), sql`customer_id = ${customerId}`);
    deleted.customers = await deleteCounted(store, sql`customers`, sql`id = ${customerId}`);
    // Lines that could not be parsed into fields carry no customer_id; the id is removed wherever it stands as a field.
    const asField = `(^|[,"\\s:{\\[])${escapeRegex(customerId)}($|[,"\\s}\\]])`;
    deleted.quarantine = (deleted.quarantine ?? 0) + (await deleteCounted(store, sql`quarantine`, matches(sql`coalesce(raw, '')`, asField)));
    await store.run(insertIfAbsent(sql`tombstones`, sql`hash`, [tombstoneHash(key, sql`${customerId}`), sql`now()`]));
    return { customer_id: customerId, deleted };
  });
}

const storedRow = z.record(z.string(), z.unknown());

/** Everything the store holds about one customer: the customer's row, and their rows of every table keyed by customer_id. */
export const customerExportSchema = z
  .object({ customer: storedRow.nullable().describe('null when only events or other rows remain') })
  .catchall(z.array(storedRow).describe("the customer's rows of the table this property names (events, memberships, ...), as stored"));
export type CustomerExport = z.infer<typeof customerExportSchema>;

/** Everything the store holds about one customer (a data subject access request). */
export async function exportCustomer(store: Store, customerId: string): Promise<CustomerExport> {
  const customer = await store.one(sql`SELECT ${allExcept(['attributes'])}, CAST(attributes AS VARCHAR) AS attributes FROM customers WHERE id = ${customerId}`);
  const tables: Record<string, Row[]> = {};
  for (const table of await tablesWithCustomerId(store)) {
    tables[table] = await store.all(sql`SELECT * FROM ${ident(table)} WHERE customer_id = ${customerId}`);
  }
  if (!customer && Object.values(tables).every((rows) => rows.length === 0)) {
    throw customerNotFound(customerId);
  }
  // TypeScript has no type for one property unlike the index signature of the rest; the schema does (catchall).
  return { customer: customer ?? null, ...tables } as CustomerExport;
}

export type ConsentUpdate = Partial<Record<ConsentChannel, boolean>>;

/** Consent per channel as held now: given, refused, or null where never stated. */
const consentSchema = z.object(
  Object.fromEntries(CONSENT_CHANNELS.map((c) => [c, z.boolean().nullable()])) as Record<ConsentChannel, z.ZodNullable<z.ZodBoolean>>,
);
export type Consent = z.infer<typeof consentSchema>;

/** A customer's consent after a change: what PUT /v1/customers/:id/consent answers. */
export const customerConsentSchema = z.object({ customer_id: z.string(), consent: consentSchema });

/**
 * Sets consent per channel (email, sms, push, ads), stated now, so that re-importing an older customers file does not
 * undo it (see storeCustomers in ingest). Channels left out keep their value. Returns the consent now held.
 */
export async function setConsent(store: Store, customerId: string, change: ConsentUpdate): Promise<Consent> {
  const sets = CONSENT_CHANNELS.filter((c) => change[c] !== undefined).flatMap((c) => {
    const { value, statedAt } = consentColumns(c);
    return [sql`${ident(value)} = ${change[c]!}`, sql`${ident(statedAt)} = now()`];
  });
  // Asked before the update: not every engine says how many rows an update changed.
  if (!(await store.one(sql`SELECT 1 AS held FROM customers WHERE id = ${customerId}`))) throw customerNotFound(customerId);
  if (sets.length > 0) await store.run(sql`${update(sql`customers`)} ${join(sets)} WHERE id = ${customerId}`);
  const row = await store.one<Record<string, boolean | null>>(sql`SELECT consent_email AS email, consent_sms AS sms, consent_push AS push,
    consent_ads AS ads FROM customers WHERE id = ${customerId}`);
  if (!row) throw customerNotFound(customerId);
  return { email: row.email ?? null, sms: row.sms ?? null, push: row.push ?? null, ads: row.ads ?? null };
}
