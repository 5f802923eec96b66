/**
 * One phase of the ingest benchmark, run in its own process by bench/ingest.ts:
 *   generate DIR N SEED        the demo store files (and a Parquet copy of the events)
 *   baseline csv|parquet DIR   bare DuckDB: read the events file and a plain RFM GROUP BY
 *   floor csv|parquet DIR DB   bare DuckDB writing the typed events into a file table, then the same GROUP BY over it:
 *                              what any store that keeps the events pays, before validation and features
 *   segmint csv|parquet DIR DB [content-ids]
 *                              Segmint: import products, customers, events, then the customer feature table; with
 *                              content-ids the events' id column is not mapped, so each event gets its id from its content
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateDemo } from '../src/demo/index.js';
import { defaultAsOf, materializeCustomerFeatures } from '../src/features/index.js';
import { Store, importFile, presetMapping, type Mapping } from '../src/store/index.js';
import { duckdbMemoryLimit } from '../src/shared/memory.js';
import { benchMemory, cpuSeconds, peakRssMb, type PhaseResult } from './lib.js';

const [phase, a, b, c, d] = process.argv.slice(2);
const memory = benchMemory();
const memoryLimit = duckdbMemoryLimit(memory.duckdb);

function eventsFile(dir: string, format: string): string {
  return join(dir, format === 'csv' ? 'events.csv' : 'events.parquet');
}

async function generate(dir: string, customers: number, seed: number): Promise<PhaseResult> {
  const t = performance.now();
  const files = await generateDemo({ customers, seed, outDir: dir });
  const generated = (performance.now() - t) / 1000;
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const t2 = performance.now();
  // A typed Parquet file, as an export from another system would be.
  await conn.run(`COPY (SELECT * REPLACE (ts::TIMESTAMP AS ts, quantity::DOUBLE AS quantity, unit_price::DOUBLE AS unit_price,
      discount::DOUBLE AS discount)
    FROM read_csv('${files.events}', all_varchar = true, header = true)) TO '${eventsFile(dir, 'parquet')}' (FORMAT parquet)`);
  return { phase: 'generate', seconds: generated, peakRssMb: peakRssMb(), rows: files.counts.events, detail: { ...files.counts, parquetSeconds: (performance.now() - t2) / 1000 } };
}

/** The floor: DuckDB reading the same file and computing recency, frequency and monetary value per customer. */
async function baseline(format: string, dir: string): Promise<PhaseResult> {
  const db = await DuckDBInstance.create(':memory:', { memory_limit: memoryLimit });
  const conn = await db.connect();
  const file = eventsFile(dir, format);
  const reader = format === 'csv' ? `read_csv('${file}', header = true)` : `read_parquet('${file}')`;
  const t = performance.now();
  const cpu = cpuSeconds();
  // Materialised, so that the optimiser cannot drop the aggregates nobody reads.
  await conn.run(`CREATE TABLE rfm AS
    SELECT customer_id, max(ts::TIMESTAMP) AS last_order, count(DISTINCT order_id) AS orders, sum(quantity::DOUBLE * unit_price::DOUBLE) AS revenue
    FROM ${reader} WHERE type = 'order' AND customer_id IS NOT NULL GROUP BY customer_id`);
  const r = await conn.runAndReadAll(`SELECT count(*) AS customers FROM rfm`);
  const rows = Number(r.getRowObjectsJS()[0]!.customers);
  return { phase: `baseline-${format}`, seconds: (performance.now() - t) / 1000, cpuSeconds: cpuSeconds() - cpu, peakRssMb: peakRssMb(), rows };
}

