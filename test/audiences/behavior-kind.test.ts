import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audienceListing, classifyCustomers, createAudience, explainCustomer, listAudiences, updateAudience } from '../../src/audiences/index.js';
import { behaviorFamily } from '../../src/audiences/behavior-family.js';
import { CUSTOMER_BEHAVIORS, DEFAULT_MIN_ORDERS } from '../../src/behaviors/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { loadModel } from '../../src/clusters/index.js';
import { fitOnLatestRun, runPipeline } from '../../src/pipeline/index.js';
import { RFM_SEGMENTS, SMART_SEGMENTS } from '../../src/segments/index.js';
import { sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

/**
 * The suggested behaviors as audiences of kind `behavior`: a run stores each one's members (score >= 0.5) with their
 * score and reasons, as its own scores table says; live answers and explain score one customer from their features
 * against the yardsticks the run kept, and agree with the run member by member.
 */
const dir = tempDir();
const RUN = '2026-11-01 00:00:00';
const LATER = '2026-11-15 00:00:00';
let store: Store;

type Row = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const idOf = (behavior: string): string => `behavior-${behavior}`;

beforeAll(async () => {
  const files = await generateDemo({ customers: 2_500, seed: 8, outDir: join(dir.path, 'demo') });
  store = await Store.open({ path: join(dir.path, 'shop.duckdb') });
  await importDemoFiles(store, files);
  await runPipeline(store, RUN);
}, 300_000);

afterAll(() => {
  store.close();
  dir.cleanup();
});

async function members(audienceId: string, asOf = RUN): Promise<Array<{ customer_id: string; score: number; reasons: string }>> {
  return store.all(sql`SELECT customer_id, score, reasons FROM memberships WHERE audience_id = ${audienceId} AND as_of = CAST(${asOf} AS TIMESTAMP) ORDER BY customer_id`);
}

describe('suggested behaviors as an audience kind', () => {
  it('are built-in audiences, one per suggested customer behavior, listed with their sizes at the run', async () => {
    const listed = (await audienceListing(store, 1)).filter((a) => a.kind === 'behavior');
    expect(listed.map((a) => a.id)).toEqual(CUSTOMER_BEHAVIORS.map((b) => idOf(b.id)));
    expect(listed.map((a) => a.name)).toEqual(CUSTOMER_BEHAVIORS.map((b) => `Behavior: ${b.name}`));
    const customers = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM customer_features`))!.n;
    for (const a of listed) {
      expect(a.as_of, a.id).toBe(RUN);
      // Each splits the customers: some members, far from everyone.
      expect(a.size!, a.id).toBeGreaterThan(0);
      expect(a.size!, a.id).toBeLessThan(customers / 2);
      const spec = CUSTOMER_BEHAVIORS.find((b) => idOf(b.id) === a.id)!;
      expect(a.definition_text, a.id).toBe(`score >= 0.5: a lean of at least ${spec.cutoff} on ${spec.signals.map((x) => `${x.signal} (${x.weight})`).join(', ')}`);
    }
  });

  it('store as members at each run exactly the customers scoring 0.5 or more, with their score and reasons', async () => {
    for (const spec of CUSTOMER_BEHAVIORS) {
      const scored = await store.all<{ customer_id: string; score: number; reasons: string }>(sql`
        SELECT customer_id, score, reasons FROM customer_behaviors WHERE behavior = ${spec.id} AND score >= 0.5 ORDER BY customer_id`);
      const stored = await members(idOf(spec.id));
      expect(stored, spec.id).toEqual(scored);
      // Only customers with the orders the spec needs are scored at all.
      const few = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM memberships m JOIN customer_features f USING (customer_id)
        WHERE m.audience_id = ${idOf(spec.id)} AND m.as_of = CAST(${RUN} AS TIMESTAMP) AND f.orders < ${spec.min_orders ?? DEFAULT_MIN_ORDERS}`);
      expect(few!.n, spec.id).toBe(0);
    }
  });

  it('are answered live as the run stored them: every customer, the same behaviors with the same reasons', async () => {
    const ids = (await store.all<{ id: string }>(sql`SELECT customer_id AS id FROM customer_features ORDER BY 1`)).map((r) => r.id);
    const live = await classifyCustomers(store, ids);
    const stored = await store.all<{ customer_id: string; audience_id: string; reasons: string }>(sql`
      SELECT m.customer_id, m.audience_id, m.reasons FROM memberships m JOIN audiences a ON a.id = m.audience_id
      WHERE a.kind = 'behavior' AND m.as_of = CAST(${RUN} AS TIMESTAMP) ORDER BY 1, 2`);
    const answered = [...live].flatMap(([customer_id, list]) =>
      list.filter((a) => a.kind === 'behavior').map((a) => ({ customer_id, audience_id: a.id, reasons: a.reasons })),
    );
    answered.sort((x, y) => x.customer_id.localeCompare(y.customer_id) || x.audience_id.localeCompare(y.audience_id));
    expect(stored.length).toBeGreaterThan(500);
    expect(answered).toEqual(stored);
  });

  it('explain a customer signal by signal: their values against the run’s yardsticks make the lean that decides', async () => {
    const yardsticks = new Map(
      (await store.all<{ signal: string; median: number; scale: number | null }>(sql`SELECT signal, median, scale FROM behavior_signal_stats WHERE as_of = CAST(${RUN} AS TIMESTAMP)`)).map((r) => [r.signal, r]),
    );
    const spec = CUSTOMER_BEHAVIORS.find((b) => b.id === 'value_hunters')!;
    const member = (await members(idOf(spec.id)))[0]!.customer_id;
    // Scored (enough orders, a discount share) but not a member.
    const outsider = (await store.one<{ id: string }>(sql`SELECT customer_id AS id FROM customer_features
      WHERE orders >= ${spec.min_orders ?? DEFAULT_MIN_ORDERS} AND discount_share IS NOT NULL
        AND customer_id NOT IN (SELECT customer_id FROM customer_behaviors WHERE behavior = ${spec.id}) ORDER BY customer_id LIMIT 1`))!.id;
    for (const [customer, isMember] of [[member, true], [outsider, false]] as const) {
      const e = (await explainCustomer(store, customer, { audience: idOf(spec.id) })).audiences[0]!;
      expect(e.member).toBe(isMember);
      expect(e.clauses).toHaveLength(spec.signals.length + 1);
      const features = (await store.one<Row>(sql`SELECT * FROM customer_features WHERE customer_id = ${customer}`))!;
      // The lean recomputed here from the customer's own values and the stored yardsticks.
      let lean = 0;
      spec.signals.forEach((x, i) => {
        expect(e.clauses[i]!.clause).toMatch(new RegExp(`^${x.signal} \\(weight ${x.weight}`));
        if (num(features[x.signal]) === null) expect(e.clauses[i]!.value).toBeNull();
        else expect(e.clauses[i]!.value as number).toBeCloseTo(num(features[x.signal])!, 9);
        const y = yardsticks.get(x.signal)!;
        const v = num(features[x.signal]);
        lean += v === null || y.scale === null ? 0 : x.weight * Math.max(-3, Math.min(3, (v - y.median) / y.scale));
      });
      lean /= spec.signals.reduce((t, x) => t + Math.abs(x.weight), 0);
      const last = e.clauses.at(-1)!;
      expect(last.clause).toMatch(new RegExp(`^lean >= ${spec.cutoff} `));
      expect(last.value as number).toBeCloseTo(lean, 9);
      expect(last.held).toBe(isMember);
      expect(last.gap === null).toBe(isMember);
      if (!isMember) expect(last.gap!).toBeCloseTo(spec.cutoff - lean, 9);
    }
  });

  it('follow a deactivation: left out of the next run and of live answers, and back once activated', async () => {
    const id = idOf('comfort_seekers');
    const someone = (await members(id))[0]!.customer_id;
    await updateAudience(store, id, { active: false });
    await runPipeline(store, LATER);
    expect(await members(id, LATER)).toEqual([]);
    expect((await members(idOf('value_hunters'), LATER)).length).toBeGreaterThan(0);
    expect((await classifyCustomers(store, [someone])).get(someone)!.some((a) => a.id === id)).toBe(false);
    await updateAudience(store, id, { active: true });
    await runPipeline(store, LATER);
    expect((await members(id, LATER)).length).toBeGreaterThan(0);
    expect((await listAudiences(store)).find((a) => a.id === id)!.active).toBe(true);
  });
});

