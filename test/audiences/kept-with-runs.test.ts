import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audienceListing, createAudience, movement, nearDuplicates, updateAudience, type Movement } from '../../src/audiences/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { sql } from '../../src/sql/index.js';
import { eraseCustomer, type Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';

/**
 * Movement and the near-duplicate flags are kept between visits (they join a run's members with each other): a kept
 * answer must be the one computed afresh, and must change when the snapshots it read change — an audience defined at
 * the latest run, a rerun of a date, an erasure.
 */

const dir = tempDir();
const EARLIER = '2026-08-01 00:00:00';
const LATEST = '2026-11-01 00:00:00';
let store: Store;

/** The answer computed afresh: nothing kept in the settings. */
async function fresh<T>(compute: () => Promise<T>): Promise<T> {
  await store.run(sql`DELETE FROM settings WHERE key LIKE 'movement.%' OR key LIKE 'audiences.near_duplicates.%'`);
  return compute();
}

const total = (m: Movement): number => m.matrix.flat().reduce((a, b) => a + b, 0);

beforeAll(async () => {
  const files = await generateDemo({ customers: 400, seed: 12, outDir: dir.path });
  store = await memoryStore();
  await importDemoFiles(store, files);
  await runPipeline(store, EARLIER);
  await runPipeline(store, LATEST);
}, 120_000);

afterAll(() => {
  store.close();
  dir.cleanup();
});

describe('answers kept with the runs', () => {
  it('keeps the answer computed afresh, and returns it from the settings at the next visit', async () => {
    const computed = await fresh(() => movement(store, EARLIER, LATEST, 'rfm'));
    // Discriminating: customers moved between cells.
    expect(computed.matrix.some((row, i) => row.some((n, j) => i !== j && n > 0))).toBe(true);
    const kept = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM settings WHERE key LIKE 'movement.rfm.%'`);
    expect(kept?.n).toBe(1);
    expect(await movement(store, EARLIER, LATEST, 'rfm')).toEqual(computed);
  });

  it('flags an audience defined at the latest run as the near-duplicate of the one it copies', async () => {
    const before = await nearDuplicates(store, LATEST);
    const copy = await createAudience(store, { name: 'Two orders or more', rule: 'orders >= 2' });
    const twin = await createAudience(store, { name: 'At least two orders', rule: 'orders > 1' });
    expect(copy.size).toBeGreaterThan(0);
    const after = await nearDuplicates(store, LATEST);
    expect(after).toContainEqual({ a: twin.id, b: copy.id, jaccard: 1 });
    expect(after.length).toBe(before.length + 1);
    expect(after).toEqual(await fresh(() => nearDuplicates(store, LATEST)));
    const listed = await audienceListing(store, 1);
    expect(listed.find((a) => a.id === copy.id)?.flags.map((f) => f.flag)).toContain('near_duplicate');
    // Changed so they differ: the flag goes.
    await updateAudience(store, twin.id, { rule: 'orders > 3' });
    expect(await nearDuplicates(store, LATEST)).not.toContainEqual(expect.objectContaining({ a: twin.id, b: copy.id }));
  });

  it('counts an erased customer no more', async () => {
    const before = await movement(store, EARLIER, LATEST, 'rfm');
    const member = await store.one<{ customer_id: string }>(sql`SELECT customer_id FROM memberships
      WHERE as_of = CAST(${LATEST} AS TIMESTAMP) AND audience_id LIKE 'rfm-%' ORDER BY customer_id LIMIT 1`);
    await eraseCustomer(store, member!.customer_id);
    const after = await movement(store, EARLIER, LATEST, 'rfm');
    expect(total(after)).toBe(total(before) - 1);
    expect(after).toEqual(await fresh(() => movement(store, EARLIER, LATEST, 'rfm')));
  });

  it('answers a rerun of a date from its new snapshot', async () => {
    const before = await movement(store, EARLIER, LATEST, 'smart');
    const largest = [...before.audiences].sort((a, b) => b.size_to - a.size_to)[0]!;
    expect(largest.size_to).toBeGreaterThan(0);
    // A rerun stores only active audiences: the deactivated one has no members at the new snapshot.
    await updateAudience(store, largest.id, { active: false });
    await runPipeline(store, LATEST);
    const after = await movement(store, EARLIER, LATEST, 'smart');
    expect(after.audiences.find((a) => a.id === largest.id)).toMatchObject({ size_from: largest.size_from, size_to: 0 });
    expect(after).toEqual(await fresh(() => movement(store, EARLIER, LATEST, 'smart')));
  });
});
