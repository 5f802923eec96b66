import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/index.js';
import { sql } from '../../src/sql/index.js';
import { eraseCustomer, exportCustomer, identityMapping, importFile, setConsent, type Store } from '../../src/store/index.js';
import { isErased } from '../../src/store/privacy.js';
import { ALL_ENGINES, storeOn } from '../engines.js';
import { columnsHolding, tempDir } from '../helpers.js';
import { WHO, writePrivacyFiles } from './privacy-files.js';

/**
 * Erasure, export and consent of one customer on every engine: the same store (imported by DuckDB, copied to
 * ClickHouse) run, then one customer exported and erased; no text column of any table may still hold the id, the
 * other customers stay, and the tombstone recognises the id.
 */

const dir = tempDir();
const { customers, events } = writePrivacyFiles(dir);

afterAll(() => dir.cleanup());

/** The rows DuckDB's erasure removed per table. */
let onDuckdb: Record<string, number> = {};

describe.each(ALL_ENGINES)('one customer erased on %s', (engine) => {
  let store: Store;
  let close: () => void | Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await storeOn(engine, async (loader) => {
      await importFile(loader, customers, identityMapping('customers'));
      await importFile(loader, events, identityMapping('events'));
    }));
    await runPipeline(store, '2024-04-01 00:00:00');
  });
  afterAll(async () => close());

  it('exports everything held on the customer', async () => {
    const data = await exportCustomer(store, WHO);
    expect(data.customer).toMatchObject({ id: WHO, email: 'who@example.com', consent_email: true });
    expect((data.events as unknown[]).length).toBe(2);
    expect((data.memberships as unknown[]).length).toBeGreaterThan(0);
    expect((data.customer_features as unknown[]).length).toBe(1);
    expect((data.quarantine as unknown[]).length).toBe(1);
  });

  it('leaves no table holding the id, keeps the others, and remembers the id only as a keyed hash', async () => {
    expect((await columnsHolding(store, WHO)).length).toBeGreaterThan(3);
    const othersBefore = await store.all(sql`SELECT customer_id, count(*) AS n FROM memberships WHERE customer_id <> ${WHO} GROUP BY ALL ORDER BY ALL`);
    expect(othersBefore.length).toBe(2);
    const erasure = await eraseCustomer(store, WHO);
    // Quarantine: the bad-date row (its customer_id) and the line that could not be parsed (the id in its text).
    expect(erasure.deleted).toMatchObject({ customers: 1, events: 2, customer_features: 1, quarantine: 2 });
    expect(erasure.deleted.memberships).toBeGreaterThan(0);
    // Engines run in order, DuckDB first: the others must remove as many rows of every table.
    if (engine === 'duckdb') onDuckdb = erasure.deleted;
    else expect(erasure.deleted).toEqual(onDuckdb);
    expect(await columnsHolding(store, WHO)).toEqual([]);
    expect(await store.all(sql`SELECT id FROM customers ORDER BY id`)).toEqual([{ id: 'c2' }, { id: 'c3' }]);
    expect(await store.all(sql`SELECT customer_id, count(*) AS n FROM memberships WHERE customer_id <> ${WHO} GROUP BY ALL ORDER BY ALL`)).toEqual(othersBefore);
    const key = (await store.one<{ value: string }>(sql`SELECT value FROM settings WHERE key = 'tombstone_key'`))!.value;
    const erased = async (id: string) => Boolean((await store.one<{ gone: unknown }>(sql`SELECT ${isErased(key, sql`${id}`)} AS gone`))!.gone);
    expect([await erased(WHO), await erased('c2')]).toEqual([true, false]);
    await expect(exportCustomer(store, WHO)).rejects.toThrow(/not in the store/);
    await expect(eraseCustomer(store, WHO)).rejects.toThrow(/not in the store/);
  });

  it('sets consent per channel, leaving the other channels and customers as they were', async () => {
    expect(await setConsent(store, 'c2', { sms: true })).toEqual({ email: false, sms: true, push: null, ads: null });
    expect(await setConsent(store, 'c2', { email: true, ads: false })).toEqual({ email: true, sms: true, push: null, ads: false });
    expect(await setConsent(store, 'c3', {})).toEqual({ email: null, sms: null, push: null, ads: null });
    await expect(setConsent(store, 'nobody', { email: true })).rejects.toThrow(/not in the store/);
  });
});
