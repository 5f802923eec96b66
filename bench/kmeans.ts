/**
 * k-means benchmark (issue 5): on about 1M customers x (recency, orders, revenue), ours (k=4, nInit=10) against a
 * plain single-thread Lloyd in the same run and against scikit-learn's KMeans on the same matrix; then the k sweep
 * 2..8 (fit per k plus silhouette on a 10k sample), ours against scikit-learn's same sweep.
 * Usage: npm run bench -- --only kmeans [--rows 1000000] [--seed 1] [--synthetic]
 * Reads the real RFM matrix from bench/out/audiences-1000000-1.duckdb when it exists (unless --synthetic).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { chooseK, fitScaling, kmeans } from '../src/models/index.js';
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

interface SklearnResult {
  fit: { seconds: number; inertia: number };
  sweep: { seconds: number; scores: { k: number; inertia: number; silhouette: number }[] };
}

function sklearn(file: string, rows: number): SklearnResult | null {
  if (spawnSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' }).status !== 0) {
    console.log('scikit-learn: missing (apt-get install -y python3-sklearn); skipped');
    return null;
  }
  const script = `
import json, sys, time
import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
X = np.fromfile(sys.argv[1], dtype=np.float64).reshape(${rows}, 3)
t = time.perf_counter()
fit = KMeans(n_clusters=${K}, n_init=${N_INIT}, random_state=0).fit(X)
fit_s = time.perf_counter() - t
t = time.perf_counter()
scores = []
for k in range(2, 9):
    m = KMeans(n_clusters=k, n_init=${SWEEP_N_INIT}, random_state=0).fit(X)
    scores.append({'k': k, 'inertia': float(m.inertia_), 'silhouette': float(silhouette_score(X, m.labels_, sample_size=10000, random_state=0))})
print(json.dumps({'fit': {'seconds': fit_s, 'inertia': float(fit.inertia_)}, 'sweep': {'seconds': time.perf_counter() - t, 'scores': scores}}))
`;
  const r = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scikit-learn run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as SklearnResult;
}

const { raw, rows, source } = existsSync(realDb) && !process.argv.includes('--synthetic') && !process.argv.includes('--rows') ? await realRfm() : syntheticRfm(rowsWanted);
const { data, params } = fitScaling(raw, rows, 3);
console.log(`k-means on ${fmt(rows, 0)} rows x 3 (${source}); scaling: ${params.map((p) => `${p.transform}/${p.scaleFrom}`).join(', ')}`);

let t = performance.now();
const ours = await kmeans(data, rows, 3, { k: K, nInit: N_INIT, seed });
const oursSeconds = (performance.now() - t) / 1000;
let variance = 0;
for (let c = 0; c < 3; c++) {
  let mean = 0;
  for (let i = 0; i < rows; i++) mean += data[i * 3 + c]!;
  mean /= rows;
  for (let i = 0; i < rows; i++) variance += (data[i * 3 + c]! - mean) ** 2 / rows / 3;
}
t = performance.now();
const plainInertia = plainLloyd(data, rows, 3, K, N_INIT, 1e-4 * variance);
const plainSeconds = (performance.now() - t) / 1000;

t = performance.now();
const sweep = await chooseK(data, rows, 3, { kMin: 2, kMax: 8, nInit: SWEEP_N_INIT, seed });
const sweepSeconds = (performance.now() - t) / 1000;

const dir = mkdtempSync(join(tmpdir(), 'segmint-kmeans-'));
let sk: SklearnResult | null;
try {
  const file = join(dir, 'rfm.f64');
  writeFileSync(file, data);
  sk = sklearn(file, rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const pct = (a: number, b: number): string => `${((a / b - 1) * 100).toFixed(3)}%`;
console.log(`\nk=${K}, ${N_INIT} initialisations`);
console.log(`  ours (Hamerly, 2 workers)   ${fmt(oursSeconds, 2)} s   inertia ${fmt(ours.inertia, 2)}   (${ours.iterations} iterations in the best run)`);
console.log(`  plain Lloyd, 1 thread       ${fmt(plainSeconds, 2)} s   inertia ${fmt(plainInertia, 2)}   ours/plain time ${fmt(oursSeconds / plainSeconds, 2)}x, inertia ${pct(ours.inertia, plainInertia)}`);
if (sk) console.log(`  scikit-learn KMeans         ${fmt(sk.fit.seconds, 2)} s   inertia ${fmt(sk.fit.inertia, 2)}   ours/sklearn time ${fmt(oursSeconds / sk.fit.seconds, 2)}x, inertia ${pct(ours.inertia, sk.fit.inertia)}`);
console.log(`\nk sweep 2..8 (${SWEEP_N_INIT} initialisations per k, silhouette on a 10,000-row sample)`);
console.log(`  ours           ${fmt(sweepSeconds, 2)} s   chose ${sweep.reason}`);
if (sk) console.log(`  scikit-learn   ${fmt(sk.sweep.seconds, 2)} s   ours/sklearn time ${fmt(sweepSeconds / sk.sweep.seconds, 2)}x`);
for (const s of sweep.scores) {
  const o = sk?.sweep.scores.find((x) => x.k === s.k);
  console.log(`  k=${s.k}  inertia ${fmt(s.inertia, 1)}  silhouette ${s.silhouette.toFixed(3)}${o ? `   sklearn inertia ${fmt(o.inertia, 1)} (${pct(s.inertia, o.inertia)})  silhouette ${o.silhouette.toFixed(3)}` : ''}`);
}
