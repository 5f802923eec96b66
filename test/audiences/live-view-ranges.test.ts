import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOfMs } from '../../src/audiences/customer-context.js';
import { customerRanges } from '../../src/audiences/customer-ranges.js';
import { LiveView } from '../../src/audiences/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { defaultAsOf } from '../../src/features/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { fromMillis, sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

/**
 * The live view's build reads the events by ranges of customers (customer-ranges.ts), so that DuckDB sorts a range at
 * a time: a build in many ranges must give the view of a build in one, customer by customer.
 */

const DAY_MS = 86_400_000;
/** Events a range: about 30 ranges over the demo's 300 customers. */
const PER_RANGE = 400;

describe("the live view's build by ranges of customers", () => {
  const dir = tempDir();
  let store: Store;
  let ids: string[];
  let base: number;

  beforeAll(async () => {
    store = await Store.open({ path: join(dir.path, 'ranges.duckdb') });
    await importDemoFiles(store, await generateDemo({ customers: 300, seed: 11, outDir: join(dir.path, 'demo') }));
    const asOf = await defaultAsOf(store);
    await runPipeline(store, asOf);
    base = asOfMs(asOf);
    ids = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY id`)).map((c) => c.id);
  }, 120_000);
  afterAll(() => {
    store.close();
    dir.cleanup();
  });

  /**
   * Every customer's features and audiences as built (the feature table's, read by the same ranges) and once worked
   * out from the view's events (held and folded).
   */
  async function answers(view: LiveView): Promise<Map<string, unknown>> {
    const built = new Map(ids.map((id) => [id, { features: view.featuresOf(id), audiences: view.audiencesOf(id) }]));
    expect((await view.refresh(store, ids, { persist: 'never' })).size).toBe(ids.length);
    return new Map(ids.map((id) => [id, { built: built.get(id), workedOut: { features: view.featuresOf(id), audiences: view.audiencesOf(id) } }]));
  }

  it('gives every customer the features and audiences of a build in one range, as built and worked out from the events', async () => {
    const { events } = (await store.one<{ events: number }>(sql`SELECT count(*) AS events FROM events`))!;
    const ranges = await customerRanges(store, events, PER_RANGE);
    expect(ranges.length).toBeGreaterThanOrEqual(20);
    expect(await customerRanges(store, events, events)).toHaveLength(1);
    // Every range has customers with events the view holds (of the last 30 days, of a type read in a window) and
    // customers with events it folds (older than 90 days, any type): each edge has both on either side.
    for (const range of ranges) {
      const sides = (await store.one<{ held: number; folded: number }>(sql`
        SELECT count(DISTINCT customer_id) FILTER (WHERE ts >= ${fromMillis(base - 30 * DAY_MS)} AND type IN ('view', 'order')) AS held,
          count(DISTINCT customer_id) FILTER (WHERE ts < ${fromMillis(base - 90 * DAY_MS)}) AS folded
        FROM events WHERE ${range}`))!;
      expect(Number(sides.held)).toBeGreaterThan(0);
      expect(Number(sides.folded)).toBeGreaterThan(0);
    }

    const one = (await LiveView.build(store, { eventsPerRange: events }))!;
    const many = (await LiveView.build(store, { eventsPerRange: PER_RANGE }))!;
    expect(one.holds).toBe('every event');
    expect(many.holds).toBe('every event');
    const size = one.eventsSize();
    expect(size.events).toBeGreaterThan(0);
    expect(size.folded).toBeGreaterThan(0);
    expect(many.eventsSize()).toEqual(size);

    const want = await answers(one);
    const got = await answers(many);
    // The comparison discriminates: customers are in audiences, and they differ.
    const audiences = [...want.values()].map((w) => JSON.stringify((w as { workedOut: { audiences: { audiences: unknown[] } } }).workedOut.audiences.audiences));
    expect(new Set(audiences).size).toBeGreaterThan(5);
    for (const id of ids) expect(got.get(id), id).toEqual(want.get(id));
  }, 120_000);
});
