import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { CUSTOMER_FEATURES, customerFeatures, customerFeaturesQuery, defaultAsOf, featureTableAsOf, type FeatureRow } from '../../src/features/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';

/**
 * As of the feature table's date, a customer's features are read from the table the run stored instead of computed
 * from every event: the answer must be the computed one, feature by feature.
 */
describe("features as of the run's date, from its feature table", () => {
  const dir = tempDir();
  let store: Store;
  let asOf: string;
  let sample: string[];

  /** What the features query computes for one customer from the events, whatever the table holds. */
  const computed = (id: string, at = asOf) => store.one<FeatureRow>(customerFeaturesQuery({ asOf: at, customerIds: [id] }));

  /** The same features with the same values: integers, text and nulls exactly, sums of prices to 9 digits (summed in another order). */
  function expectSameFeatures(actual: FeatureRow | undefined, expected: FeatureRow | undefined): void {
    expect(actual).toBeDefined();
    expect(Object.keys(actual!)).toEqual(Object.keys(expected!));
    for (const f of CUSTOMER_FEATURES) {
      const [a, e] = [actual![f.name], expected![f.name]];
      const where = `${String(expected!.customer_id)}.${f.name}`;
      if (f.type === 'number' && typeof e === 'number') expect(a, where).toBeCloseTo(e, 9);
      else expect(a, where).toEqual(e);
    }
  }

  beforeAll(async () => {
    const files = await generateDemo({ customers: 400, seed: 5, outDir: dir.path });
    store = await memoryStore();
    await importDemoFiles(store, files);
    asOf = await defaultAsOf(store);
    await runPipeline(store, asOf);
    // Buyers with different habits (one order, many, returns), a customer with no order, the most recent buyer and the
    // most active browsers.
    const rows = await store.all<{ customer_id: string }>(sql`
      (SELECT customer_id FROM customer_features WHERE orders = 0 ORDER BY customer_id LIMIT 1)
      UNION (SELECT customer_id FROM customer_features WHERE orders = 1 ORDER BY customer_id LIMIT 2)
      UNION (SELECT customer_id FROM customer_features WHERE returns > 0 ORDER BY orders DESC, customer_id LIMIT 2)
      UNION (SELECT customer_id FROM customer_features WHERE orders > 0 ORDER BY recency_days, customer_id LIMIT 1)
      UNION (SELECT customer_id FROM customer_features ORDER BY revenue DESC, customer_id LIMIT 2)
      UNION (SELECT customer_id FROM customer_features ORDER BY views_30d + searches_30d + carts_30d DESC, customer_id LIMIT 2)`);
    sample = rows.map((r) => r.customer_id).sort();
  });
  afterAll(() => {
    store.close();
    dir.cleanup();
  });

  it('answers what the features query computes from the events, for customers of every sort', async () => {
    expect(await featureTableAsOf(store)).toBe(asOf);
    expect(sample.length).toBeGreaterThanOrEqual(6);
    const answers = await Promise.all(sample.map((id) => customerFeatures(store, asOf, id)));
    for (const [i, id] of sample.entries()) expectSameFeatures(answers[i], await computed(id));
    // The sample has values in every feature, so a column read under another feature's name would show.
    for (const f of CUSTOMER_FEATURES) expect(answers.some((a) => a?.[f.name] !== null && a?.[f.name] !== 0), f.name).toBe(true);
  });

  it("reads the table's row rather than the events", async () => {
    const id = sample[0]!;
    await store.run(sql`UPDATE customer_features SET orders = orders + 1000 WHERE customer_id = ${id}`);
    try {
      expect((await customerFeatures(store, asOf, id))?.orders).toBe(Number((await computed(id))!.orders) + 1000);
    } finally {
      await store.run(sql`UPDATE customer_features SET orders = orders - 1000 WHERE customer_id = ${id}`);
    }
  });

  it('computes other dates, customers the table lacks, and from a table of an earlier catalog', async () => {
    const earlier = '2026-03-15 00:00:00';
    const buyer = await store.one<{ id: string }>(sql`SELECT min(customer_id) AS id FROM events WHERE type = 'order' AND ts < ${earlier}::TIMESTAMP`);
    expectSameFeatures(await customerFeatures(store, earlier, buyer!.id), await computed(buyer!.id, earlier));
    const id = sample.at(-1)!;
    await store.run(sql`CREATE TABLE kept_features AS SELECT * FROM customer_features`);
    try {
      await store.run(sql`DELETE FROM customer_features WHERE customer_id = ${id}`);
      expectSameFeatures(await customerFeatures(store, asOf, id), await computed(id));
      // A run before email_open_rate existed stored no such column: the answer still has it.
      await store.run(sql`ALTER TABLE customer_features DROP COLUMN email_open_rate`);
      expectSameFeatures(await customerFeatures(store, asOf, sample[0]!), await computed(sample[0]!));
    } finally {
      await store.run(sql`DROP TABLE customer_features`);
      await store.run(sql`ALTER TABLE kept_features RENAME TO customer_features`);
    }
  });
});
