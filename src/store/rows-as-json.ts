import { byDialect, ident, join, jsonRecords, sql } from '../sql/index.js';
import type { Backend, RowColumns } from './backend.js';

/**
 * `insertRows` where the engine has no appender (ClickHouse): the rows as one bound JSON value (jsonRecords), one
 * INSERT ... SELECT; a timestamp travels as its microseconds, in text (a JSON number would lose digits past 2^53).
 */
export async function insertRowsAsJson(backend: Backend, table: string, columns: RowColumns): Promise<void> {
  const count = columns[0]?.values.length ?? 0;
  if (count === 0) return;
  const records = Array.from({ length: count }, (_, r) =>
    Object.fromEntries(columns.map((c) => {
      const v = c.values[r] ?? null;
      return [c.name, typeof v === 'bigint' ? String(v) : v];
    })),
  );
  const fields = columns.map((c) => [c.name, c.type === 'DOUBLE' ? 'DOUBLE' : 'VARCHAR'] as const);
  const read = columns.map((c) => {
    const field = sql`r.${ident(c.name)}`;
    return c.type === 'TIMESTAMP' ? byDialect((d) => d.fromMicros(sql`CAST(${field} AS BIGINT)`)) : field;
  });
  await backend.run(sql`INSERT INTO ${ident(table)} (${join(columns.map((c) => ident(c.name)))}) SELECT ${join(read)} FROM ${jsonRecords('r', JSON.stringify(records), fields)}`);
}
