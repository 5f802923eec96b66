import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materializeCustomerFeatures } from '../../src/features/index.js';
import { RFM_SEGMENTS, RFM_TIE_RULE, rfmQuery, rfmSegmentSizes, type RfmSegmentSize } from '../../src/segments/rfm.js';
import { ident, sql } from '../../src/sql/index.js';
import { importFile, presetMapping, type Store } from '../../src/store/index.js';
import { ONLINE_RETAIL, memoryStore, plainSql } from '../helpers.js';

interface RfmRow {
  customer_id: string;
  r: number;
  f: number;
  m: number;
  fm: number;
  segment: string;
}

const segmentOfCell = (r: number, fm: number): string | undefined => RFM_SEGMENTS.find((s) => s.cells.some(([cr, cf]) => cr === r && cf === fm))?.name;

describe('RFM grid', () => {
  it('has the eleven classic segments and partitions the 5 x 5 grid of (R, FM)', () => {
    expect(RFM_SEGMENTS.map((s) => s.name)).toEqual([
      'Champions', 'Loyal', 'Potential Loyalist', 'New', 'Promising', 'Need Attention', 'About to Sleep', 'At Risk', "Can't Lose Them", 'Hibernating', 'Lost',
    ]);
    const seen = new Map<string, string>();
    for (const s of RFM_SEGMENTS) {
      expect(s.cells.length, s.name).toBeGreaterThan(0);
      expect(s.description && s.action, s.name).toBeTruthy();
      for (const [r, fm] of s.cells) {
        expect([r, fm].every((v) => Number.isInteger(v) && v >= 1 && v <= 5), `${s.name} (${r}, ${fm})`).toBe(true);
        const key = `${r},${fm}`;
        expect(seen.get(key), `cell ${key} in ${s.name}`).toBeUndefined();
        seen.set(key, s.name);
      }
    }
    expect(seen.size).toBe(25);
  });

  it('follows the published layout at its corners', () => {
    expect(segmentOfCell(5, 5)).toBe('Champions');
    expect(segmentOfCell(1, 5)).toBe("Can't Lose Them");
    expect(segmentOfCell(1, 1)).toBe('Lost');
    expect(segmentOfCell(5, 1)).toBe('New');
    expect(RFM_TIE_RULE).toMatch(/equal scores/);
  });
});

