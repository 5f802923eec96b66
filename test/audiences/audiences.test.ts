import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audienceListing, createAudience, deleteAudience, explainCustomer, listAudiences, movement, overlap, updateAudience } from '../../src/audiences/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { rfmSegmentSizes } from '../../src/segments/index.js';
import { sql } from '../../src/sql/index.js';
import { importFile, presetMapping, type Store } from '../../src/store/index.js';
import { ONLINE_RETAIL, memoryStore, plainSql, tempDir } from '../helpers.js';
import { runPipeline } from '../../src/pipeline/index.js';

const AS_OF = '2011-12-10 00:00:00';

describe('audiences on Online Retail as of 2011-12-10', () => {
  let store: Store;
  let sizes: Map<string, number>;
  beforeAll(async () => {
    store = await memoryStore();
    await importFile(store, ONLINE_RETAIL, presetMapping('online-retail'));
    const report = await runPipeline(store, AS_OF);
    sizes = new Map(report.audiences.map((a) => [a.name, a.size]));
  });
  afterAll(() => store.close());

  it('puts every customer with an order in exactly one RFM segment', async () => {
    const buyers = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM customer_features WHERE orders >= 1`);
    const rfm = [...sizes].filter(([name]) => name.startsWith('RFM: '));
    expect(rfm).toHaveLength(11);
    expect(rfm.reduce((s, [, n]) => s + n, 0)).toBe(buyers!.n);
    const once = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM (SELECT customer_id FROM memberships m JOIN audiences a ON a.id = m.audience_id
      WHERE a.kind = 'rfm' GROUP BY customer_id HAVING count(*) > 1)`);
    expect(once!.n).toBe(0);
    for (const s of await rfmSegmentSizes(store, 'customer_features')) expect(sizes.get(`RFM: ${s.segment}`)).toBe(s.customers);
  });

  it('sizes smart segments as an independent SQL computation over the raw file does', async () => {
    const [raw] = await plainSql<Record<string, number>>(`
      WITH lines AS (SELECT CustomerID AS id, InvoiceNo AS inv, InvoiceDate::TIMESTAMP AS ts, Quantity::DOUBLE * UnitPrice::DOUBLE AS amount
                     FROM read_csv('${ONLINE_RETAIL}', all_varchar = true) WHERE CustomerID IS NOT NULL AND InvoiceDate::TIMESTAMP < '${AS_OF}'),
      c AS (SELECT id, count(DISTINCT inv) FILTER (WHERE inv NOT LIKE 'C%') AS orders, count(*) FILTER (WHERE inv LIKE 'C%') AS return_lines, sum(amount) AS revenue,
              max(ts) FILTER (WHERE inv NOT LIKE 'C%') AS last_ts, min(ts) FILTER (WHERE inv NOT LIKE 'C%') AS first_ts FROM lines GROUP BY id),
      k AS (SELECT *, date_diff('day', last_ts::DATE, DATE '2011-12-10') AS recency,
              CASE WHEN orders > 1 THEN date_diff('second', first_ts, last_ts) / 86400.0 / (orders - 1) END AS gap FROM c),
      t AS (SELECT least(365, greatest(7, round(median(gap) FILTER (WHERE orders >= 2)))) AS cycle,
              round(quantile_cont(revenue, 0.95) FILTER (WHERE orders >= 1), 2) AS p95 FROM k)
      SELECT count(*) FILTER (WHERE orders = 1) AS one_time, count(*) FILTER (WHERE orders = 0 AND return_lines = 0) AS waiting,
        count(*) FILTER (WHERE orders = 0 AND return_lines > 0) AS returns_only,
        count(*) FILTER (WHERE orders >= 1 AND recency > 4 * t.cycle) AS lost, count(*) FILTER (WHERE revenue >= t.p95) AS richie
      FROM k, t`);
    expect(raw!.one_time).toBeGreaterThan(1000);
    expect(sizes.get('One Time Shoppers')).toBe(raw!.one_time);
    // Customers whose only lines are returns bought before the data begins: not waiting for a first order.
    expect(raw!.returns_only).toBeGreaterThan(0);
    expect(sizes.get('Waiting First Order')).toBe(raw!.waiting);
    expect(sizes.get('Lost Customers')).toBe(raw!.lost);
    expect(sizes.get('Richie Riches')).toBe(raw!.richie);
  });

  it('flags an empty segment no_data when the store lacks what it reads, and too_small when it merely selected nobody', async () => {
    await createAudience(store, { name: 'Recent viewers', rule: 'count(view, last 30 days) >= 1' });
    await createAudience(store, { name: 'Nobody', rule: 'orders >= 100000' });
    await runPipeline(store, AS_OF);
    const listed = new Map((await audienceListing(store, 50)).map((a) => [a.id, a]));
    // Online Retail records no discounts: discount_share is null for everyone.
    expect(listed.get('smart-sleeping-opportunists')).toMatchObject({
      size: 0,
      flags: [{ flag: 'no_data', detail: expect.stringMatching(/^no data: no customer has a value of discount_share at this run \(Share of order lines bought with a discount/) }],
    });
    expect(listed.get('recent-viewers')).toMatchObject({ size: 0, flags: [{ flag: 'no_data', detail: 'no data: the store has no view events before this run' }] });
    // The same emptiness with data behind it is small, not missing data.
    expect(listed.get('nobody')).toMatchObject({ size: 0, flags: [{ flag: 'too_small', detail: '0 members, below the minimum of 50' }] });
    expect(listed.get('smart-waiting-first-order')!.flags).toEqual([{ flag: 'too_small', detail: '0 members, below the minimum of 50' }]);
    expect(listed.get('smart-one-time-shoppers')!.flags).toEqual([]);
    for (const id of ['recent-viewers', 'nobody']) await deleteAudience(store, id);
  });

  it('explains a member clause by clause, and a non-member with the distance to passing', async () => {
    const e = await explainCustomer(store, '12347', { audience: 'One Time Shoppers' });
    expect(e.audiences[0]).toMatchObject({ member: false, clauses: [{ clause: 'orders = 1', held: false, value: 7 }] });
    const a = await createAudience(store, { name: 'Regulars', rule: 'orders >= 10 and recency_days <= 30' });
    await runPipeline(store, AS_OF);
    const x = await explainCustomer(store, '12347', { audience: a.id });
    expect(x.audiences[0]!.member).toBe(false);
    expect(x.audiences[0]!.clauses).toEqual([
      { clause: 'orders >= 10', held: false, value: 7, gap: 3 },
      { clause: 'recency_days <= 30', held: true, value: 3, gap: null },
    ]);
  });
});