describe('the behavioral clusters and the suggested behaviors', () => {
  it('agree where they share a name, once the behavioral clustering is fitted', async () => {
    await fitOnLatestRun(store, 'behavior', { seed: 1 });
    const agreement = await store.all<{ name: string; size: number; high: number }>(sql`
      SELECT c.name, count(*) AS size, count(*) FILTER (WHERE b.audience_id IS NOT NULL) AS high
      FROM audiences c JOIN memberships m ON m.audience_id = c.id AND m.as_of = CAST(${LATER} AS TIMESTAMP)
      JOIN audiences beh ON beh.name = 'Behavior: ' || replace(c.name, 'Behavior cluster: ', '')
      LEFT JOIN memberships b ON b.audience_id = beh.id AND b.customer_id = m.customer_id AND b.as_of = m.as_of
      WHERE c.kind = 'cluster' AND c.active AND c.name LIKE 'Behavior cluster: %' GROUP BY c.name`);
    expect(agreement.length).toBeGreaterThanOrEqual(3);
    for (const a of agreement) expect(a.high / a.size, a.name).toBeGreaterThan(0.5);
  });
});

describe('one name, one meaning', () => {
  it('no suggested behavior or behavioral cluster takes the name of a smart segment or an RFM group', async () => {
    const taken = new Set([...SMART_SEGMENTS, ...RFM_SEGMENTS].map((s) => s.name));
    expect(CUSTOMER_BEHAVIORS.filter((b) => taken.has(b.name)).map((b) => b.name)).toEqual([]);
    const clusters = (await loadModel(store, 'behavior'))!.clusters.map((c) => c.name);
    expect(clusters.length).toBeGreaterThanOrEqual(3);
    expect(clusters.filter((n) => taken.has(n))).toEqual([]);
  });
});

