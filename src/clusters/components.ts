/** The leading principal components of a set of rows, for a two-dimensional picture of a clustering. */
export interface Component {
  /** Unit length; its largest weight is positive, so the direction does not flip between equal fits. */
  weights: number[];
  /** Share of the total variance along it. */
  explained: number;
}

/**
 * The `count` principal components of `rows` (n rows of `cols` values each, row after row): the eigenvectors of
 * their covariance with the largest eigenvalues, by Jacobi rotations (exact for the few columns a clustering has,
 * and deterministic).
 */
export function principalComponents(rows: Float64Array, n: number, cols: number, count: number): Component[] {
  const mean = new Float64Array(cols);
  for (let i = 0; i < n; i++) for (let c = 0; c < cols; c++) mean[c]! += rows[i * cols + c]! / n;
  const a = Array.from({ length: cols }, () => new Float64Array(cols));
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < cols; r++) {
      const dr = rows[i * cols + r]! - mean[r]!;
      for (let c = r; c < cols; c++) a[r]![c]! += (dr * (rows[i * cols + c]! - mean[c]!)) / Math.max(1, n - 1);
    }
  }
  for (let r = 0; r < cols; r++) for (let c = 0; c < r; c++) a[r]![c] = a[c]![r]!;
  const v = Array.from({ length: cols }, (_, r) => Float64Array.from({ length: cols }, (_, c) => (r === c ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < cols; p++) for (let q = p + 1; q < cols; q++) off += a[p]![q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < cols; p++) {
      for (let q = p + 1; q < cols; q++) {
        const apq = a[p]![q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cos = 1 / Math.sqrt(t * t + 1);
        const sin = t * cos;
        for (let k = 0; k < cols; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = cos * akp - sin * akq;
          a[k]![q] = sin * akp + cos * akq;
        }
        for (let k = 0; k < cols; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = cos * apk - sin * aqk;
          a[q]![k] = sin * apk + cos * aqk;
        }
        for (let k = 0; k < cols; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = cos * vkp - sin * vkq;
          v[k]![q] = sin * vkp + cos * vkq;
        }
      }
    }
  }
  const total = a.reduce((s, row, i) => s + Math.max(0, row[i]!), 0);
  return Array.from({ length: cols }, (_, j) => j)
    .sort((x, y) => a[y]![y]! - a[x]![x]! || x - y)
    .slice(0, count)
    .map((j) => {
      const weights = v.map((row) => row[j]!);
      const lead = weights.reduce((best, w) => (Math.abs(w) > Math.abs(best) ? w : best), 0);
      return { weights: weights.map((w) => (lead < 0 ? -w : w)), explained: total > 0 ? Math.max(0, a[j]![j]!) / total : 0 };
    });
}
