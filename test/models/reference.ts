/**
 * The plain reference the k-means tests compare against: random distinct rows as starting centres, then Lloyd with
 * every distance computed until no label changes. Simple enough to be obviously correct; slow, which is fine here.
 */
export function referenceBest(x: Float64Array, n: number, d: number, k: number, restarts: number, seed: number): number {
  let state = seed >>> 0;
  const random = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  let best = Infinity;
  for (let r = 0; r < restarts; r++) {
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(Math.floor(random() * n));
    const c = [...chosen].map((i) => Array.from(x.subarray(i * d, i * d + d)));
    const labels = new Int32Array(n).fill(-1);
    let inertia = 0;
    for (let changed = true; changed; ) {
      changed = false;
      inertia = 0;
      for (let i = 0; i < n; i++) {
        let b = 0;
        let bd = Infinity;
        c.forEach((centre, q) => {
          const s = centre.reduce((acc, v, t) => acc + (x[i * d + t]! - v) ** 2, 0);
          if (s < bd) [bd, b] = [s, q];
        });
        if (labels[i] !== b) changed = true;
        labels[i] = b;
        inertia += bd;
      }
      c.forEach((centre, q) => {
        let count = 0;
        const sum = new Array<number>(d).fill(0);
        for (let i = 0; i < n; i++) {
          if (labels[i] !== q) continue;
          count++;
          for (let t = 0; t < d; t++) sum[t]! += x[i * d + t]!;
        }
        if (count > 0) for (let t = 0; t < d; t++) centre[t] = sum[t]! / count;
      });
    }
    best = Math.min(best, inertia);
  }
  return best;
}

/** Seeded Gaussian blobs around given centres: the data, and which centre made each row. */
export function blobs(centres: number[][], perCentre: number, sd: number, seed: number): { data: Float64Array; rows: number; cols: number; truth: Int32Array } {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const cols = centres[0]!.length;
  const rows = centres.length * perCentre;
  const data = new Float64Array(rows * cols);
  const truth = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const g = i % centres.length;
    truth[i] = g;
    for (let c = 0; c < cols; c++) data[i * cols + c] = centres[g]![c]! + sd * normal();
  }
  return { data, rows, cols, truth };
}

/** Adjusted Rand index of two labelings (Hubert and Arabie). */
export function adjustedRand(a: Int32Array, b: Int32Array): number {
  const pairs = (m: number): number => (m * (m - 1)) / 2;
  const table = new Map<string, number>();
  const ra = new Map<number, number>();
  const rb = new Map<number, number>();
  a.forEach((x, i) => {
    const y = b[i]!;
    table.set(`${x},${y}`, (table.get(`${x},${y}`) ?? 0) + 1);
    ra.set(x, (ra.get(x) ?? 0) + 1);
    rb.set(y, (rb.get(y) ?? 0) + 1);
  });
  const sum = (m: Map<unknown, number>): number => [...m.values()].reduce((s, v) => s + pairs(v), 0);
  const index = sum(table);
  const expected = (sum(ra) * sum(rb)) / pairs(a.length);
  const max = (sum(ra) + sum(rb)) / 2;
  return (index - expected) / (max - expected);
}

/** Mean silhouette straight from its definition (scikit-learn's conventions: a row alone in its cluster scores 0). */
export function referenceSilhouette(x: Float64Array, rows: readonly number[], d: number, labels: Int32Array): number {
  const dist = (p: number, q: number): number => Math.hypot(...Array.from({ length: d }, (_, t) => x[p * d + t]! - x[q * d + t]!));
  let total = 0;
  for (const p of rows) {
    const byCluster = new Map<number, { sum: number; n: number }>();
    for (const q of rows) {
      const c = labels[q]!;
      const e = byCluster.get(c) ?? { sum: 0, n: 0 };
      e.n++;
      if (q !== p) e.sum += dist(p, q);
      byCluster.set(c, e);
    }
    const own = byCluster.get(labels[p]!)!;
    if (own.n <= 1 || byCluster.size < 2) continue;
    const a = own.sum / (own.n - 1);
    const b = Math.min(...[...byCluster].filter(([c]) => c !== labels[p]).map(([, e]) => e.sum / e.n));
    total += (b - a) / Math.max(a, b);
  }
  return total / rows.length;
}
