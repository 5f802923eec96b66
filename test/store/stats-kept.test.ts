import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { sql } from '../../src/sql/index.js';
import { eraseCustomer, ingestEventBatch, storeStats, type Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';

/**
 * The store's counts are kept between visits (they read every event): each change of the rows must show at the next
 * visit, as a count made afresh says.
 */

const dir = tempDir();
let store: Store;

async function fresh() {
  await store.run(sql`DELETE FROM settings WHERE key = 'store.stats'`);
  return storeStats(store);
}

beforeAll(async () => {
  const files = await generateDemo({ customers: 200, seed: 8, outDir: dir.path });
  store = await memoryStore();
  await importDemoFiles(store, files);
}, 120_000);

afterAll(() => {
  store.close();
  dir.cleanup();
});

describe('store counts kept between visits', () => {
  it('counts events sent after the first visit', async () => {
    const before = await storeStats(store);
    expect(before.events.total).toBeGreaterThan(0);
    const report = await ingestEventBatch(store, [
      { id: 'kept-1', type: 'search', ts: '2030-01-01T10:00:00Z', customer_id: 'C-kept', query: 'linen' },
      { id: 'kept-2', type: 'search', ts: '2030-01-01T10:01:00Z', customer_id: 'C-kept', query: 'wool' },
    ]);
    expect(report.accepted).toBe(2);
    const after = await storeStats(store);
    expect(after.events.total).toBe(before.events.total + 2);
    expect(after.events.by_type.search).toBe((before.events.by_type.search ?? 0) + 2);
    expect(after.last_event).toBe('2030-01-01 10:01:00');
    expect(after).toEqual(await fresh());
  });

  it('counts an erased customer no more', async () => {
    const before = await storeStats(store);
    const who = (await store.one<{ id: string; n: number }>(sql`SELECT customer_id AS id, count(*) AS n FROM events
      WHERE customer_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`))!;
    await eraseCustomer(store, who.id);
    const after = await storeStats(store);
    expect(after.events.total).toBe(before.events.total - who.n);
    expect(after.customers).toBe(before.customers - 1);
    expect(after).toEqual(await fresh());
  });
});
