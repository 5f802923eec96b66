import { sql, type Sql } from '../sql/index.js';
import type { Store } from './store.js';

/** Deletes the rows `where` picks, counted first: not every engine says how many rows a DELETE removed. */
export async function deleteCounted(store: Store, table: Sql, where: Sql): Promise<number> {
  const n = Number((await store.one<{ n: number | bigint }>(sql`SELECT count(*) AS n FROM ${table} WHERE ${where}`))!.n);
  if (n > 0) await store.run(sql`DELETE FROM ${table} WHERE ${where}`);
  return n;
}
