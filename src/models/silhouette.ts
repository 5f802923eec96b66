/**
 * Mean silhouette of several labelings of the same rows in one pass over the pairs: the pairwise distances do not
 * depend on k, so a sweep over k computes each distance once (m^2 / 2 square roots) instead of once per k.
 */
export function silhouettes(data: Float64Array, rows: readonly number[], cols: number, labelings: readonly { k: number; labels: Int32Array }[]): number[] {
  const m = rows.length;
  const offsets: number[] = [];
  let width = 0;
  for (const { k } of labelings) {
    offsets.push(width);
    width += k;
  }
  const t = labelings.length;
  // slot[p * t + l]: where row p's distances go in labeling l's block of per-cluster sums.
  const slot = new Int32Array(m * t);
  const sizes = new Float64Array(width);
  for (let p = 0; p < m; p++) {
    for (let l = 0; l < t; l++) {
      const s = offsets[l]! + labelings[l]!.labels[rows[p]!]!;
      slot[p * t + l] = s;
      sizes[s]!++;
    }
  }
  const points = new Float64Array(m * cols);
  for (let p = 0; p < m; p++) points.set(data.subarray(rows[p]! * cols, rows[p]! * cols + cols), p * cols);
  const sums = new Float64Array(m * width);
  for (let p = 0; p < m; p++) {
    const pw = p * width;
    const pt = p * t;
    for (let q = p + 1; q < m; q++) {
      let d2 = 0;
      for (let c = 0; c < cols; c++) {
        const d = points[p * cols + c]! - points[q * cols + c]!;
        d2 += d * d;
      }
      const d = Math.sqrt(d2);
      const qw = q * width;
      const qt = q * t;
      for (let l = 0; l < t; l++) {
        sums[pw + slot[qt + l]!]! += d;
        sums[qw + slot[pt + l]!]! += d;
      }
    }
  }
  return labelings.map(({ k }, l) => {
    const off = offsets[l]!;
    let total = 0;
    for (let p = 0; p < m; p++) {
      const own = slot[p * t + l]!;
      const n = sizes[own]!;
      // scikit-learn's convention: a row alone in its cluster scores 0.
      if (n <= 1) continue;
      const a = sums[p * width + own]! / (n - 1);
      let b = Infinity;
      for (let c = off; c < off + k; c++) if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[p * width + c]! / sizes[c]!);
      if (b === Infinity) continue;
      const s = Math.max(a, b);
      if (s > 0) total += (b - a) / s;
    }
    return m > 0 ? total / m : 0;
  });
}
