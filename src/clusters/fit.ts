import { z } from 'zod';
import { chooseK, fitScaling, kmeans, median, scaleRow, unscaleRow, type ColumnScaling } from '../models/index.js';
import { ValidationError } from '../shared/errors.js';
import { slug } from '../shared/slug.js';
import { ident, join, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { CLUSTER_METHODS, type ClusterMethod } from './methods.js';
import { assign, featureLeanSchema, leaningText, loadModel, MODEL_KINDS, saveModel, type ClusterInfo, type ClusteringModel, type ModelKind } from './model.js';
import { nameClusters } from './naming.js';
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
export type ClusterSummary = z.infer<typeof clusterSummarySchema>;

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

export interface FitOptions {
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
  rows: ReadonlyArray<Readonly<Record<string, number | null>>>;
  /** Revenue of each row, for revenue shares and average spend. */
  revenue: ArrayLike<number>;
  /**
   * The rows the scaling, k and centroids are fitted on, when not every row (customers with enough orders to show a
   * habit); every row is still assigned and counted.
   */
  fitOn?: { rows: readonly number[]; noun: string } | undefined;
  /** Said after the reason for k: which rows the fit used and why. */
  note?: string | undefined;
  /** What a row is, for messages: "customers with an order", "products". */
  noun: string;
  idPrefix: string;
}

const INDICATOR: ColumnScaling = { transform: 'identity', center: 0, scale: 1, scaleFrom: 'constant' };

/**
 * Fill, scale, choose k (unless given), k-means, name from the centroids, match the previous fit so ids and names
 * stay, store the model. Sizes count whoever is nearest to each final centroid, as assignment later places them.
 */
export async function fitDataset(
  store: Store,
  ds: Dataset,
  options: Omit<FitOptions, 'table'>,
): Promise<{ model: ClusteringModel; report: ClusteringReport; assigned: Int32Array }> {
  const { features, rows } = ds;
  const cols = features.length;
  const numeric = cols - ds.binary;
  const fitRows = ds.fitOn?.rows ?? rows.map((_, i) => i);
  if (fitRows.length < 2) throw new ValidationError(`${ds.kind} clustering needs at least 2 ${ds.fitOn?.noun ?? ds.noun}; there are ${fitRows.length}`);
  const n = fitRows.length;
  const fill = features.map((f) => median(fitRows.map((i) => rows[i]![f] ?? NaN)));
  const raw = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => features.forEach((f, c) => (raw[i * cols + c] = r[f] ?? fill[c]!)));
  const numericRaw = new Float64Array(n * numeric);
  fitRows.forEach((row, i) => {
    for (let c = 0; c < numeric; c++) numericRaw[i * numeric + c] = raw[row * cols + c]!;
  });
  const scaled = fitScaling(numericRaw, n, numeric);
  const params = [...scaled.params, ...Array.from({ length: ds.binary }, () => INDICATOR)];
  const data = new Float64Array(n * cols);
  fitRows.forEach((row, i) => {
    for (let c = 0; c < cols; c++) data[i * cols + c] = c < numeric ? scaled.data[i * numeric + c]! : raw[row * cols + c]!;
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
  const fit = await kmeans(data, n, cols, { k, seed });
  const centroids = Array.from({ length: k }, (_, j) => Array.from(fit.centroids.subarray(j * cols, (j + 1) * cols)));

  const draft: ClusteringModel = { method: ds.kind, features, fill, scaling: params, clusters: centroids.map((c, j) => ({ id: String(j), name: '', description: '', action: '', centroid: c, leans: [], size: 0, revenue: 0, warnings: [] })), as_of: options.asOf, k_reason: reason, inertia: fit.inertia };
  const sums = centroids.map(() => new Float64Array(cols));
  const size = new Float64Array(k);
  const revenue = new Float64Array(k);
  const assigned = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    // Every row belongs to the population; `orders` is only absent when it is not one of the features.
    const j = Number(assign(draft, { orders: 1, ...r })!.cluster.id);
    assigned[i] = j;
    size[j]!++;
    revenue[j]! += ds.revenue[i] ?? 0;
    for (let c = 0; c < cols; c++) sums[j]![c]! += raw[i * cols + c]!;
  });
  const leans = centroids.map((c, j) => {
    const value = unscaleRow(c, params);
    return features
      .map((f, i) => ({ feature: f, z: c[i]!, value: value[i]!, median: fill[i]!, mean: size[j] ? sums[j]![i]! / size[j] : null }))
      .sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
  });

  // A feature tells the fitted rows apart only if they do not all share one value (after filling the missing ones).
  const varies = features.map((_, c) => fitRows.some((row) => raw[row * cols + c] !== raw[fitRows[0]! * cols + c]));
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
export async function fitClustering(store: Store, method: ClusterMethod, options: FitOptions): Promise<ClusteringReport> {
  const { features: names, fitFrom } = CLUSTER_METHODS[method];
  const features: string[] = [...names];
  const rows = await store.all<Record<string, number | null> & { __id: string; __revenue: number; __orders: number }>(sql`
    SELECT customer_id AS __id, revenue AS __revenue, CAST(orders AS DOUBLE) AS __orders, ${join(features.map((f) => sql`CAST(${ident(f)} AS DOUBLE) AS ${ident(f)}`))}
    FROM ${ident(options.table)} WHERE orders >= 1 ORDER BY customer_id`);
  const established = rows.flatMap((r, i) => (r.__orders >= fitFrom ? [i] : []));
  const enough = established.length >= MIN_ESTABLISHED;
  const fitOn = fitFrom > 1 && enough ? { rows: established, noun: `customers with ${fitFrom} orders or more` } : undefined;
  const note =
    fitFrom === 1
      ? undefined
      : enough
        ? `fitted on the ${established.length} customers with ${fitFrom} orders or more, every one of the ${rows.length} customers with an order assigned to the nearest centroid`
        : `fitted on every buyer: only ${established.length} have ${fitFrom} orders or more (${MIN_ESTABLISHED} needed)`;
  const { model, report, assigned } = await fitDataset(
    store,
    { kind: method, features, binary: 0, rows, revenue: rows.map((r) => r.__revenue), noun: 'customers with an order', idPrefix: `cluster-${method}-`, fitOn, note },
    options,
  );
  await storeClusterSample(store, drawSample({ ...model, method }, rows, rows.map((r) => r.__id), assigned));
  return report;
}
