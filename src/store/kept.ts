import { ident, sql, upsertInto, type Sql } from '../sql/index.js';
import type { Store } from './store.js';

/**
 * `compute`'s answer kept in the settings under `key` while `version` (a query answering one text) reads the same:
 * answers over every customer that pages ask for at each visit, worked out again only when what they read changed.
 */
export async function keptWhile<T>(store: Store, key: string, version: Sql, compute: () => Promise<T>): Promise<T> {
  const row = (await store.one<{ version: string; kept: string | null }>(sql`SELECT (${version}) AS version, (SELECT value FROM settings WHERE key = ${key}) AS kept`))!;
  const kept = row.kept ? (JSON.parse(row.kept) as { version: string; value: T }) : undefined;
  if (kept && kept.version === row.version) return kept.value;
  const value = await compute();
  await store.run(sql`${upsertInto(ident('settings'))} VALUES (${key}, ${JSON.stringify({ version: row.version, value })})`);
  return value;
}