describe('audience definitions', () => {
  let store: Store;
  beforeAll(async () => (store = await memoryStore()));
  afterAll(() => store.close());

  it('creates, updates and deletes a rule audience, storing its canonical text', async () => {
    const a = await createAudience(store, { name: 'Shoe lovers', rule: 'COUNT(order WHERE category = "shoes", LAST 90 DAYS) >= 2' });
    expect(a).toMatchObject({ id: 'shoe-lovers', kind: 'rule', definition: { kind: 'rule', text: 'count(order where category = "shoes", last 90 days) >= 2' } });
    await updateAudience(store, a.id, { rule: 'orders >= 2' });
    expect((await listAudiences(store)).find((x) => x.id === a.id)?.definition).toEqual({ kind: 'rule', text: 'orders >= 2' });
    await deleteAudience(store, a.id);
    expect((await listAudiences(store)).some((x) => x.id === a.id)).toBe(false);
  });

  it('refuses bad rules, unknown references and cycles with clear messages', async () => {
    await expect(createAudience(store, { name: 'x', rule: 'recnecy_days < 3' })).rejects.toThrow(/unknown feature "recnecy_days".*recency_days/);
    await expect(createAudience(store, { name: 'x', rule: 'in audience "Nope"' })).rejects.toThrow(/no audience has that name/);
    await createAudience(store, { name: 'A', rule: 'orders >= 1' });
    await createAudience(store, { name: 'B', rule: 'in audience "A"' });
    await expect(updateAudience(store, 'a', { rule: 'in audience "B"' })).rejects.toThrow(/depend on itself: A -> B -> A/);
    await expect(deleteAudience(store, 'a')).rejects.toThrow(/used by "B"/);
    await expect(updateAudience(store, 'smart-active-loyals', { rule: 'orders >= 1' })).rejects.toThrow(/built-in/);
  });
});

