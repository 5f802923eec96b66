import { z } from 'zod';
import { chooseK, fitScaling, kmeans, median, scaleRow, unscaleRow, type ColumnScaling } from '../models/index.js';
import { ValidationError } from '../shared/errors.js';
import { fnv1a } from '../shared/hash.js';
import { slug } from '../shared/slug.js';
import { ident, join, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { CLUSTER_METHODS, type ClusterMethod } from './methods.js';
import { assign, featureLeanSchema, leaningText, loadModel, MODEL_KINDS, saveModel, type ClusterInfo, type ClusteringModel, type ModelKind } from './model.js';
import { nameClusters } from './naming.js';
import { assignmentQuery } from './assign-sql.js';
import { drawSample, storeClusterSample } from './sample.js';

const clusterSummarySchema = z.object({
  id: z.string().describe('stable across refits; for customers, the id of its audience'),
  name: z.string(),
  description: z.string(),
  size: z.number().int().describe('rows nearest to its centroid at the fit'),
  revenue_share: z.number(),
  average_spend: z.number().describe('revenue per customer (for products: per product)'),
  top_features: z.array(featureLeanSchema).describe('its strongest numeric leanings, strongest first'),
  leanings: z.string().describe('the first three leanings in words, against the median: "orders 3.5x the median, ..."'),
  action: z.string().describe('what a marketer might do with it'),
  warnings: z.array(z.string()).describe('why the cluster has a plain name rather than an archetype’s'),
});

/** A fitted clustering as its fit reports it and `clusters show` / GET /v1/clusters/:method read it back. */
export const clusteringReportSchema = z
  .object({
    method: z.enum(MODEL_KINDS),
    as_of: z.string().describe('the features it was fitted on are as of this date'),
    customers: z.number().int().describe('rows clustered: buyers, or products'),
    k: z.number().int(),
    k_reason: z.string().describe('how k was chosen'),
    inertia: z.number(),
    clusters: z.array(clusterSummarySchema),
  })
  .meta({ id: 'ClusteringReport' });
export type ClusteringReport = z.infer<typeof clusteringReportSchema>;

interface FitOptions {
  /** The feature table to fit on and its as-of date (a run's). */
  table: string;
  asOf: string;
  k?: number | undefined;
  seed?: number | undefined;
}

/**
 * Matches new centroids to the previous fit's, nearest pairs first, so a cluster keeps its id and name across refits.
 * Old centroids are carried into the new scaling through their feature values. A pair further apart than
 * MATCH_RADIUS is not the same cluster any more (the data or k changed its shape): the new one is named afresh, so a
 * name always describes its centroid. Refits two weeks apart on the demo moved centroids 0.02 to 0.26.
 */
/** In scaled units (robust standard deviations), Euclidean. */
const MATCH_RADIUS = 1;

function matchPrevious(prev: ClusteringModel | undefined, features: string[], centroids: number[][], scaling: ColumnScaling[]): Map<number, ClusterInfo> {
  const kept = new Map<number, ClusterInfo>();
  // A clustering on other features (the method's list changed) starts afresh.
  if (!prev || prev.features.join() !== features.join()) return kept;
  const old = prev.clusters.map((c) => Array.from(scaleRow(unscaleRow(c.centroid, prev.scaling), scaling)));
  const pairs = centroids.flatMap((c, i) => old.map((o, j) => ({ i, j, d: c.reduce((s, v, f) => s + (v - o[f]!) ** 2, 0) })));
  pairs.sort((a, b) => a.d - b.d);
  const usedOld = new Set<number>();
  for (const { i, j, d } of pairs) {
    if (d > MATCH_RADIUS ** 2) break;
    if (kept.has(i) || usedOld.has(j)) continue;
    kept.set(i, prev.clusters[j]!);
    usedOld.add(j);
  }
  return kept;
}

/** What a clustering is fitted on: numeric features (filled, then scaled) and optional 0/1 columns after them. */
export interface Dataset {
  kind: ModelKind;
  /** Numeric features first, then `binary` indicator columns (e.g. `category=knitwear`), which are not rescaled. */
  features: string[];
  binary: number;
  /** One column a feature, in `features`' order, a value a row; NaN where a value is missing. No row objects. */
  columns: Float64Array[];
  /** Revenue of each row, for revenue shares and average spend. */
  revenue: ArrayLike<number>;
  /**
   * The rows the scaling, k and centroids are fitted on, when not every row (customers with enough orders to show a
   * habit); every row is still assigned and counted.
   */
  fitOn?: { rows: ArrayLike<number>; noun: string } | undefined;
  /**
   * A number per row that orders them for a sample the memory setting makes the fit take (fitSample); the rows'
   * order when absent.
   */
  draws?: Uint32Array | undefined;
  /** What the caller holds for the rows beside the columns (the customers' ids), in bytes: also the budget's. */
  heldBytes?: number | undefined;
  /**
   * Every row's nearest centroid of a model: the index of its cluster, a row each. In JavaScript (model.ts assign)
   * unless given; customers are assigned in SQL (assign-sql.ts), as their audiences are.
   */
  assignAll?: ((model: ClusteringModel) => Promise<Int32Array>) | undefined;
  /** Said after the reason for k: which rows the fit used and why. */
  note?: string | undefined;
  /** What a row is, for messages: "customers with an order", "products". */
  noun: string;
  idPrefix: string;
}

/** Columns from row objects (products, tests): a missing value (null or absent) becomes NaN. */
export function columnsOf(rows: ReadonlyArray<Readonly<Record<string, number | null | undefined>>>, features: readonly string[]): Float64Array[] {
  return features.map((f) => Float64Array.from(rows, (r) => r[f] ?? NaN));
}

const INDICATOR: ColumnScaling = { transform: 'identity', center: 0, scale: 1, scaleFrom: 'constant' };

/**
 * Bytes the fit holds per value of a row it is fitted on: the filled numeric copy, its scaled copy, the matrix
 * k-means reads and k-means' shared copy of it, plus slack for the k sweep's sample; and per row, k-means' labels and
 * Hamerly bounds on each of its two threads.
 */
const FIT_BYTES_PER_VALUE = 40;
const FIT_BYTES_PER_ROW = 64;

/**
 * The fit rows the memory setting's share for structures (`store.memory.structures`) can hold beside the loaded
 * columns: all of them when they fit, else that many, those whose draws are lowest (the customers whose id hashes
 * lowest: the same customers from one fit to the next, whatever the order of the rows), in row order. k-means++
 * seeds and iterates on them as on all rows; every row is still assigned to the centroids they give.
 */
export function fitSample(fitRows: ArrayLike<number>, draws: Uint32Array | undefined, loadedBytes: number, budget: number, cols: number): { rows: Int32Array; sampled: boolean } {
  const all = Int32Array.from(fitRows);
  const room = Math.floor((budget - loadedBytes) / (cols * FIT_BYTES_PER_VALUE + FIT_BYTES_PER_ROW));
  if (all.length <= room) return { rows: all, sampled: false };
  const keep = Math.max(room, MIN_FIT_SAMPLE);
  if (all.length <= keep) return { rows: all, sampled: false };
  const order = draws ? all.slice().sort((a, b) => draws[a]! - draws[b]! || a - b) : all;
  return { rows: order.slice(0, keep).sort(), sampled: true };
}

/** However small the setting, a fit sees at least this many rows: below it the clusters would be noise. */
const MIN_FIT_SAMPLE = 20_000;

/** The JavaScript assignment, for datasets that are not a table (products): model.ts assign, row by row. */
function assignInJs(ds: Dataset, rows: number): (model: ClusteringModel) => Promise<Int32Array> {
  return (model) => {
    const assigned = new Int32Array(rows);
    const row: Record<string, number | null> = { orders: 1 };
    for (let i = 0; i < rows; i++) {
      // Every row belongs to the population; `orders` is only absent when it is not one of the features.
      ds.features.forEach((f, c) => (row[f] = ds.columns[c]![i]!));
      assigned[i] = model.clusters.findIndex((c) => c === assign(model, row)!.cluster);
    }
    return Promise.resolve(assigned);
  };
}

/**
 * Fill, scale, choose k (unless given), k-means, name from the centroids, match the previous fit so ids and names
 * stay, store the model. Sizes count whoever is nearest to each final centroid, as assignment later places them. The
 * fit holds typed arrays only, on a sample when the memory setting cannot hold every row's copies (fitSample).
 */
export async function fitDataset(
  store: Store,
  ds: Dataset,
  options: Omit<FitOptions, 'table'>,
): Promise<{ model: ClusteringModel; report: ClusteringReport; assigned: Int32Array }> {
  const { features, columns } = ds;
  const cols = features.length;
  const numeric = cols - ds.binary;
  const rowCount = columns[0]?.length ?? 0;
  const candidates = ds.fitOn?.rows ?? Int32Array.from({ length: rowCount }, (_, i) => i);
  if (candidates.length < 2) throw new ValidationError(`${ds.kind} clustering needs at least 2 ${ds.fitOn?.noun ?? ds.noun}; there are ${candidates.length}`);
  const loaded = rowCount * (cols + 2) * 8 + (ds.heldBytes ?? 0);
  const { rows: fitRows, sampled } = fitSample(candidates, ds.draws, loaded, store.memory.structures, cols);
  const n = fitRows.length;
  const fill = columns.map((column) => median(Float64Array.from(fitRows, (i) => column[i]!)));
  const value = (i: number, c: number): number => {
    const v = columns[c]![i]!;
    return Number.isNaN(v) ? fill[c]! : v;
  };
  const numericRaw = new Float64Array(n * numeric);
  fitRows.forEach((row, i) => {
    for (let c = 0; c < numeric; c++) numericRaw[i * numeric + c] = value(row, c);
  });
  const scaled = fitScaling(numericRaw, n, numeric);
  const params = [...scaled.params, ...Array.from({ length: ds.binary }, () => INDICATOR)];
  const data = new Float64Array(n * cols);
  fitRows.forEach((row, i) => {
    for (let c = 0; c < cols; c++) data[i * cols + c] = c < numeric ? scaled.data[i * numeric + c]! : value(row, c);
  });
  const prev = await loadModel(store, ds.kind);
  const seed = options.seed ?? 0;
  let k = options.k;
  let reason = `k = ${k} as asked`;
  if (k === undefined) {
    const chosen = await chooseK(data, n, cols, { kMax: Math.min(8, n), seed });
    k = chosen.k;
    reason = chosen.reason;
  }
  if (!Number.isInteger(k) || k < 2 || k > n) throw new ValidationError(`--k: ${k} must be an integer from 2 to the ${n} ${ds.fitOn?.noun ?? ds.noun}`, { k });
  if (ds.note) reason = `${reason}; ${ds.note}`;
  if (sampled) reason = `${reason}; centroids from ${n} of the ${candidates.length} ${ds.fitOn?.noun ?? ds.noun}, those whose id hashes lowest, as many as the memory setting holds`;
  const fit = await kmeans(data, n, cols, { k, seed });
  const centroids = Array.from({ length: k }, (_, j) => Array.from(fit.centroids.subarray(j * cols, (j + 1) * cols)));

  const draft: ClusteringModel = { method: ds.kind, features, fill, scaling: params, clusters: centroids.map((c, j) => ({ id: String(j), name: '', description: '', action: '', centroid: c, leans: [], size: 0, revenue: 0, warnings: [] })), as_of: options.asOf, k_reason: reason, inertia: fit.inertia };
  const sums = centroids.map(() => new Float64Array(cols));
  const size = new Float64Array(k);
  const revenue = new Float64Array(k);
  const assigned = await (ds.assignAll ?? assignInJs(ds, rowCount))(draft);
  for (let i = 0; i < rowCount; i++) {
    const j = assigned[i]!;
    size[j]!++;
    revenue[j]! += ds.revenue[i] ?? 0;
    for (let c = 0; c < cols; c++) sums[j]![c]! += value(i, c);
  }
  const leans = centroids.map((c, j) => {
    const value = unscaleRow(c, params);
    return features
      .map((f, i) => ({ feature: f, z: c[i]!, value: value[i]!, median: fill[i]!, mean: size[j] ? sums[j]![i]! / size[j] : null }))
      .sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
  });

  // A feature tells the fitted rows apart only if they do not all share one value (after filling the missing ones).
  const varies = features.map((_, c) => fitRows.some((row) => value(row, c) !== value(fitRows[0]!, c)));
  const kept = matchPrevious(prev, features, centroids, params);
  const names = nameClusters(
    ds.kind,
    centroids.map((c, j) => ({
      z: (f: string) => c[features.indexOf(f)] ?? 0,
      mean: (f: string) => leans[j]!.find((l) => l.feature === f)?.mean ?? null,
      size: size[j]!,
      kept: kept.get(j)?.name,
    })),
    { features: features.slice(0, numeric), hasData: (f) => varies[features.indexOf(f)] ?? false },
  );
  const taken = new Set<string>(names.flatMap((n, j) => (n.kept ? [kept.get(j)!.id] : [])));
  const clusters: ClusterInfo[] = centroids.map((c, j) => {
    const n = names[j]!;
    const measured = { centroid: c, leans: leans[j]!, size: size[j]!, revenue: revenue[j]!, warnings: n.warnings };
    if (n.kept) return { ...kept.get(j)!, ...measured };
    let id = `${ds.idPrefix}${slug(n.name)}`;
    for (let s = 2; taken.has(id); s++) id = `${ds.idPrefix}${slug(n.name)}-${s}`;
    taken.add(id);
    return { id, name: n.name, description: n.description, action: n.action, ...measured };
  });
  const model: ClusteringModel = { ...draft, clusters };
  await saveModel(store, model);
  return { model, report: reportOf(model), assigned };
}

/**
 * What a fit reports and `clusters show` prints, from the model alone: per cluster its size and revenue share at the
 * fit, leading numeric features, and, for indicator columns (`category=knitwear`), the values most of its rows carry.
 */
export function reportOf(model: ClusteringModel): ClusteringReport {
  const total = model.clusters.reduce((s, c) => s + c.revenue, 0);
  const indicator = (feature: string): boolean => feature.includes('=');
  return {
    method: model.method,
    as_of: model.as_of,
    customers: model.clusters.reduce((s, c) => s + c.size, 0),
    k: model.clusters.length,
    k_reason: model.k_reason,
    inertia: model.inertia,
    clusters: model.clusters.map((c) => {
      const mostly = c.leans
        .filter((l) => indicator(l.feature) && (l.mean ?? 0) >= MOSTLY)
        .slice(0, 3)
        .map((l) => `${l.feature.split('=')[1]} ${Math.round((l.mean ?? 0) * 100)}%`)
        .join(', ');
      const leans = c.leans.filter((l) => !indicator(l.feature)).slice(0, 4);
      return {
        id: c.id,
        name: c.name,
        description: mostly ? `${c.description}; mostly ${mostly}` : c.description,
        size: c.size,
        revenue_share: total ? c.revenue / total : 0,
        average_spend: c.size ? c.revenue / c.size : 0,
        top_features: leans,
        leanings: leaningText(leans),
        action: c.action,
        warnings: c.warnings,
      };
    }),
  };
}

/** An indicator value held by at least this share of a cluster's rows is named in its description. */
const MOSTLY = 0.25;

/** Below this many customers with a method's `fitFrom` orders, the fit uses every buyer rather than a handful. */
const MIN_ESTABLISHED = 500;

/**
 * Fits a customer clustering on a feature table and stores the model and a sample of its customers for the scatter
 * (sample.ts); its clusters become audiences through the cluster kind (audiences/kinds/cluster.ts keepClusterAudiences).
 */
export function fitClustering(store: Store, method: ClusterMethod, options: FitOptions): Promise<ClusteringReport> {
  // The fit holds at most the structures' share (fitSample), which DuckDB's pool gives up while it runs.
  return store.lending(store.memory.structures, () => fitCustomers(store, method, options));
}

async function fitCustomers(store: Store, method: ClusterMethod, options: FitOptions): Promise<ClusteringReport> {
  const { features: names, fitFrom } = CLUSTER_METHODS[method];
  const features: string[] = [...names];
  const buyers = sql`FROM ${ident(options.table)} WHERE orders >= 1 ORDER BY customer_id`;
  // Columns of doubles and the ids, read from DuckDB's vectors: no object a customer.
  const v = await store.vectors(sql`
    SELECT customer_id AS __id, CAST(revenue AS DOUBLE) AS __revenue, CAST(orders AS DOUBLE) AS __orders, ${join(features.map((f, i) => sql`CAST(${ident(f)} AS DOUBLE) AS ${ident(`f${i}`)}`))}
    ${buyers}`);
  const ids = v.__id as string[];
  const orders = v.__orders as Float64Array;
  const columns = features.map((_, i) => v[`f${i}`] as Float64Array);
  const established: number[] = [];
  for (let i = 0; i < orders.length; i++) if (orders[i]! >= fitFrom) established.push(i);
  const enough = established.length >= MIN_ESTABLISHED;
  const fitOn = fitFrom > 1 && enough ? { rows: established, noun: `customers with ${fitFrom} orders or more` } : undefined;
  const note =
    fitFrom === 1
      ? undefined
      : enough
        ? `fitted on the ${established.length} customers with ${fitFrom} orders or more, every one of the ${ids.length} customers with an order assigned to the nearest centroid`
        : `fitted on every buyer: only ${established.length} have ${fitFrom} orders or more (${MIN_ESTABLISHED} needed)`;
  const draws = Uint32Array.from(ids, fnv1a);
  // A string in V8: a header of about 16 bytes and one or two bytes a character; 8 more for its slot in the array.
  const heldBytes = ids.reduce((sum, id) => sum + 24 + 2 * id.length, 0) + draws.byteLength;
  const assignAll = async (model: ClusteringModel): Promise<Int32Array> => {
    const { cluster } = await store.vectors(sql`SELECT CAST(cluster AS DOUBLE) AS cluster FROM (${assignmentQuery(model, options.table)}) ORDER BY customer_id`);
    return Int32Array.from(cluster as Float64Array);
  };
  const { model, report, assigned } = await fitDataset(
    store,
    { kind: method, features, binary: 0, columns, revenue: v.__revenue as Float64Array, noun: 'customers with an order', idPrefix: `cluster-${method}-`, fitOn, note, draws, heldBytes, assignAll },
    options,
  );
  await storeClusterSample(store, drawSample({ ...model, method }, columns, ids, assigned, draws));
  return report;
}
