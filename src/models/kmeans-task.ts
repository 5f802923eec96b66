/** What the main thread and the k-means workers exchange. */
import type { InitParams, InitResult } from './kmeans-core.js';

export interface WorkerTask {
  /** The data matrix, shared rather than copied into each worker: rows * cols values from byteOffset. */
  buffer: SharedArrayBuffer;
  byteOffset: number;
  params: Omit<InitParams, 'seed'>;
  inits: { index: number; seed: number }[];
  /**
   * One Int32 shared by every worker of the task: the next initialisation to claim. Claiming one at a time, rather
   * than splitting the list up front, keeps both threads busy when initialisations take very different numbers of
   * iterations.
   */
  next: SharedArrayBuffer;
}

export interface IndexedResult extends InitResult {
  index: number;
}

/**
 * Lowest inertia wins, ties go to the lower initialisation index: a total order, so the best of all initialisations
 * is the same whichever worker ran which ones.
 */
export function betterOf(a: IndexedResult | null, b: IndexedResult | null): IndexedResult | null {
  if (!a || !b) return a ?? b;
  return b.inertia < a.inertia || (b.inertia === a.inertia && b.index < a.index) ? b : a;
}