async function floor(format: string, dir: string, dbPath: string): Promise<PhaseResult> {
  rmSync(dbPath, { force: true });
  const db = await DuckDBInstance.create(dbPath, { memory_limit: memoryLimit });
  const conn = await db.connect();
  const file = eventsFile(dir, format);
  const reader = format === 'csv' ? `read_csv('${file}', header = true, all_varchar = true)` : `read_parquet('${file}')`;
  const t = performance.now();
  const cpu = cpuSeconds();
  await conn.run(`CREATE TABLE events AS SELECT * REPLACE (ts::TIMESTAMP AS ts, quantity::DOUBLE AS quantity, unit_price::DOUBLE AS unit_price,
    discount::DOUBLE AS discount, properties::JSON AS properties) FROM ${reader}`);
  await conn.run(`CREATE TABLE rfm AS SELECT customer_id, max(ts) AS last_order, count(DISTINCT order_id) AS orders, sum(quantity * unit_price) AS revenue
    FROM events WHERE type = 'order' AND customer_id IS NOT NULL GROUP BY customer_id`);
  const rows = Number((await conn.runAndReadAll('SELECT count(*) AS n FROM events')).getRowObjectsJS()[0]!.n);
  const seconds = (performance.now() - t) / 1000;
  const cpuUsed = cpuSeconds() - cpu;
  conn.closeSync();
  db.closeSync();
  rmSync(dbPath, { force: true });
  return { phase: `floor-${format}`, seconds, cpuSeconds: cpuUsed, peakRssMb: peakRssMb(), rows };
}

/** The demo's events mapping, or the same without the id column: an export that carries no event ids. */
function eventsMapping(contentIds: boolean): Mapping {
  const mapping = presetMapping('segmint-events');
  if (!contentIds) return mapping;
  return { ...mapping, columns: Object.fromEntries(Object.entries(mapping.columns).filter(([field]) => field !== 'id')) };
}

async function segmint(format: string, dir: string, dbPath: string, contentIds: boolean): Promise<PhaseResult> {
  rmSync(dbPath, { force: true });
  rmSync(`${dbPath}.wal`, { force: true });
  const store = await Store.open({ path: dbPath, memory });
  const t0 = performance.now();
  const cpu = cpuSeconds();
  await importFile(store, join(dir, 'products.csv'), presetMapping('segmint-products'));
  await importFile(store, join(dir, 'customers.csv'), presetMapping('segmint-customers'));
  const t1 = performance.now();
  const steps: Record<string, number> = {};
  const events = await importFile(store, eventsFile(dir, format), eventsMapping(contentIds), {
    onStep: (step) => (steps[step] = performance.now()),
  });
  // Each step's time runs until the next step starts (in the order they ran, which differs between versions).
  const order = Object.keys(steps).sort((x, y) => steps[x]! - steps[y]!);
  const stepSeconds = Object.fromEntries(order.map((s, i) => [s, ((steps[order[i + 1]!] ?? performance.now()) - steps[s]!) / 1000]));
  const t2 = performance.now();
  const asOf = await defaultAsOf(store);
  const customers = await materializeCustomerFeatures(store, asOf);
  const t3 = performance.now();
  const cpuUsed = cpuSeconds() - cpu;
  store.close();
  return {
    phase: `segmint-${format}${contentIds ? '-content-ids' : ''}`,
    seconds: (t3 - t0) / 1000,
    cpuSeconds: cpuUsed,
    peakRssMb: peakRssMb(),
    rows: events.rows,
    detail: {
      entitiesSeconds: (t1 - t0) / 1000,
      eventsImportSeconds: (t2 - t1) / 1000,
      stepSeconds,
      featuresSeconds: (t3 - t2) / 1000,
      accepted: events.accepted,
      rejected: events.rejected,
      customers,
    },
  };
}

const result =
  phase === 'generate' ? await generate(a!, Number(b), Number(c))
  : phase === 'baseline' ? await baseline(a!, b!)
  : phase === 'floor' ? await floor(a!, b!, c!)
  : phase === 'segmint' ? await segmint(a!, b!, c!, d === 'content-ids')
  : undefined;
if (!result) throw new Error(`unknown phase ${phase}`);
process.stdout.write(`${JSON.stringify(result)}\n`);
