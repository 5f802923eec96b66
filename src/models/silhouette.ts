/**
 * Mean silhouette of several labelings of the same rows. The pairwise distances do not depend on the labeling, so a
 * sweep over k computes each distance once for all of them: rows are grouped by their tuple of labels (one label
 * per labeling), each row's distances are summed per group, and the per-cluster sums of every labeling are read off
 * the group sums. Clusterings of the same rows for neighbouring k nest closely, so there are far fewer groups than
 * rows and the distances are added up once instead of once per labeling.
 */
import { dist2 } from './kmeans-core.js';

export function silhouettes(data: Float64Array, rows: readonly number[], cols: number, labelings: readonly { k: number; labels: Int32Array }[]): number[] {
  const m = rows.length;
  const t = labelings.length;
  const offsets: number[] = [];
  let width = 0;
  for (const { k } of labelings) {
    offsets.push(width);
    width += k;
  }
  // groupSlots[g * t + l]: which cluster sum of labeling l (offset into the width-long block) group g adds to.
  const groupOf = new Int32Array(m);
  const groupSlots: number[] = [];
  const groups = new Map<string, number>();
  const sizes = new Float64Array(width);
  const slots = new Int32Array(t);
  for (let p = 0; p < m; p++) {
    for (let l = 0; l < t; l++) {
      slots[l] = offsets[l]! + labelings[l]!.labels[rows[p]!]!;
      sizes[slots[l]!]!++;
    }
    const key = slots.join();
    let g = groups.get(key);
    if (g === undefined) {
      g = groups.size;
      groups.set(key, g);
      groupSlots.push(...slots);
    }
    groupOf[p] = g;
  }
  const groupCount = groups.size;

  const points = new Float64Array(m * cols);
  for (let p = 0; p < m; p++) points.set(data.subarray(rows[p]! * cols, rows[p]! * cols + cols), p * cols);
  const byGroup = new Float64Array(groupCount);
  const sums = new Float64Array(width);
  const totals = new Float64Array(t);
  for (let p = 0; p < m; p++) {
    byGroup.fill(0);
    for (let q = 0; q < m; q++) byGroup[groupOf[q]!]! += Math.sqrt(dist2(points, q * cols, points, p * cols, cols));
    sums.fill(0);
    for (let g = 0; g < groupCount; g++) for (let l = 0; l < t; l++) sums[groupSlots[g * t + l]!]! += byGroup[g]!;
    const own = groupOf[p]! * t;
    for (let l = 0; l < t; l++) totals[l]! += silhouetteOf(sums, sizes, groupSlots[own + l]!, offsets[l]!, labelings[l]!.k);
  }
  return Array.from(totals, (total) => (m > 0 ? total / m : 0));
}

/** One row's silhouette in one labeling, from its distance sums to every cluster of that labeling. */
function silhouetteOf(sums: Float64Array, sizes: Float64Array, own: number, off: number, k: number): number {
  const n = sizes[own]!;
  // scikit-learn's convention: a row alone in its cluster scores 0.
  if (n <= 1) return 0;
  const a = sums[own]! / (n - 1);
  let b = Infinity;
  for (let c = off; c < off + k; c++) if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[c]! / sizes[c]!);
  if (b === Infinity) return 0;
  const s = Math.max(a, b);
  return s > 0 ? (b - a) / s : 0;
}