describe('audiences on the demo store', () => {
  const dir = tempDir();
  let store: Store;
  const D1 = '2026-05-01 00:00:00';
  const D2 = '2026-11-01 00:00:00';
  beforeAll(async () => {
    const files = await generateDemo({ customers: 3000, seed: 3, outDir: dir.path });
    store = await memoryStore();
    await importDemoFiles(store, files);
    await store.run(sql`CREATE TABLE truth AS SELECT * FROM read_csv(${files.truth}, header = true)`);
    await runPipeline(store, D1);
    await runPipeline(store, D2);
  }, 120_000);
  afterAll(() => {
    store.close();
    dir.cleanup();
  });

  it('recovers the hidden lifecycle states with the smart segments', async () => {
    const rows = await store.all<{ lifecycle: string; segment: string; customers: number }>(sql`
      SELECT t.lifecycle, a.name AS segment, count(*) AS customers FROM truth t
      JOIN memberships m ON m.customer_id = t.customer_id AND m.as_of = CAST(${D2} AS TIMESTAMP)
      JOIN audiences a ON a.id = m.audience_id AND a.kind = 'smart' GROUP BY ALL ORDER BY 1, 3 DESC`);
    const share = (lifecycle: string, segment: string) => {
      const total = rows.filter((r) => r.lifecycle === lifecycle).reduce((s, r) => s + r.customers, 0);
      return (rows.find((r) => r.lifecycle === lifecycle && r.segment === segment)?.customers ?? 0) / Math.max(1, total);
    };
    console.log('lifecycle x smart segment (customers):\n' + rows.map((r) => `${r.lifecycle.padEnd(11)} ${r.segment.padEnd(22)} ${r.customers}`).join('\n'));
    const registered = await store.one<{ total: number; waiting: number }>(sql`SELECT count(*) AS total,
      count(*) FILTER (WHERE customer_id IN (SELECT customer_id FROM memberships WHERE audience_id = 'smart-waiting-first-order' AND as_of = CAST(${D2} AS TIMESTAMP))) AS waiting
      FROM truth WHERE lifecycle = 'registered'`);
    expect(registered!.waiting / registered!.total).toBeGreaterThan(0.95);
    expect(share('churned', 'Lost Customers')).toBeGreaterThan(0.3);
    expect(share('active', 'Lost Customers')).toBe(0);
  });

  it('gives a movement matrix whose rows and columns add up to the two snapshots', async () => {
    for (const kind of ['rfm', 'smart'] as const) {
      const m = await movement(store, D1, D2, kind);
      // Each customer counts once per date, in the first audience of the kind (listing order) they belong to.
      const primarySizes = async (at: string) => {
        const rows = await store.all<{ customer_id: string; audience_id: string }>(sql`SELECT customer_id, audience_id FROM memberships
          WHERE as_of = CAST(${at} AS TIMESTAMP) AND audience_id IN (SELECT id FROM audiences WHERE kind = ${kind})`);
        const first = new Map<string, number>();
        for (const r of rows) {
          const i = m.audiences.findIndex((a) => a.id === r.audience_id);
          first.set(r.customer_id, Math.min(first.get(r.customer_id) ?? Infinity, i));
        }
        return m.audiences.map((_, i) => [...first.values()].filter((x) => x === i).length);
      };
      const rowSums = m.matrix.map((r) => r.reduce((s, x) => s + x, 0));
      const colSums = m.labels.map((_, j) => m.matrix.reduce((s, r) => s + r[j]!, 0));
      const total = rowSums.reduce((s, x) => s + x, 0);
      expect(colSums.reduce((s, x) => s + x, 0)).toBe(total);
      const [from, to] = [await primarySizes(D1), await primarySizes(D2)];
      m.audiences.forEach((a, i) => {
        expect(rowSums[i], a.name).toBe(from[i]);
        expect(colSums[i], a.name).toBe(to[i]);
        // RFM segments never overlap, so there the margins are the segment sizes themselves.
        if (kind === 'rfm') expect([rowSums[i], colSums[i]]).toEqual([a.size_from, a.size_to]);
      });
      for (const a of m.audiences) expect(a.size_to - a.size_from).toBe(a.entered - a.left);
    }
  });

  it('counts every cell of the movement matrix and every flow as the memberships say, overlaps included', async () => {
    const m = await movement(store, D1, D2, 'smart');
    const rows = await store.all<{ customer_id: string; audience_id: string; at: string }>(sql`
      SELECT customer_id, audience_id, strftime(as_of, '%Y-%m-%d %H:%M:%S') AS at FROM memberships
      WHERE as_of IN (CAST(${D1} AS TIMESTAMP), CAST(${D2} AS TIMESTAMP)) AND audience_id IN (SELECT id FROM audiences WHERE kind = 'smart')`);
    const members = (id: string, at: string) => new Set(rows.filter((r) => r.audience_id === id && r.at === at).map((r) => r.customer_id));
    const overlapping = new Set(rows.filter((r) => r.at === D2).map((r) => r.customer_id)).size < rows.filter((r) => r.at === D2).length;
    expect(overlapping).toBe(true);
    for (const a of m.audiences) {
      const [was, is] = [members(a.id, D1), members(a.id, D2)];
      expect(a, a.name).toMatchObject({ size_from: was.size, size_to: is.size, entered: [...is].filter((c) => !was.has(c)).length, left: [...was].filter((c) => !is.has(c)).length });
    }
    // Each customer in the first audience of the listing they belong to at each date, or (none).
    const primary = (at: string) => {
      const first = new Map<string, number>();
      for (const r of rows.filter((x) => x.at === at)) first.set(r.customer_id, Math.min(first.get(r.customer_id) ?? Infinity, m.audiences.findIndex((a) => a.id === r.audience_id)));
      return first;
    };
    const [p1, p2] = [primary(D1), primary(D2)];
    const expected = m.labels.map(() => m.labels.map(() => 0));
    const none = m.labels.length - 1;
    for (const c of new Set([...p1.keys(), ...p2.keys()])) expected[p1.get(c) ?? none]![p2.get(c) ?? none]!++;
    expect(m.matrix).toEqual(expected);
  });

  it('flags as near-duplicates exactly the pairs of audiences over 95% alike, whatever their sizes', async () => {
    // Buyers, and buyers but the longest lapsed 3% (a near-duplicate of different size), or 10% (not one).
    const cut = await store.one<{ p97: number; p90: number }>(sql`SELECT quantile_disc(recency_days, 0.97) AS p97, quantile_disc(recency_days, 0.90) AS p90
      FROM customer_features WHERE orders >= 1`);
    await createAudience(store, { name: 'Buyers', rule: 'orders >= 1' });
    await createAudience(store, { name: 'Buyers but the lapsed', rule: `orders >= 1 and recency_days <= ${cut!.p97}` });
    await createAudience(store, { name: 'Buyers but the sleeping', rule: `orders >= 1 and recency_days <= ${cut!.p90}` });
    try {
      await runPipeline(store, D2);
      const rows = await store.all<{ customer_id: string; audience_id: string }>(sql`SELECT customer_id, audience_id FROM memberships WHERE as_of = CAST(${D2} AS TIMESTAMP)`);
      const sets = new Map<string, Set<string>>();
      for (const r of rows) sets.set(r.audience_id, (sets.get(r.audience_id) ?? new Set()).add(r.customer_id));
      const expected = new Set<string>();
      for (const [a, x] of sets) {
        for (const [b, y] of sets) {
          const both = [...x].filter((c) => y.has(c)).length;
          if (a !== b && both / (x.size + y.size - both) > 0.95) expected.add(`${a} ${b}`);
        }
      }
      expect(expected).toContain('buyers buyers-but-the-lapsed');
      expect(sets.get('buyers-but-the-lapsed')!.size).toBeLessThan(sets.get('buyers')!.size);
      expect(expected).not.toContain('buyers buyers-but-the-sleeping');
      const flagged = new Set(
        (await audienceListing(store, 1)).flatMap((a) => a.flags.filter((f) => f.flag === 'near_duplicate').map((f) => `${a.id} ${/the same as (\S+)$/.exec(f.detail)![1]}`)),
      );
      expect(flagged).toEqual(expected);
    } finally {
      for (const id of ['buyers', 'buyers-but-the-lapsed', 'buyers-but-the-sleeping']) await deleteAudience(store, id);
    }
  });

  it('computes pairwise overlap with Jaccard', async () => {
    const o = await overlap(store, ['Active Loyals', 'Big Spenders', 'Loyals at Risk']);
    expect(o.pairs).toHaveLength(3);
    const p = o.pairs.find((x) => x.a === 'smart-active-loyals' && x.b === 'smart-loyals-at-risk')!;
    expect(p.both).toBe(0); // recent vs lapsed: disjoint by definition
    for (const x of o.pairs) expect(x.jaccard).toBeCloseTo(x.both / (x.size_a + x.size_b - x.both || 1), 9);
    // Each pair's shared members as the stored memberships say, counted here member by member.
    const shared = async (a: string, b: string) =>
      (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM (
        SELECT customer_id FROM memberships WHERE audience_id = ${a} AND as_of = CAST(${o.as_of} AS TIMESTAMP)
        INTERSECT SELECT customer_id FROM memberships WHERE audience_id = ${b} AND as_of = CAST(${o.as_of} AS TIMESTAMP))`))!.n;
    const big = o.pairs.find((x) => x.a === 'smart-active-loyals' && x.b === 'smart-big-spenders')!;
    expect(big.both).toBeGreaterThan(0);
    for (const x of o.pairs) expect(x.both, `${x.a} ${x.b}`).toBe(await shared(x.a, x.b));
  });
});