describe('RFM scores on a handmade table with ties', () => {
  let store: Store;
  // id, recency_days, orders, revenue. Ties everywhere; 0.1 + 0.2 and 0.3 differ in floating point but not in cents.
  const rows: Array<[string, number | null, number, number]> = [
    ['a', 0, 5, 0.1 + 0.2],
    ['b', 0, 3, 0.3],
    ['c', 5, 2, 100],
    ['d', 5, 2, 100],
    ['e', 5, 1, 100],
    ['f', 10, 1, 50],
    ['g', 20, 1, -20],
    ['h', 30, 1, 1000],
    ['i', 30, 1, 1000],
    ['j', 400, 1, 7],
    ['z', null, 0, 0],
  ];

  async function load(table: string, order: typeof rows): Promise<void> {
    await store.run(sql`CREATE TABLE ${ident(table)} (customer_id VARCHAR, recency_days INTEGER, orders INTEGER, revenue DOUBLE)`);
    for (const [id, recency, orders, revenue] of order) {
      await store.run(sql`INSERT INTO ${ident(table)} VALUES (${id}, ${recency}, ${orders}, ${revenue})`);
    }
  }

  beforeAll(async () => {
    store = await memoryStore();
    await load('fwd', rows);
    await load('rev', [...rows].reverse());
  });
  afterAll(() => store.close());

  const scores = async (table: string): Promise<RfmRow[]> => store.all<RfmRow>(sql`SELECT * FROM (${rfmQuery(table)}) ORDER BY customer_id`);

  it('gives equal values equal scores, within 1..5, and skips customers without orders', async () => {
    const got = await scores('fwd');
    expect(got.map((g) => g.customer_id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    const byId = new Map(got.map((g) => [g.customer_id, g]));
    for (const g of got) {
      for (const s of [g.r, g.f, g.m, g.fm]) expect(s >= 1 && s <= 5 && Number.isInteger(s), `${g.customer_id}: ${s}`).toBe(true);
      expect(g.fm).toBe(Math.floor((g.f + g.m + 1) / 2));
      expect(g.segment).toBe(segmentOfCell(g.r, g.fm));
    }
    for (const [x, y] of [['a', 'b'], ['c', 'd'], ['h', 'i']] as const) expect(byId.get(x)).toMatchObject({ r: byId.get(y)!.r, m: byId.get(y)!.m });
    // Worked by hand with score = 1 + floor(5 * k / 10), k = customers strictly worse (n = 10).
    // R: 400 d -> k 0 -> 1; 30 -> k 1 -> 1; 20 -> k 3 -> 2; 10 -> k 4 -> 3; 5 -> k 5 -> 3; 0 -> k 8 -> 5.
    expect(got.map((g) => g.r)).toEqual([5, 5, 3, 3, 3, 3, 2, 1, 1, 1]);
    // F: six one-order customers all get 1 (NTILE would have spread them over 1..3); 2 -> k 6 -> 4; 3 -> k 8 -> 5; 5 -> k 9 -> 5.
    expect(got.map((g) => g.f)).toEqual([5, 5, 4, 4, 1, 1, 1, 1, 1, 1]);
    // M: -20 -> 1; 0.30 (twice) -> k 1 -> 1; 7 -> k 3 -> 2; 50 -> k 4 -> 3; 100 (x3) -> k 5 -> 3; 1000 (x2) -> k 8 -> 5.
    expect(got.map((g) => g.m)).toEqual([1, 1, 3, 3, 3, 3, 1, 5, 5, 2]);
  });

  it('does not depend on row order', async () => {
    expect(await scores('rev')).toEqual(await scores('fwd'));
  });
});

describe('RFM on Online Retail as of 2011-12-10', () => {
  const AS_OF = '2011-12-10 00:00:00';
  const RAW = `read_csv('${ONLINE_RETAIL}', header = true, all_varchar = true, quote = '"', escape = '"')`;
  let store: Store;
  let sizes: RfmSegmentSize[];
  let segments: RfmRow[];

  beforeAll(async () => {
    store = await memoryStore();
    await importFile(store, ONLINE_RETAIL, presetMapping('online-retail'));
    await materializeCustomerFeatures(store, AS_OF, 'rfm_features');
    sizes = await rfmSegmentSizes(store, 'rfm_features');
    segments = await store.all<RfmRow>(sql`SELECT * FROM (${rfmQuery('rfm_features')}) ORDER BY customer_id`);
    const total = sizes.reduce((s, x) => s + x.revenue, 0);
    const table = sizes.map((s) => `${s.segment.padEnd(20)}${String(s.customers).padStart(6)}${((100 * s.revenue) / total).toFixed(1).padStart(8)}%`);
    console.log(['RFM segments, Online Retail as of 2011-12-10', `${'segment'.padEnd(20)}${'cust.'.padStart(6)}${'revenue'.padStart(9)}`, ...table].join('\n'));
  });
  afterAll(() => store.close());

  it('puts every customer with an order in exactly one segment', async () => {
    const counts = await store.one<{ buyers: number; others: number }>(
      sql`SELECT count(*) FILTER (WHERE orders >= 1) AS buyers, count(*) FILTER (WHERE orders = 0) AS others FROM rfm_features`,
    );
    expect(counts!.buyers).toBe(4339);
    expect(counts!.others).toBeGreaterThan(0);
    expect(segments.length).toBe(counts!.buyers);
    expect(new Set(segments.map((s) => s.customer_id)).size).toBe(segments.length);
    expect(segments.every((s) => segmentOfCell(s.r, s.fm) === s.segment)).toBe(true);
    expect(sizes.map((s) => s.segment)).toEqual(RFM_SEGMENTS.map((s) => s.name));
    expect(sizes.reduce((n, s) => n + s.customers, 0)).toBe(counts!.buyers);
    expect(sizes.every((s) => s.customers > 0)).toBe(true);
  });

  it('matches an independent plain-SQL RFM over the raw file, segment by segment and customer by customer', async () => {
    // Written from the raw columns, not from Segmint's tables: orders are distinct non-cancelled invoices, money is every
    // line including cancellations, recency counts from the last non-cancelled invoice. Scores count strictly worse
    // customers per distinct value and cut with integer comparisons; the grid is written out as ranges.
    const expected = await plainSql<{ id: string; segment: string }>(`
      WITH
      lines AS (
        SELECT CustomerID AS id, InvoiceNo AS invoice, InvoiceDate::TIMESTAMP AS ts, Quantity::DOUBLE * UnitPrice::DOUBLE AS amount
        FROM ${RAW} WHERE CustomerID IS NOT NULL AND InvoiceDate::TIMESTAMP < TIMESTAMP '${AS_OF}'
      ),
      c AS (
        SELECT id, count(DISTINCT invoice) FILTER (WHERE invoice NOT LIKE 'C%') AS frequency,
          date_diff('day', (max(ts) FILTER (WHERE invoice NOT LIKE 'C%'))::DATE, DATE '2011-12-10') AS recency,
          round(sum(amount), 2) AS monetary
        FROM lines GROUP BY id HAVING count(*) FILTER (WHERE invoice NOT LIKE 'C%') > 0
      ),
      n AS (SELECT count(*) AS n FROM c),
      -- k = customers with a strictly worse value: a running total over distinct values, minus the value's own group.
      rk AS (SELECT recency, sum(cnt) OVER (ORDER BY recency DESC) - cnt AS k FROM (SELECT recency, count(*) AS cnt FROM c GROUP BY recency)),
      fk AS (SELECT frequency, sum(cnt) OVER (ORDER BY frequency) - cnt AS k FROM (SELECT frequency, count(*) AS cnt FROM c GROUP BY frequency)),
      mk AS (SELECT monetary, sum(cnt) OVER (ORDER BY monetary) - cnt AS k FROM (SELECT monetary, count(*) AS cnt FROM c GROUP BY monetary)),
      s AS (
        SELECT c.id,
          CASE WHEN 5 * rk.k < n THEN 1 WHEN 5 * rk.k < 2 * n THEN 2 WHEN 5 * rk.k < 3 * n THEN 3 WHEN 5 * rk.k < 4 * n THEN 4 ELSE 5 END AS r,
          CASE WHEN 5 * fk.k < n THEN 1 WHEN 5 * fk.k < 2 * n THEN 2 WHEN 5 * fk.k < 3 * n THEN 3 WHEN 5 * fk.k < 4 * n THEN 4 ELSE 5 END AS f,
          CASE WHEN 5 * mk.k < n THEN 1 WHEN 5 * mk.k < 2 * n THEN 2 WHEN 5 * mk.k < 3 * n THEN 3 WHEN 5 * mk.k < 4 * n THEN 4 ELSE 5 END AS m
        FROM c CROSS JOIN n JOIN rk USING (recency) JOIN fk USING (frequency) JOIN mk USING (monetary)
      ),
      g AS (SELECT id, r, (f + m + 1) // 2 AS fm FROM s)
      SELECT id, CASE
          WHEN r = 5 AND fm >= 4 THEN 'Champions'
          WHEN r IN (3, 4) AND fm >= 4 THEN 'Loyal'
          WHEN r >= 4 AND fm IN (2, 3) THEN 'Potential Loyalist'
          WHEN r = 5 AND fm = 1 THEN 'New'
          WHEN r = 4 AND fm = 1 THEN 'Promising'
          WHEN r = 3 AND fm = 3 THEN 'Need Attention'
          WHEN r = 3 AND fm <= 2 THEN 'About to Sleep'
          WHEN r <= 2 AND fm IN (3, 4) THEN 'At Risk'
          WHEN r <= 2 AND fm = 5 THEN 'Can''t Lose Them'
          WHEN r = 2 AND fm <= 2 THEN 'Hibernating'
          WHEN r = 1 AND fm <= 2 THEN 'Lost'
        END AS segment
      FROM g ORDER BY id`);

    const expectedSizes = new Map<string, number>();
    for (const e of expected) expectedSizes.set(e.segment, (expectedSizes.get(e.segment) ?? 0) + 1);
    expect(Object.fromEntries(sizes.map((s) => [s.segment, s.customers]))).toEqual(Object.fromEntries(RFM_SEGMENTS.map((s) => [s.name, expectedSizes.get(s.name) ?? 0])));
    expect(segments.map((s) => [s.customer_id, s.segment])).toEqual(expected.map((e) => [e.id, e.segment]));
  });
});
