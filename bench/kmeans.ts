/**
 * k-means benchmark (issue 5): on about 1M customers x (recency, orders, revenue), ours (k=4, nInit=10) against
 * scikit-learn's KMeans on the same matrix and a plain single-thread Lloyd in the same run; then the k sweep 2..8
 * (fit per k plus silhouette on a 10k sample), ours against scikit-learn's same sweep, and ours once more fitting
 * every k on all rows to show that the sampled sweep picks the same k. The machine may be shared, so ours and
 * scikit-learn's fits alternate, twice each, and the best of each pair is compared.
 * Usage: npm run bench -- --only kmeans [--rows 1000000] [--seed 1] [--synthetic]
 * Reads the real RFM matrix from bench/out/audiences-1000000-1.duckdb when it exists (unless --synthetic).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { chooseK, fitScaling, kmeans, type KMeansResult } from '../src/models/index.js';
import { meanVariance } from '../src/models/kmeans.js';
import { createRng } from '../src/models/rng.js';
import { arg, fmt } from './lib.js';

const rowsWanted = Number(arg('rows', '1000000'));
const seed = Number(arg('seed', '1'));
const realDb = join('bench', 'out', 'audiences-1000000-1.duckdb');
const K = 4;
const N_INIT = 10;
const SWEEP_N_INIT = 3;
const PYTHON = '/usr/bin/python3';

async function realRfm(): Promise<{ raw: Float64Array; rows: number; source: string }> {
  const db = await DuckDBInstance.create(realDb, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    const reader = await conn.runAndReadAll('SELECT recency_days::DOUBLE, orders::DOUBLE, revenue::DOUBLE FROM customer_features WHERE orders >= 1 ORDER BY customer_id');
    const rows = reader.getRows();
    const raw = new Float64Array(rows.length * 3);
    rows.forEach((r, i) => r.forEach((v, c) => (raw[i * 3 + c] = Number(v))));
    return { raw, rows: rows.length, source: `customer_features of ${realDb}` };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Seeded RFM-like rows: uniform recency over a year, geometric order counts, log-normal revenue growing with orders. */
function syntheticRfm(rows: number): { raw: Float64Array; rows: number; source: string } {
  const rng = createRng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const raw = new Float64Array(rows * 3);
  for (let i = 0; i < rows; i++) {
    const orders = 1 + Math.floor(Math.log(1 - rng.next()) / Math.log(0.7));
    raw[i * 3] = rng.next() * 365;
    raw[i * 3 + 1] = orders;
    raw[i * 3 + 2] = orders * Math.exp(3.5 + 0.8 * normal());
  }
  return { raw, rows, source: `synthetic seeded RFM (seed ${seed})` };
}

/** The plain reference: k-means++ (not greedy) then Lloyd with every distance computed, best of nInit. */
function plainLloyd(x: Float64Array, n: number, d: number, k: number, nInit: number, tolAbs: number): number {
  const rng = createRng(seed);
  let best = Infinity;
  const labels = new Int32Array(n);
  const dist = new Float64Array(n);
  for (let run = 0; run < nInit; run++) {
    const c = new Float64Array(k * d);
    const pick = (j: number, i: number): void => c.set(x.subarray(i * d, i * d + d), j * d);
    pick(0, rng.int(n));
    for (let j = 1; j < k; j++) {
      let total = 0;
      for (let i = 0; i < n; i++) {
        let m = Infinity;
        for (let q = 0; q < j; q++) {
          let s = 0;
          for (let t = 0; t < d; t++) s += (x[i * d + t]! - c[q * d + t]!) ** 2;
          m = Math.min(m, s);
        }
        total += dist[i] = m;
      }
      let r = rng.next() * total;
      let i = 0;
      while (i < n - 1 && (r -= dist[i]!) > 0) i++;
      pick(j, i);
    }
    let inertia = 0;
    for (let iter = 0; iter < 300; iter++) {
      inertia = 0;
      for (let i = 0; i < n; i++) {
        let b = 0;
        let bd = Infinity;
        for (let q = 0; q < k; q++) {
          let s = 0;
          for (let t = 0; t < d; t++) s += (x[i * d + t]! - c[q * d + t]!) ** 2;
          if (s < bd) [bd, b] = [s, q];
        }
        labels[i] = b;
        inertia += bd;
      }
      const sums = new Float64Array(k * d);
      const counts = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        counts[labels[i]!]!++;
        for (let t = 0; t < d; t++) sums[labels[i]! * d + t]! += x[i * d + t]!;
      }
      let shift = 0;
      for (let q = 0; q < k; q++) {
        if (counts[q] === 0) continue;
        for (let t = 0; t < d; t++) {
          const v = sums[q * d + t]! / counts[q]!;
          shift += (v - c[q * d + t]!) ** 2;
          c[q * d + t] = v;
        }
      }
      if (shift <= tolAbs) break;
    }
    best = Math.min(best, inertia);
  }
  return best;
}

interface SklearnFit {
  seconds: number;
  inertia: number;
  iterations: number;
}

interface SklearnSweep {
  seconds: number;
  scores: { k: number; inertia: number; silhouette: number }[];
}

