import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { defaultAsOf, featureTableParts, materializeCustomerFeatures, type FeatureRow } from '../../src/features/index.js';
import { ident, sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { ENGINES, storeOn } from '../engines.js';
import { tempDir } from '../helpers.js';

/**
 * The customer feature table built in parts of customers (ranges of ids, a statement each, the category medians over
 * everyone's lines given to each) is the table built in one statement: every column of every row, integers, text and
 * NULLs exactly, doubles to 12 significant digits. A customer's order amounts are added in the order the order
 * grouping gives them out, which follows its hash table's layout, so a part's smaller table can change the last bit of
 * a sum (4 of 100,000 customers' revenue on the 100k demo, on one thread: docs/benchmarks.md).
 */
describe.each(ENGINES)('the customer feature table built in parts (%s)', (engine) => {
  const dir = tempDir();
  let store: Store;
  let close: () => void | Promise<void>;
  let asOf: string;

  const rows = (table: string) => store.all<FeatureRow>(sql`SELECT * FROM ${ident(table)} ORDER BY customer_id`);

  beforeAll(async () => {
    const files = await generateDemo({ customers: 300, seed: 7, outDir: dir.path });
    ({ store, close } = await storeOn(engine, (s) => importDemoFiles(s, files)));
    asOf = await defaultAsOf(store);
  });
  afterAll(async () => {
    await close();
    dir.cleanup();
  });

  it('equals the table built in one statement', async () => {
    const whole = await materializeCustomerFeatures(store, asOf, 'features_whole', 1);
    expect(await materializeCustomerFeatures(store, asOf, 'features_parts', 3)).toBe(whole);
    const [expected, actual] = [await rows('features_whole'), await rows('features_parts')];
    expect(actual.map((r) => r.customer_id)).toEqual(expected.map((r) => r.customer_id));
    // Every part holds customers with orders, so a part's own category medians would show in premium_index.
    expect(expected.filter((r) => r.premium_index !== null).length).toBeGreaterThan(100);
    for (const [i, e] of expected.entries()) {
      for (const [name, value] of Object.entries(e)) {
        const where = `${String(e.customer_id)}.${name}`;
        const got = actual[i]![name];
        // A double sum can land on a whole number on one side only (2669 against 2668.9999999999995).
        if (typeof value === 'number' && typeof got === 'number' && !(Number.isInteger(value) && Number.isInteger(got))) {
          expect(Math.abs(got - value) <= 1e-12 * Math.max(1, Math.abs(value), Math.abs(got)), `${where}: ${got} against ${value}`).toBe(true);
        } else expect(got, where).toEqual(value);
      }
    }
  });
});

describe('the number of parts', () => {
  it('is one until the events outgrow the pool, then enough for each part to fit', () => {
    // 100k demo customers (4.3M events) and a million (42.8M) at the benchmarks' 5 GB setting (DuckDB 3 GB) and at 2 GB.
    expect(featureTableParts(4.3e6, 3e9)).toBe(1);
    expect(featureTableParts(4.3e6, 1.2e9)).toBe(1);
    expect(featureTableParts(42.8e6, 3e9)).toBe(2);
    expect(featureTableParts(42.8e6, 1.2e9)).toBe(4);
    expect(featureTableParts(0, 3e9)).toBe(1);
  });
});
