/** Worker entry: runs its share of the initialisations over the shared matrix and posts back the best one. */
import { parentPort, workerData } from 'node:worker_threads';
import { runInit } from './kmeans-core.js';
import { betterOf, type IndexedResult, type WorkerTask } from './kmeans-task.js';

const task = workerData as WorkerTask;
const data = new Float64Array(task.buffer, 0, task.params.rows * task.params.cols);
let best: IndexedResult | null = null;
for (const { index, seed } of task.inits) best = betterOf(best, { ...runInit(data, { ...task.params, seed }), index });
if (best) parentPort?.postMessage(best, [best.centroids.buffer, best.labels.buffer]);
