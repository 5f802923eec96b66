import { z } from 'zod';
import { NotFoundError } from '../../shared/errors.js';
import { formatTimestamp, ident, raw, sql } from '../../sql/index.js';
import { deleteCounted } from '../delete-counted.js';
import type { Store } from '../store.js';
import { IMPORT_VARIABLE } from './import-variable.js';

/** Runs `fn` as the import `importId`: what it inserts is marked as that import's (import-variable.ts). */
export async function asImport<T>(store: Store, importId: string, fn: () => Promise<T>): Promise<T> {
  await store.run(sql`SET VARIABLE ${raw(IMPORT_VARIABLE)} = ${importId}`);
  try {
    return await fn();
  } finally {
    await store.run(sql`RESET VARIABLE ${raw(IMPORT_VARIABLE)}`);
  }
}

const rows = z.number().int().nonnegative();

/** What taking back an import removed, as the CLI prints it and DELETE /v1/imports/:id answers. */
export const removalSchema = z.strictObject({
  import_id: z.string(),
  file: z.string(),
  removed: z.strictObject({ events: rows, customers: rows, products: rows, quarantined: rows }),
  stale: z
    .strictObject({
      as_of: z.string(),
      customers: rows.describe('customers whose features counted removed rows'),
      products: rows.describe('products whose features counted removed rows'),
    })
    .nullable()
    .describe('the latest run counted what was removed: its features and audiences need a new run; null when no run did'),
});
export type Removal = z.infer<typeof removalSchema>;

/**
 * Takes back one import inside the caller's transaction: its events, its quarantined rows, and the customers and
 * products it created that no remaining event refers to. Values it changed on rows that existed before are not
 * restored.
 */
async function removeImportRows(store: Store, importId: string): Promise<Removal> {
  const record = await store.one<{ file: string }>(sql`SELECT file FROM imports WHERE id = ${importId}`);
  if (!record) throw new NotFoundError(`no import "${importId}"`, { import: importId });
  const mine = sql`import_id = ${importId}`;
  const unreferenced = (column: 'customer_id' | 'product_id') =>
    sql`${mine} AND id NOT IN (SELECT ${ident(column)} FROM events WHERE (import_id IS NULL OR import_id <> ${importId}) AND ${ident(column)} IS NOT NULL)`;
  const touched = await store.one<{ customers: number; products: number }>(sql`SELECT
    (SELECT count(*) FROM (SELECT customer_id FROM events WHERE ${mine} AND customer_id IS NOT NULL
      UNION SELECT id FROM customers WHERE ${unreferenced('customer_id')})) AS customers,
    (SELECT count(*) FROM (SELECT product_id FROM events WHERE ${mine} AND product_id IS NOT NULL
      UNION SELECT id FROM products WHERE ${unreferenced('product_id')})) AS products`);
  const events = await deleteCounted(store, sql`events`, mine);
  const customers = await deleteCounted(store, sql`customers`, unreferenced('customer_id'));
  const products = await deleteCounted(store, sql`products`, unreferenced('product_id'));
  const quarantined = await deleteCounted(store, sql`quarantine`, mine);
  await store.run(sql`DELETE FROM imports WHERE id = ${importId}`);
  const run = await store.one<{ as_of: string | null }>(sql`SELECT ${formatTimestamp(sql`max(as_of)`)} AS as_of FROM runs`);
  const changed = events + customers + products > 0;
  return {
    import_id: importId,
    file: record.file,
    removed: { events, customers, products, quarantined },
    stale: run?.as_of && changed ? { as_of: run.as_of, customers: touched?.customers ?? 0, products: touched?.products ?? 0 } : null,
  };
}

/** Takes back one import, all of it or nothing. */
export function removeImport(store: Store, importId: string): Promise<Removal> {
  return store.transaction(() => removeImportRows(store, importId));
}

/** Takes back the imports of a file name, oldest first, inside the caller's transaction: what `--replace` does before importing the file again. */
export async function removeImportsOfFile(store: Store, file: string): Promise<Removal[]> {
  const removals: Removal[] = [];
  for (const { id } of await store.all<{ id: string }>(sql`SELECT id FROM imports WHERE file = ${file} ORDER BY started_at, id`)) removals.push(await removeImportRows(store, id));
  return removals;
}
