/**
 * The classic RFM score map over the customer feature table (features/compute.ts materializeCustomerFeatures).
 *
 * Scores. Only customers with an order (orders >= 1) are scored; the rest get no scores and no segment. R comes from
 * recency_days (fewer days is better), F from orders, M from revenue (net of returns). Each score is
 *   score = 1 + floor(5 * (rank - 1) / n)
 * where n is the number of scored customers and rank is `rank()` (the smallest rank of a tie group) with the worst
 * value first, so rank - 1 is the number of customers with a strictly worse value: a customer's score is the fifth
 * of the customer base they strictly beat.
 * Why this and not NTILE: real data ties heavily (in Online Retail about a third of customers have exactly one order),
 * and NTILE would split such a group across scores by row order. Ranking by value alone gives equal values equal
 * scores and no hidden tie-break, so it is deterministic; the price is uneven fifths (F = 1 holds every one-order
 * customer), which is the honest answer when the values do not separate customers. Revenue is compared rounded to
 * the cent, so floating-point noise in a sum cannot split customers who spent the same.
 *
 * Segments. F and M fold into FM = (F + M) / 2 rounded half up, and every cell of the 5 x 5 grid of (R, FM) belongs
 * to exactly one segment, so the segments never overlap and every scored customer is in exactly one. The layout is
 * the widely published R-versus-FM grid; that grid's Hibernating corner is split by recency into Lost (R = 1) and
 * Hibernating (R = 2) to give the eleven classic names.
 */
import { z } from 'zod';
import { FEATURE_TABLE, featureTableAsOf, keptWithFeatureTable } from '../features/index.js';
import { NotFoundError } from '../shared/errors.js';
import { ident, join, round, sql, type Sql } from '../sql/index.js';
import type { Store } from '../store/index.js';

export const RFM_TIE_RULE =
  'Each of R, F and M is 1 + floor(5 * k / n), where n is the number of customers with at least one order and k the number ' +
  'of them with a strictly worse value (more days since the last order for R, fewer orders for F, less net revenue, to the ' +
  'cent, for M). Customers with equal values always get equal scores; a tie group takes the score of the fifth where it ' +
  'starts, so fifths can be uneven. FM is (F + M) / 2 rounded half up.';

export interface RfmSegment {
  name: string;
  description: string;
  action: string;
  /** The (R score, FM score) cells of the grid that make up the segment. */
  cells: Array<[r: number, fm: number]>;
}

/** Every (R, FM) pair with r in `rs` and fm in `fms`. */
const block = (rs: readonly number[], fms: readonly number[]): Array<[number, number]> => rs.flatMap((r) => fms.map((fm): [number, number] => [r, fm]));

/*
 * The grid (rows FM 5 to 1, columns R 1 to 5):
 *   FM 5  Can't Lose Them  Can't Lose Them  Loyal           Loyal               Champions
 *   FM 4  At Risk          At Risk          Loyal           Loyal               Champions
 *   FM 3  At Risk          At Risk          Need Attention  Potential Loyalist  Potential Loyalist
 *   FM 2  Lost             Hibernating      About to Sleep  Potential Loyalist  Potential Loyalist
 *   FM 1  Lost             Hibernating      About to Sleep  Promising           New
 * Listed from the customers most worth keeping to the least; rfmSegmentSizes reports in this order.
 */
export const RFM_SEGMENTS: ReadonlyArray<RfmSegment> = [
  { name: 'Champions', description: 'Bought very recently, often and for a lot', action: 'Reward them; early access, referrals and reviews', cells: block([5], [4, 5]) },
  { name: 'Loyal', description: 'Buy often and for a lot, and fairly recently', action: 'Upsell and enrol in loyalty programmes', cells: block([3, 4], [4, 5]) },
  { name: 'Potential Loyalist', description: 'Recent customers with a few orders and average spend', action: 'Offer membership or a loyalty programme; recommend', cells: block([4, 5], [2, 3]) },
  { name: 'New', description: 'Bought most recently, but little and rarely', action: 'Onboard them; build the relationship early', cells: block([5], [1]) },
  { name: 'Promising', description: 'Recent buyers who have not spent much yet', action: 'Create brand awareness; free trials', cells: block([4], [1]) },
  { name: 'Need Attention', description: 'Average on recency, frequency and spend', action: 'Limited-time offers based on their history', cells: block([3], [3]) },
  { name: 'About to Sleep', description: 'Middling recency, low frequency and spend', action: 'Recommend popular products; renewal discounts', cells: block([3], [1, 2]) },
  { name: 'At Risk', description: 'Bought often and for a good amount, but long ago', action: 'Personalised win-back emails and offers', cells: block([1, 2], [3, 4]) },
  { name: "Can't Lose Them", description: 'Were among the biggest and most frequent buyers, but have not come back for long', action: 'Win them back with new products; talk to them', cells: block([1, 2], [5]) },
  { name: 'Hibernating', description: 'Low spend and frequency, last order a good while ago', action: 'Offer relevant products and special discounts', cells: block([2], [1, 2]) },
  { name: 'Lost', description: 'Lowest recency, frequency and spend', action: 'Revive interest with one reach-out campaign, else ignore', cells: block([1], [1, 2]) },
];

