import { z } from 'zod';
import { formatTimestamp, sql } from '../sql/index.js';
import { keptWhile } from './kept.js';
import type { Store } from './store.js';
import { currencyCounts, mixedCurrencies } from './currencies.js';

export const storeStatsSchema = z.object({
  customers: z.number().int(),
  products: z.number().int(),
  events: z.object({ total: z.number().int(), by_type: z.record(z.string(), z.number().int()).describe('events per type, most first') }),
  quarantined: z.number().int().describe('rows of imports held back in quarantine'),
  currencies: z.record(z.string(), z.number().int()).describe('events with a price, by currency (unknown ones not counted)'),
  warning: z.string().nullable().describe('set when prices are in more than one currency: amounts are added unconverted'),
  first_event: z.string().nullable(),
  last_event: z.string().nullable(),
});
export type StoreStats = z.infer<typeof storeStatsSchema>;

/**
 * Every page shows these, and counting the events by type and currency reads every event: the answer is kept until
 * rows are added or taken away (an import, events sent, an erasure) or an import is taken back and made again.
 */
export function storeStats(store: Store): Promise<StoreStats> {
  const version = sql`SELECT (SELECT count(*) FROM events) || ' ' || (SELECT count(*) FROM customers) || ' ' || (SELECT count(*) FROM products)
    || ' ' || (SELECT count(*) FROM quarantine) || ' ' || (SELECT count(*) || ' ' || coalesce(CAST(max(started_at) AS VARCHAR), '') FROM imports)`;
  return keptWhile(store, 'store.stats', version, () => countStats(store));
}

async function countStats(store: Store): Promise<StoreStats> {
  const counts = await store.one<{ customers: number; products: number; quarantined: number; first_event: string | null; last_event: string | null }>(sql`
    SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM products) AS products,
      (SELECT count(*) FROM quarantine) AS quarantined,
      (SELECT ${formatTimestamp(sql`min(ts)`)} FROM events) AS first_event,
      (SELECT ${formatTimestamp(sql`max(ts)`)} FROM events) AS last_event`);
  const types = await store.all<{ type: string; n: number }>(sql`SELECT type, count(*) AS n FROM events GROUP BY type ORDER BY n DESC`);
  const currencies = await currencyCounts(store);
  return {
    customers: counts?.customers ?? 0,
    products: counts?.products ?? 0,
    events: { total: types.reduce((s, t) => s + t.n, 0), by_type: Object.fromEntries(types.map((t) => [t.type, t.n])) },
    quarantined: counts?.quarantined ?? 0,
    currencies,
    warning: mixedCurrencies(currencies) ?? null,
    first_event: counts?.first_event ?? null,
    last_event: counts?.last_event ?? null,
  };
}
