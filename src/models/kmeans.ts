/**
 * k-means over a row-major Float64Array: several greedy k-means++ initialisations, each iterated with Hamerly's
 * bounds, keeping the lowest inertia. On large inputs each initialisation is seeded and first iterated on a sample
 * of the rows and then finished on all rows (see runInit).
 *
 * Parallelism: whole initialisations run in parallel on worker threads, over one SharedArrayBuffer copy of the data.
 * The alternative, splitting the rows of every iteration across threads, needs a barrier and a reduction per
 * iteration; with Hamerly's bounds an iteration over a million rows takes only a few milliseconds, so the
 * synchronisation would eat much of the gain, and a reduction whose order depends on the split would make the result
 * depend on the thread count. With independent initialisations each one is the same single-threaded computation from
 * its own derived seed wherever it runs, so the result is bit-identical for any number of workers. The workers claim
 * initialisations one at a time from a shared counter, and stay alive between calls (unreferenced while idle, so they
 * never hold the process open): a k sweep makes one call per k, and starting threads for each would cost more than
 * the smaller fits themselves.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runInit } from './kmeans-core.js';
import { deriveSeed } from './rng.js';
import { betterOf, type IndexedResult, type WorkerTask } from './kmeans-task.js';

export interface KMeansOptions {
  k: number;
  /** Initialisations; the best inertia is kept. Default 10. */
  nInit?: number;
  /** Default 300, for the iterations on the sample and again for those on all rows. */
  maxIter?: number;
  /** Relative as in scikit-learn: stop when the squared centroid shifts sum to at most tol * mean column variance. */
  tol?: number;
  /** Default 0: a run is reproducible unless a caller asks for another seed. */
  seed?: number;
  /** Threads to use, default 2 (the target machine's cores). */
  workers?: number;
  /**
   * Rows each initialisation is seeded and first iterated on, a seeded sample, before it is finished on all rows.
   * Default 50,000; used only when there are at least twice as many rows (below that the sample saves too little),
   * and 0 turns it off.
   */
  sampleRows?: number;
}

export interface KMeansResult {
  /** k rows of cols values, row-major. */
  centroids: Float64Array;
  labels: Int32Array;
  inertia: number;
  /** Iterations over all rows of the initialisation that was kept (after those on its sample, if any). */
  iterations: number;
}

/** Below this many row-initialisations, starting a worker costs more than the work it would take over. */
const MIN_PARALLEL_WORK = 100_000;

export async function kmeans(data: Float64Array, rows: number, cols: number, options: KMeansOptions): Promise<KMeansResult> {
  const { k, nInit = 10, maxIter = 300, tol = 1e-4, seed = 0, workers = 2, sampleRows = 50_000 } = options;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (k > rows) throw new RangeError(`k = ${k} is more than the ${rows} rows`);
  if (!Number.isInteger(cols) || cols < 1) throw new RangeError(`cols must be a positive integer, got ${cols}`);
  if (data.length < rows * cols) throw new RangeError(`data holds ${data.length} values, fewer than ${rows} x ${cols}`);
  if (!(nInit >= 1)) throw new RangeError(`nInit must be at least 1, got ${nInit}`);
  if (!Number.isInteger(sampleRows) || sampleRows < 0) throw new RangeError(`sampleRows must be a whole number, got ${sampleRows}`);
  const inits = Array.from({ length: nInit }, (_, index) => ({ index, seed: deriveSeed(seed, index) }));
  const threads = rows * nInit < MIN_PARALLEL_WORK ? 1 : Math.max(1, Math.min(workers, nInit));
  const params = {
    rows,
    cols,
    k,
    maxIter,
    tolAbs: tol * meanVariance(data, rows, cols),
    sampleRows: sampleRows > 0 && rows >= 2 * sampleRows && sampleRows >= k ? sampleRows : 0,
  };

  let best: IndexedResult | null = null;
  if (threads === 1) {
    for (const { index, seed: s } of inits) best = betterOf(best, { ...runInit(data, { ...params, seed: s }), index });
  } else {
    const { buffer, byteOffset } = shared(data, rows * cols);
    const task: WorkerTask = { buffer, byteOffset, params, inits, next: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT) };
    for (const r of await Promise.all(Array.from({ length: threads }, () => runTask(task)))) best = betterOf(best, r);
  }
  const { centroids, labels, inertia, iterations } = best!;
  return { centroids, labels, inertia, iterations };
}

/** scikit-learn's scale for tol: the mean over columns of each column's variance. */
export function meanVariance(data: Float64Array, rows: number, cols: number): number {
  let total = 0;
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += data[i * cols + c]!;
    mean /= rows;
    let v = 0;
    for (let i = 0; i < rows; i++) {
      const d = data[i * cols + c]! - mean;
      v += d * d;
    }
    total += v / rows;
  }
  return total / cols;
}

/**
 * The data as the workers can read it: the caller's own SharedArrayBuffer when it already is one (a k sweep shares
 * one copy across all its calls), otherwise a fresh shared copy.
 */
function shared(data: Float64Array, length: number): { buffer: SharedArrayBuffer; byteOffset: number } {
  if (data.buffer instanceof SharedArrayBuffer) return { buffer: data.buffer, byteOffset: data.byteOffset };
  const buffer = new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT);
  new Float64Array(buffer).set(data.subarray(0, length));
  return { buffer, byteOffset: 0 };
}

/** Idle workers, kept for the next call up to one per core. */
const idle: Worker[] = [];

function runTask(task: WorkerTask): Promise<IndexedResult | null> {
  const worker = idle.pop() ?? spawnWorker();
  worker.ref();
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: IndexedResult | null): void => {
      settle();
      worker.unref();
      if (idle.length < availableParallelism()) idle.push(worker);
      else void worker.terminate();
      resolve(m);
    };
    const onError = (err: Error): void => {
      settle();
      reject(err);
    };
    const onExit = (code: number): void => {
      settle();
      reject(new Error(`k-means worker exited with code ${code} before posting its result`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(task);
  });
}

/**
 * From dist/ the worker is the compiled kmeans-worker.js next to this file. Under vitest or tsx this module is the
 * TypeScript source, which Node cannot load by itself, so a tiny CommonJS bootstrap registers tsx's require hook in
 * the worker and requires the source. (--import in a worker's execArgv is not applied to its entry on Node 20, and
 * tsx's ESM loader starts a loader thread per worker, which takes several times longer to boot than the require hook.)
 */
function spawnWorker(): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './kmeans-worker.ts' : './kmeans-worker.js', import.meta.url);
  let worker: Worker;
  if (fromSource) {
    const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
    worker = new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(fileURLToPath(entry))});`, { eval: true });
  } else worker = new Worker(entry);
  // A worker that dies while idle must not be handed the next task.
  worker.once('exit', () => {
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
  });
  return worker;
}