/** The grid as a CASE expression over the score columns `r` and `fm` of the surrounding query. */
function segmentCase(): Sql {
  const whens = RFM_SEGMENTS.flatMap((s) => s.cells.map(([r, fm]) => sql`WHEN r = ${r} AND fm = ${fm} THEN ${s.name}`));
  return sql`CASE ${join(whens, ' ')} END`;
}

/** The score of one value: the fifth of scored customers with a strictly worse value, plus one. */
const score = (value: Sql, worstFirst: 'ASC' | 'DESC'): Sql =>
  sql`1 + CAST(floor(CAST(5 * (rank() OVER (ORDER BY ${value} ${worstFirst === 'ASC' ? sql`ASC` : sql`DESC`}) - 1) AS DOUBLE) / count(*) OVER ()) AS INTEGER)`;

/** One row per customer with at least one order in `featureTable`: customer_id, r, f, m, fm, segment. */
export function rfmQuery(featureTable: string): Sql {
  return sql`WITH
scored AS (
  SELECT customer_id,
    ${score(sql`recency_days`, 'DESC')} AS r,
    ${score(sql`orders`, 'ASC')} AS f,
    -- Compared to the cent: revenue is a floating-point sum, and noise in its last bits must not split a tie.
    ${score(round(sql`revenue`, 2), 'ASC')} AS m
  FROM ${ident(featureTable)}
  WHERE orders >= 1
),
folded AS (SELECT customer_id, r, f, m, CAST(floor((f + m + 1) / 2.0) AS INTEGER) AS fm FROM scored)
SELECT customer_id, r, f, m, fm, ${segmentCase()} AS segment FROM folded`;
}

export interface RfmSegmentSize {
  segment: string;
  customers: number;
  /** Net revenue of the segment's customers. */
  revenue: number;
}

/** Customers and revenue per segment, in RFM_SEGMENTS order; empty segments are listed with zeros. */
export async function rfmSegmentSizes(store: Store, featureTable: string): Promise<RfmSegmentSize[]> {
  const rows = await store.all<{ segment: string; customers: number; revenue: number | null }>(sql`
    SELECT s.segment, count(*) AS customers, sum(f.revenue) AS revenue
    FROM (${rfmQuery(featureTable)}) s JOIN ${ident(featureTable)} f USING (customer_id)
    GROUP BY s.segment`);
  const bySegment = new Map(rows.map((r) => [r.segment, r]));
  return RFM_SEGMENTS.map(({ name }) => {
    const row = bySegment.get(name);
    return { segment: name, customers: row?.customers ?? 0, revenue: row?.revenue ?? 0 };
  });
}

export const rfmGridSchema = z.object({
  as_of: z.string().describe('the run whose features were scored (the run computed last)'),
  cells: z.array(
    z.object({
      r: z.number().describe('recency score, 1 (longest ago) to 5'),
      fm: z.number().describe('frequency-monetary score, 1 to 5'),
      segment: z.string(),
      customers: z.number(),
      revenue: z.number(),
    }),
  ).describe('all 25 cells of the grid, empty ones with zeros'),
});
export type RfmGrid = z.infer<typeof rfmGridSchema>;

/** Customers and revenue in each (R, FM) cell of the map, all 25 of them, by segment order. */
export async function rfmGrid(store: Store, featureTable: string, asOf: string): Promise<RfmGrid> {
  const rows = await store.all<{ r: number; fm: number; customers: number; revenue: number | null }>(sql`
    SELECT s.r, s.fm, count(*) AS customers, sum(f.revenue) AS revenue
    FROM (${rfmQuery(featureTable)}) s JOIN ${ident(featureTable)} f USING (customer_id)
    GROUP BY s.r, s.fm`);
  const byCell = new Map(rows.map((c) => [`${c.r},${c.fm}`, c]));
  const cells = RFM_SEGMENTS.flatMap((s) =>
    s.cells.map(([r, fm]) => {
      const c = byCell.get(`${r},${fm}`);
      return { r, fm, segment: s.name, customers: c?.customers ?? 0, revenue: c?.revenue ?? 0 };
    }),
  );
  return { as_of: asOf, cells };
}

/**
 * The RFM map of the feature table (the run computed last), as GET /v1/rfm answers it: worked out once per table,
 * by the run that computes it: ranking every buyer three times grows with the customers, and the Segments page
 * asks for it at every visit.
 */
export async function featureTableRfmGrid(store: Store): Promise<RfmGrid> {
  const asOf = await featureTableAsOf(store);
  if (!asOf) throw new NotFoundError('no run yet: run `segmint run` (or POST /v1/runs) first');
  return keptWithFeatureTable(store, 'rfm.grid', () => rfmGrid(store, FEATURE_TABLE, asOf));
}
