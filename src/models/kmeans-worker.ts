/**
 * Worker entry: a pooled thread that serves k-means tasks one after another. For each task it claims initialisations
 * from the shared counter until none are left, and posts back the best it ran (null if the other threads took them all).
 */
import { parentPort } from 'node:worker_threads';
import { runInit } from './kmeans-core.js';
import { betterOf, type IndexedResult, type WorkerTask } from './kmeans-task.js';

parentPort!.on('message', (task: WorkerTask) => {
  const { rows, cols } = task.params;
  const data = new Float64Array(task.buffer, task.byteOffset, rows * cols);
  const next = new Int32Array(task.next);
  let best: IndexedResult | null = null;
  for (let n = Atomics.add(next, 0, 1); n < task.inits.length; n = Atomics.add(next, 0, 1)) {
    const { index, seed } = task.inits[n]!;
    best = betterOf(best, { ...runInit(data, { ...task.params, seed }), index });
  }
  parentPort!.postMessage(best, best ? [best.centroids.buffer, best.labels.buffer] : []);
});