/** Runs scikit-learn on the matrix in file, in its own process; the time is measured inside, after the imports. */
function sklearn<T>(file: string, rows: number, what: 'fit' | 'sweep'): T {
  const script = `
import json, sys, time
import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
X = np.fromfile(sys.argv[1], dtype=np.float64).reshape(${rows}, 3)
t = time.perf_counter()
if sys.argv[2] == 'fit':
    fit = KMeans(n_clusters=${K}, n_init=${N_INIT}, random_state=0).fit(X)
    print(json.dumps({'seconds': time.perf_counter() - t, 'inertia': float(fit.inertia_), 'iterations': int(fit.n_iter_)}))
else:
    scores = []
    for k in range(2, 9):
        m = KMeans(n_clusters=k, n_init=${SWEEP_N_INIT}, random_state=0).fit(X)
        scores.append({'k': k, 'inertia': float(m.inertia_), 'silhouette': float(silhouette_score(X, m.labels_, sample_size=10000, random_state=0))})
    print(json.dumps({'seconds': time.perf_counter() - t, 'scores': scores}))
`;
  const r = spawnSync(PYTHON, ['-c', script, file, what], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scikit-learn run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

async function timed<T>(run: () => Promise<T> | T): Promise<{ seconds: number; result: T }> {
  const t = performance.now();
  const result = await run();
  return { seconds: (performance.now() - t) / 1000, result };
}

const { raw, rows, source } = existsSync(realDb) && !process.argv.includes('--synthetic') && !process.argv.includes('--rows') ? await realRfm() : syntheticRfm(rowsWanted);
const { data, params } = fitScaling(raw, rows, 3);
console.log(`k-means on ${fmt(rows, 0)} rows x 3 (${source}); scaling: ${params.map((p) => `${p.transform}/${p.scaleFrom}`).join(', ')}`);
const haveSklearn = spawnSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0;
if (!haveSklearn) console.log('scikit-learn: missing (apt-get install -y python3-sklearn); skipped');

const dir = mkdtempSync(join(tmpdir(), 'segmint-kmeans-'));
const file = join(dir, 'rfm.f64');
writeFileSync(file, data);
try {
  const ours: { seconds: number; result: KMeansResult }[] = [];
  const sk: SklearnFit[] = [];
  for (let round = 0; round < 2; round++) {
    if (haveSklearn) sk.push(sklearn<SklearnFit>(file, rows, 'fit'));
    ours.push(await timed(() => kmeans(data, rows, 3, { k: K, nInit: N_INIT, seed })));
  }
  // The same engine without the sample start, for the cost of iterating on all rows from the seeding on.
  const allRows = await timed(() => kmeans(data, rows, 3, { k: K, nInit: N_INIT, seed, sampleRows: 0 }));
  const plain = await timed(() => plainLloyd(data, rows, 3, K, N_INIT, 1e-4 * meanVariance(data, rows, 3)));

  const sweep = await timed(() => chooseK(data, rows, 3, { kMin: 2, kMax: 8, nInit: SWEEP_N_INIT, seed }));
  const skSweep = haveSklearn ? sklearn<SklearnSweep>(file, rows, 'sweep') : null;
  const fullSweep = await timed(() => chooseK(data, rows, 3, { kMin: 2, kMax: 8, nInit: SWEEP_N_INIT, seed, fitSampleSize: rows }));

  const pct = (a: number, b: number): string => `${((a / b - 1) * 100).toFixed(3)}%`;
  const best = ours.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  console.log(`\nk=${K}, ${N_INIT} initialisations (each started on a 50,000-row sample, finished on all rows)`);
  ours.forEach((o, i) =>
    console.log(`  ours, run ${i + 1}${i === 0 ? ' (starts the 2 worker threads)' : ''}   ${fmt(o.seconds, 2)} s   inertia ${fmt(o.result.inertia, 2)}   (${o.result.iterations} iterations on all rows in the best run)`),
  );
  console.log(`  ours, no sample start       ${fmt(allRows.seconds, 2)} s   inertia ${fmt(allRows.result.inertia, 2)}   (${allRows.result.iterations} iterations in the best run)`);
  console.log(`  plain Lloyd, 1 thread       ${fmt(plain.seconds, 2)} s   inertia ${fmt(plain.result, 2)}   best ours/plain time ${fmt(best.seconds / plain.seconds, 2)}x, inertia ${pct(best.result.inertia, plain.result)}`);
  sk.forEach((s, i) => console.log(`  scikit-learn, run ${i + 1}       ${fmt(s.seconds, 2)} s   inertia ${fmt(s.inertia, 2)}   (${s.iterations} iterations)`));
  if (sk.length > 0) {
    const skBest = Math.min(...sk.map((s) => s.seconds));
    console.log(`  best of each: ours/scikit-learn time ${fmt(best.seconds / skBest, 2)}x, inertia ${pct(best.result.inertia, sk[0]!.inertia)}`);
  }

  console.log(`\nk sweep 2..8 (${SWEEP_N_INIT} initialisations per k, silhouette on a 10,000-row sample)`);
  console.log(`  ours, each k fitted on a 100,000-row sample   ${fmt(sweep.seconds, 2)} s   chose ${sweep.result.reason}`);
  console.log(`  ours, each k fitted on all rows               ${fmt(fullSweep.seconds, 2)} s   chose ${fullSweep.result.reason}`);
  if (skSweep) console.log(`  scikit-learn                                  ${fmt(skSweep.seconds, 2)} s   sampled ours/scikit-learn time ${fmt(sweep.seconds / skSweep.seconds, 2)}x`);
  for (const s of sweep.result.scores) {
    const f = fullSweep.result.scores.find((x) => x.k === s.k)!;
    const o = skSweep?.scores.find((x) => x.k === s.k);
    const skPart = o ? `   scikit-learn inertia ${fmt(o.inertia, 1)} (${pct(s.inertia, o.inertia)}), silhouette ${o.silhouette.toFixed(3)}` : '';
    console.log(`  k=${s.k}  inertia ${fmt(s.inertia, 1)}  silhouette ${s.silhouette.toFixed(3)}   all-rows fit ${fmt(f.inertia, 1)}, ${f.silhouette.toFixed(3)}${skPart}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

