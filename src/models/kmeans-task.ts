/** What the main thread and the k-means workers exchange. */
import type { InitParams, InitResult } from './kmeans-core.js';

export interface WorkerTask {
  /** The data matrix, shared rather than copied into each worker. */
  buffer: SharedArrayBuffer;
  params: Omit<InitParams, 'seed'>;
  inits: { index: number; seed: number }[];
}

export interface IndexedResult extends InitResult {
  index: number;
}

/**
 * Lowest inertia wins, ties go to the lower initialisation index: a total order, so the best of all initialisations
 * is the same whichever worker ran which ones.
 */
export function betterOf(a: IndexedResult | null, b: IndexedResult): IndexedResult {
  if (!a) return b;
  return b.inertia < a.inertia || (b.inertia === a.inertia && b.index < a.index) ? b : a;
}
