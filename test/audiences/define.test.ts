import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAudience, listAudiences, NOT_COMPUTED, updateAudience, withLatestSizes } from '../../src/audiences/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';
import { runPipeline } from '../../src/pipeline/index.js';

/**
 * A new or changed audience is computed at once against the latest run, exactly as a rerun of that run computes it
 * (member by member, with scores, reasons and size), with the audiences that read it through `in audience`; before
 * any run it says it is not computed until the next one, never a size of 0.
 */

const dir = tempDir();
const EARLIER = '2026-05-01 00:00:00';
const LATEST = '2026-11-01 00:00:00';
let store: Store;
let customers = 0;

type Row = Record<string, unknown>;

/** An audience's stored rows at a run: memberships (with score and reasons) and its size row. */
async function stored(id: string, asOf = LATEST): Promise<{ members: Row[]; size: Row | undefined }> {
  const at = sql`CAST(${asOf} AS TIMESTAMP)`;
  return {
    members: await store.all(sql`SELECT customer_id, round(score, 9) AS score, reasons FROM memberships WHERE audience_id = ${id} AND as_of = ${at} ORDER BY customer_id`),
    size: await store.one(sql`SELECT size, round(revenue, 6) AS revenue, rule_text FROM audience_runs WHERE audience_id = ${id} AND as_of = ${at}`),
  };
}

/** The rows a full rerun of the latest run stores for these audiences. */
async function rerun(ids: string[]): Promise<Map<string, Awaited<ReturnType<typeof stored>>>> {
  await runPipeline(store, LATEST);
  return new Map(await Promise.all(ids.map(async (id) => [id, await stored(id)] as const)));
}

beforeAll(async () => {
  const files = await generateDemo({ customers: 400, seed: 31, outDir: dir.path });
  store = await memoryStore();
  await importDemoFiles(store, files);
  customers = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM customers`))!.n;
}, 120_000);

afterAll(() => {
  store.close();
  dir.cleanup();
});

describe('a new audience', () => {
  it('says it is not computed until the next run when there is no run yet', async () => {
    const a = await createAudience(store, { name: 'Early birds', rule: 'orders >= 2' });
    expect(a).toMatchObject({ id: 'early-birds', as_of: null, size: null, note: NOT_COMPUTED });
    const listed = await withLatestSizes(store, await listAudiences(store));
    expect(listed.every((x) => x.size === null && x.note === NOT_COMPUTED)).toBe(true);
    await runPipeline(store, LATEST);
    expect((await withLatestSizes(store, await listAudiences(store))).find((x) => x.id === 'early-birds')).toMatchObject({ as_of: LATEST, note: null, size: expect.any(Number) });
  });

  it('is computed at once against the latest run, as a rerun computes it, with what reads it', async () => {
    const recent = await createAudience(store, { name: 'Recent shoe buyers', rule: 'count(order where category = "shoes", last 120 days) >= 1' });
    const loyal = await createAudience(store, { name: 'Loyal shoe buyers', rule: 'in audience "Recent shoe buyers" and orders >= 3' });
    for (const a of [recent, loyal]) {
      expect(a).toMatchObject({ as_of: LATEST, note: null });
      // Discriminating: some customers, not all.
      expect(a.size).toBeGreaterThan(0);
      expect(a.size).toBeLessThan(customers);
    }
    expect(loyal.size).toBeLessThan(recent.size!);
    const now = { recent: await stored(recent.id), loyal: await stored(loyal.id) };
    expect(now.recent.members).toHaveLength(recent.size!);
    const again = await rerun([recent.id, loyal.id]);
    expect(now.recent).toEqual(again.get(recent.id));
    expect(now.loyal).toEqual(again.get(loyal.id));
  });

  it('is computed again, with what reads it, when its rule changes', async () => {
    const before = await stored('loyal-shoe-buyers');
    const changed = await updateAudience(store, 'Recent shoe buyers', { rule: 'count(order where category = "shoes", last 365 days) >= 1' });
    expect(changed).toMatchObject({ as_of: LATEST, rule_text: 'count(order where category = "shoes", last 365 days) >= 1' });
    const after = { recent: await stored('recent-shoe-buyers'), loyal: await stored('loyal-shoe-buyers') };
    // The dependent moved with it (a longer window holds more customers).
    expect(after.loyal.members.length).toBeGreaterThan(before.members.length);
    const again = await rerun(['recent-shoe-buyers', 'loyal-shoe-buyers']);
    expect(after.recent).toEqual(again.get('recent-shoe-buyers'));
    expect(after.loyal).toEqual(again.get('loyal-shoe-buyers'));
  });

  it('is computed against the latest run also after an earlier date was run since', async () => {
    await runPipeline(store, EARLIER);
    const a = await createAudience(store, { name: 'Lapsed', rule: 'recency_days > 90 and orders >= 1' });
    expect(a).toMatchObject({ as_of: LATEST });
    expect(a.size).toBeGreaterThan(0);
    const now = await stored(a.id);
    // Nothing was stored for the earlier date, which ran without it.
    expect((await stored(a.id, EARLIER)).members).toEqual([]);
    expect(now).toEqual((await rerun([a.id])).get(a.id));
  });
});
