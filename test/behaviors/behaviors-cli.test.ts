import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { behaviorFamilySchema } from '../../src/audiences/behavior-family.js';
import { CUSTOMER_BEHAVIORS, PRODUCT_BEHAVIORS } from '../../src/behaviors/index.js';
import { sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
const db = join(dir.path, 'behaviors.duckdb');

const segmint = (...args: string[]) => runCli(args);

beforeAll(() => {
  // The demo imports, runs once and fits both customer clusterings.
  const demo = segmint('--db', db, 'demo', '--customers', '1500', '--seed', '5', '--dir', join(dir.path, 'demo'), '--no-serve', '--json');
  expect(demo.stderr).toBe('');
  expect(demo.code).toBe(0);
}, 180_000);
afterAll(() => dir.cleanup());

describe('segmint behaviors', () => {
  it('prints every suggested customer behavior with size, lift and agreement with the clusters, as JSON its schema accepts', () => {
    const r = segmint('--db', db, 'behaviors', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = behaviorFamilySchema.parse(JSON.parse(r.stdout));
    expect(report.entity).toBe('customers');
    expect(report.as_of).toBe('2026-11-01 00:00:00');
    expect(report.suggested.map((b) => b.name)).toEqual(CUSTOMER_BEHAVIORS.map((b) => b.name));
    for (const b of report.suggested) expect(b.size, b.name).toBeLessThan(b.scored);
    expect(report.suggested.filter((b) => b.size > 0).length).toBeGreaterThanOrEqual(12);
    expect(report.suggested.filter((b) => b.cluster).length).toBeGreaterThan(0);
    const text = segmint('--db', db, 'behaviors');
    expect(text.code).toBe(0);
    for (const b of report.suggested) expect(text.stdout).toContain(b.name);
    expect(text.stdout).toMatch(/cluster agreement/);
  });

  it('prints the product behaviors with --entity products', () => {
    const r = segmint('--db', db, 'behaviors', '--entity', 'products', '--json');
    expect(r.code).toBe(0);
    const report = behaviorFamilySchema.parse(JSON.parse(r.stdout));
    expect(report.suggested.map((b) => b.id)).toEqual(PRODUCT_BEHAVIORS.map((b) => b.id));
    for (const b of report.suggested) expect(b.size, b.id).toBeGreaterThan(0);
    expect(report.suggested.every((b) => b.cluster === null)).toBe(true);
  });

  it('reads what the run kept instead of scoring again, and scores only when no run kept it', async () => {
    const answer = (entity: string) => {
      const r = segmint('--db', db, 'behaviors', '--entity', entity, '--json');
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as unknown;
    };
    const kept = { customers: answer('customers'), products: answer('products') };
    // Without a run: more sales of the best seller before the run's date (product behaviors read the events), and
    // every customer's orders gone from the feature table (customer behaviors score only customers with orders).
    const store = await Store.open({ path: db });
    await store.run(sql`INSERT INTO events SELECT events.* REPLACE (id || '-again' || n AS id, quantity * 20 AS quantity)
      FROM events, range(3) t(n) WHERE type = 'order' AND product_id = (SELECT product_id FROM events WHERE type = 'order' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1)`);
    await store.run(sql`UPDATE customer_features SET orders = 0`);
    store.close();
    expect(answer('customers')).toEqual(kept.customers);
    expect(answer('products')).toEqual(kept.products);
    // Had it scored again, the answers would have moved: with nothing kept, it scores, and they do.
    const dropped = await Store.open({ path: db });
    await dropped.run(sql`DELETE FROM settings WHERE key IN ('behaviors.customers', 'behaviors.products', 'customer_behaviors.as_of')`);
    dropped.close();
    const scored = { customers: answer('customers'), products: answer('products') };
    expect(scored.products).not.toEqual(kept.products);
    expect(scored.customers).not.toEqual(kept.customers);
  });

  it('says what is wrong: an unknown entity (usage, 2), a store with no run yet (1)', async () => {
    const bad = segmint('--db', db, 'behaviors', '--entity', 'orders');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('segmint: --entity: "orders" is not one of customers, products');
    // A store with nothing run yet.
    const empty = join(dir.path, 'empty.duckdb');
    (await Store.open({ path: empty })).close();
    const noRun = segmint('--db', empty, 'behaviors');
    expect(noRun.code).toBe(1);
    expect(noRun.stderr).toMatch(/^segmint: no feature table yet: run `segmint run`/);
  });
});
