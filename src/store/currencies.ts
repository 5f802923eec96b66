import { sql, type Sql } from '../sql/index.js';
import type { Store } from './store.js';

/**
 * Events with a price (unit_price), by currency; events whose currency is unknown are not counted. Features and
 * segments add amounts as stored, whatever their currency: a store is meant to hold one.
 */
export async function currencyCounts(store: Store, where: Sql = sql`true`): Promise<Record<string, number>> {
  const rows = await store.all<{ currency: string; n: number }>(sql`SELECT currency, count(*) AS n FROM events
    WHERE unit_price IS NOT NULL AND currency IS NOT NULL AND ${where} GROUP BY currency ORDER BY n DESC, currency`);
  return Object.fromEntries(rows.map((r) => [r.currency, r.n]));
}

/** The warning for a store that holds prices in more than one currency, else undefined. */
export function mixedCurrencies(counts: Record<string, number>): string | undefined {
  const codes = Object.keys(counts);
  if (codes.length < 2) return undefined;
  const listed = codes.map((c) => `${c} ${counts[c]}`).join(', ');
  return `the store holds prices in ${codes.length} currencies (${listed} events): revenue, spend and CLV add them as they are, unconverted`;
}
