/**
 * Feature scaling for clustering, chosen per column from the data.
 *
 * k-means measures squared Euclidean distance, so a column's spread decides its weight. Customer money and counts are
 * heavy-tailed: a few whales would own whole clusters and the rest would collapse into one. So a column whose
 * skewness exceeds 1 (money, order counts) is first mapped with log1p, which turns multiplicative spread into
 * additive spread and keeps 0 at 0; a roughly symmetric one (recency uniform over a year) is left as it is. Net
 * revenue can be slightly negative (returns exceeding orders), so log1p is applied to the magnitude and the sign
 * kept: identical to log1p on non-negative values, and still monotone below 0. Then every
 * column is centred on its median and divided by its IQR (scaled to match a normal's standard deviation), which
 * outliers barely move, unlike the mean and standard deviation. When the IQR is 0 (over half the customers share
 * one value, e.g. a single order) the MAD is used, then the standard deviation, then 1 for a constant column.
 *
 * Scaled values are then capped at +-5 (robust standard deviations). Beyond that a value says "extreme", and how
 * extreme matters less than the square of it, which would otherwise let a handful of outliers dominate k-means's
 * distances: on Online Retail, 128 customers whose return rates sat 30 units out took one of only two behavioral
 * clusters.
 *
 * The parameters are returned so that one new row (real-time assignment) is scaled exactly like the batch.
 */

export type Transform = 'log1p' | 'identity';

export interface ColumnScaling {
  transform: Transform;
  center: number;
  scale: number;
  /** Which fallback gave the scale, for documentation and debugging. */
  scaleFrom: 'iqr' | 'mad' | 'std' | 'constant';
}

export interface Scaled {
  data: Float64Array;
  params: ColumnScaling[];
}

/** A normal's IQR and MAD in units of its standard deviation. */
const IQR_TO_SD = 1.349;
const MAD_TO_SD = 1.4826;
const SKEW_FOR_LOG = 1;
/** The cap on a scaled value, in robust standard deviations (assign-sql.ts applies the same). */
export const Z_LIMIT = 5;
const capped = (z: number): number => Math.max(-Z_LIMIT, Math.min(Z_LIMIT, z));

/** Fits and applies the scaling; transforms may force a column's transform instead of choosing from the data. */
export function fitScaling(data: Float64Array, rows: number, cols: number, transforms?: readonly (Transform | 'auto')[]): Scaled {
  if (rows < 1) throw new RangeError('cannot fit a scaling on no rows');
  const out = new Float64Array(rows * cols);
  const params: ColumnScaling[] = [];
  const column = new Float64Array(rows);
  for (let c = 0; c < cols; c++) {
    for (let i = 0; i < rows; i++) column[i] = data[i * cols + c]!;
    const wanted = transforms?.[c] ?? 'auto';
    const transform = wanted === 'auto' ? chooseTransform(column) : wanted;
    if (transform === 'log1p') for (let i = 0; i < rows; i++) column[i] = signedLog1p(column[i]!);
    const p = robustScale(column, transform);
    params.push(p);
    for (let i = 0; i < rows; i++) out[i * cols + c] = capped((column[i]! - p.center) / p.scale);
  }
  return { data: out, params };
}

/** Scales one row with stored parameters, exactly as fitScaling scaled the batch. */
export function scaleRow(row: ArrayLike<number>, params: readonly ColumnScaling[]): Float64Array {
  if (row.length !== params.length) throw new RangeError(`row has ${row.length} values, the scaling ${params.length} columns`);
  return Float64Array.from(params, (p, c) => capped(((p.transform === 'log1p' ? signedLog1p(row[c]!) : row[c]!) - p.center) / p.scale));
}

/** The inverse of scaleRow: a scaled row back in the features' own units (a centroid, to compare across fits). */
export function unscaleRow(z: ArrayLike<number>, params: readonly ColumnScaling[]): Float64Array {
  return Float64Array.from(params, (p, c) => {
    const t = z[c]! * p.scale + p.center;
    return p.transform === 'log1p' ? Math.sign(t) * Math.expm1(Math.abs(t)) : t;
  });
}

/** The median of the finite values (0 when there are none): what fills a missing value before scaling. */
export function median(values: ArrayLike<number>): number {
  const finite = Float64Array.from(values).filter(Number.isFinite).sort();
  return finite.length ? quantile(finite, 0.5) : 0;
}

function signedLog1p(v: number): number {
  return v < 0 ? -Math.log1p(-v) : Math.log1p(v);
}

function chooseTransform(column: Float64Array): Transform {
  let mean = 0;
  for (const v of column) mean += v;
  mean /= column.length;
  let m2 = 0;
  let m3 = 0;
  for (const v of column) {
    const d = v - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= column.length;
  m3 /= column.length;
  return m2 > 0 && m3 / m2 ** 1.5 > SKEW_FOR_LOG ? 'log1p' : 'identity';
}

function robustScale(column: Float64Array, transform: Transform): ColumnScaling {
  const sorted = Float64Array.from(column).sort();
  const center = quantile(sorted, 0.5);
  const iqr = (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / IQR_TO_SD;
  if (iqr > 0) return { transform, center, scale: iqr, scaleFrom: 'iqr' };
  const deviations = sorted.map((v) => Math.abs(v - center)).sort();
  const mad = quantile(deviations, 0.5) * MAD_TO_SD;
  if (mad > 0) return { transform, center, scale: mad, scaleFrom: 'mad' };
  let mean = 0;
  for (const v of sorted) mean += v;
  mean /= sorted.length;
  let ss = 0;
  for (const v of sorted) ss += (v - mean) ** 2;
  const std = Math.sqrt(ss / sorted.length);
  return std > 0 ? { transform, center, scale: std, scaleFrom: 'std' } : { transform, center, scale: 1, scaleFrom: 'constant' };
}

/** Linear interpolation between order statistics (numpy's default). */
function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