describe('the behaviors family', () => {
  it('describes the scores of the latest run, also after an earlier date was run again and the latest features made anew', async () => {
    // The latest run is LATER; running RUN again leaves its features and scores, and creating an audience then makes
    // the latest run's features again (computeAtLatestRun), not its scores.
    await runPipeline(store, RUN);
    await createAudience(store, { name: 'Any buyer', rule: 'orders >= 1' });
    const family = await behaviorFamily(store, 'customers');
    expect(family.as_of).toBe(LATER);
    const sizes = await store.all<{ audience_id: string; size: number }>(sql`SELECT audience_id, size FROM audience_runs WHERE as_of = CAST(${LATER} AS TIMESTAMP)`);
    const sizeOf = new Map(sizes.map((r) => [r.audience_id, r.size]));
    for (const b of family.suggested) expect(b.size, b.id).toBe(sizeOf.get(b.audience_id!));
    const earlier = new Map((await store.all<{ audience_id: string; size: number }>(sql`SELECT audience_id, size FROM audience_runs WHERE as_of = CAST(${RUN} AS TIMESTAMP)`)).map((r) => [r.audience_id, r.size]));
    // The two dates differ, so the check above tells them apart.
    expect(family.suggested.some((b) => earlier.get(b.audience_id!) !== b.size)).toBe(true);
  });
});
