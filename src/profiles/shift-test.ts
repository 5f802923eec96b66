import { chiSquareSurvival } from '../models/index.js';

/**
 * new_behavior, decided by a test and never by a narrator: is the mix of what the customer looked at recently (product
 * views and add-to-carts in the last RECENT_DAYS days) different from the mix of what they bought (order units)?
 *
 * For each dimension (category, occasion, price tier), a G-test of homogeneity on the 2 x K table of history and recent
 * counts (K the values seen on either side): G = 2 * sum O ln(O / E), compared with a chi-square of K - 1 degrees of
 * freedom. The customer shows new behavior when, in some dimension, p < ALPHA / dimensions (Bonferroni over the
 * dimensions tested) and the value that gained most takes at least MIN_GAIN more of the recent mix than of the
 * purchases: the test says the difference is not chance, the gain says it is large enough to act on. Below
 * MIN_HISTORY units bought or MIN_RECENT recent views and carts there is not enough data to say, and the answer is false.
 * Searches are not counted on their own: the views that follow a search in its session carry what was looked for.
 */
const ALPHA = 0.05;
const MIN_GAIN = 0.25;
const MIN_HISTORY = 3;
const MIN_RECENT = 8;

export interface DimensionCounts {
  dimension: string;
  history: Record<string, number>;
  recent: Record<string, number>;
}

export interface ShiftTest {
  method: string;
  newBehavior: boolean;
  enoughData: boolean;
  /** The dimension reported: the flagged one, else the one with the smallest p-value. */
  dimension: string | null;
  statistic: number | null;
  df: number | null;
  pValue: number | null;
  /** The p-value a dimension must fall below (ALPHA / dimensions tested). */
  threshold: number;
  historyN: number;
  recentN: number;
  /** The value whose share grew most from the purchases to the recent mix. */
  change: { value: string; recentShare: number; historyShare: number } | null;
}

const METHOD = `G-test of homogeneity of recent views and add-to-carts against bought units, per dimension (category, occasion, price tier); new behavior when p < ${ALPHA} / dimensions and the value that gained most gained at least ${MIN_GAIN * 100} points of share, with at least ${MIN_HISTORY} units bought and ${MIN_RECENT} recent views and carts`;

interface DimensionResult {
  dimension: string;
  statistic: number;
  df: number;
  pValue: number;
  historyN: number;
  recentN: number;
  change: ShiftTest['change'];
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((s, n) => s + n, 0);
}

function gTest(c: DimensionCounts): DimensionResult {
  const values = [...new Set([...Object.keys(c.history), ...Object.keys(c.recent)])].sort();
  const historyN = sum(c.history);
  const recentN = sum(c.recent);
  const n = historyN + recentN;
  let g = 0;
  let change: ShiftTest['change'] = null;
  let best = -Infinity;
  for (const value of values) {
    const h = c.history[value] ?? 0;
    const r = c.recent[value] ?? 0;
    const column = h + r;
    for (const [observed, rowTotal] of [[h, historyN], [r, recentN]] as const) {
      if (observed > 0) g += 2 * observed * Math.log(observed / ((rowTotal * column) / n));
    }
    const gain = (recentN > 0 ? r / recentN : 0) - (historyN > 0 ? h / historyN : 0);
    if (gain > best) {
      best = gain;
      change = { value, recentShare: recentN > 0 ? r / recentN : 0, historyShare: historyN > 0 ? h / historyN : 0 };
    }
  }
  const df = Math.max(values.length - 1, 0);
  return { dimension: c.dimension, statistic: g, df, pValue: df > 0 ? chiSquareSurvival(g, df) : 1, historyN, recentN, change };
}

export function shiftTest(dimensions: readonly DimensionCounts[]): ShiftTest {
  const threshold = ALPHA / Math.max(dimensions.length, 1);
  const results = dimensions.map(gTest).filter((r) => r.historyN > 0 || r.recentN > 0);
  const enough = results.filter((r) => r.historyN >= MIN_HISTORY && r.recentN >= MIN_RECENT);
  const flagged = enough.filter((r) => r.pValue < threshold && r.change !== null && r.change.recentShare - r.change.historyShare >= MIN_GAIN);
  const pick = [...(flagged.length ? flagged : enough)].sort((a, b) => a.pValue - b.pValue)[0];
  const totals = results[0] ?? { historyN: 0, recentN: 0 };
  return {
    method: METHOD,
    newBehavior: flagged.length > 0,
    enoughData: enough.length > 0,
    dimension: pick?.dimension ?? null,
    statistic: pick?.statistic ?? null,
    df: pick?.df ?? null,
    pValue: pick ? Number(pick.pValue.toPrecision(3)) : null,
    threshold,
    historyN: pick?.historyN ?? totals.historyN,
    recentN: pick?.recentN ?? totals.recentN,
    change: pick?.change ?? null,
  };
}
