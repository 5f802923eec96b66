import type { Movement } from '../api/types.js';

export interface Flow {
  from: string;
  to: string;
  customers: number;
}

/**
 * The movement matrix as flows from each audience at the first date to each at the second, one per non-empty cell:
 * what the Sankey draws and the table lists, so both add up to the matrix exactly.
 */
export function movementFlows(m: Movement): Flow[] {
  return m.matrix.flatMap((row, i) => row.flatMap((n, j) => (n > 0 ? [{ from: m.labels[i]!, to: m.labels[j]!, customers: n }] : [])));
}
