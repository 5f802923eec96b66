/**
 * Customer lifetime value over a horizon: expected spend per purchase (Gamma-Gamma) times expected purchases
 * (BG/NBD), month by month, each month's purchases discounted to today, as in Fader, Hardie & Lee (2005) and the
 * usual implementations: CLV = E[M] * sum over months k of (E[X(t_k)] - E[X(t_k-1)]) / (1 + d)^k.
 */
import { z } from 'zod';
import { ValidationError } from '../../shared/errors.js';
import { expectedIfAlive, pAlive, type BgNbdParams, type Frequency } from './bgnbd.js';
import { expectedSpend, type GammaGammaParams } from './gamma-gamma.js';
import { UNIT_DAYS, type TimeUnit } from './summary.js';

export interface ClvModel {
  unit: TimeUnit;
  bgnbd: BgNbdParams;
  gammaGamma: GammaGammaParams;
}

/** A discount rate per month or per year (compounded monthly: (1 + yearly) = (1 + monthly)^12). */
export const discountSchema = z.object({ rate: z.number().describe('0.1 is 10%'), per: z.enum(['month', 'year']) });
export type Discount = z.infer<typeof discountSchema>;

export const DEFAULT_DISCOUNT: Discount = { rate: 0.1, per: 'year' };
export const MONTH_DAYS = 365 / 12;

export interface Horizons {
  /** Expected orders over this many days (default 90). */
  ordersDays?: number;
  /** CLV over this many days (default 365). */
  clvDays?: number;
  discount?: Discount;
}

export function monthlyRate(d: Discount): number {
  if (!(d.rate >= 0 && Number.isFinite(d.rate))) throw new ValidationError(`discount rate: ${d.rate} is not a rate >= 0`, { discount: d.rate });
  return d.per === 'month' ? d.rate : Math.pow(1 + d.rate, 1 / 12) - 1;
}

/**
 * sum over months k of (E[X(t_k) | alive] - E[X(t_k-1) | alive]) / (1 + d)^k for t_k = min(k months, horizon); a last
 * part-month is discounted by its fraction of a month. Multiplied by P(alive) and E[M] it is the CLV.
 */
function discountedIfAlive(p: BgNbdParams, x: number, T: number, horizon: number, monthUnits: number, monthly: number): number {
  let total = 0;
  let before = 0;
  for (let k = 1; ; k++) {
    const t = Math.min(k * monthUnits, horizon);
    const now = expectedIfAlive(p, x, T, t);
    total += (now - before) / Math.pow(1 + monthly, t / monthUnits);
    before = now;
    if (t >= horizon) return total;
  }
}

export interface Scores {
  pAlive: Float64Array;
  expectedOrders: Float64Array;
  expectedSpend: Float64Array;
  /** P(alive) times the discounted purchases expected over the CLV horizon: the CLV is this times the expected spend. */
  discounted: Float64Array;
  clv: Float64Array;
}

/**
 * Scores many customers at once. Everything but P(alive) and E[M] depends on (x, T) alone, and customers share
 * few of those pairs (a store with a year or two of daily data has tens of thousands), so the hypergeometric series
 * run once per pair. `monetary` is NaN for customers without a known repeat spend: they get the population mean.
 */
export function scoreCustomers(model: ClvModel, d: Frequency & { monetary: Float64Array }, horizons: Horizons = {}): Scores {
  const { bgnbd, gammaGamma } = model;
  const unitDays = UNIT_DAYS[model.unit];
  const ordersT = (horizons.ordersDays ?? 90) / unitDays;
  const clvT = (horizons.clvDays ?? 365) / unitDays;
  const monthUnits = MONTH_DAYS / unitDays;
  const monthly = monthlyRate(horizons.discount ?? DEFAULT_DISCOUNT);
  const n = d.x.length;
  const out: Scores = { pAlive: new Float64Array(n), expectedOrders: new Float64Array(n), expectedSpend: new Float64Array(n), discounted: new Float64Array(n), clv: new Float64Array(n) };
  const cache = new Map<number, Map<number, [number, number]>>();
  for (let i = 0; i < n; i++) {
    const x = d.x[i]!;
    const T = d.T[i]!;
    let byT = cache.get(x);
    if (!byT) cache.set(x, (byT = new Map<number, [number, number]>()));
    let ifAlive = byT.get(T);
    if (!ifAlive) byT.set(T, (ifAlive = [expectedIfAlive(bgnbd, x, T, ordersT), discountedIfAlive(bgnbd, x, T, clvT, monthUnits, monthly)]));
    const alive = pAlive(bgnbd, x, d.tx[i]!, T);
    const m = d.monetary[i]!;
    const spend = m > 0 ? expectedSpend(gammaGamma, x, m) : expectedSpend(gammaGamma, 0, 0);
    out.pAlive[i] = alive;
    out.expectedOrders[i] = alive * ifAlive[0];
    out.expectedSpend[i] = spend;
    out.discounted[i] = alive * ifAlive[1];
    out.clv[i] = out.discounted[i]! * spend;
  }
  return out;
}
