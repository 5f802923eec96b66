import { z } from 'zod';
import { scaleRow, type ColumnScaling } from '../models/index.js';
import { ident, sql, upsertInto } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { CLUSTER_METHOD_NAMES, type ClusterMethod } from './methods.js';

/** How a cluster's centroid leans on one feature. */
export const featureLeanSchema = z.object({
  feature: z.string(),
  z: z
    .number()
    .describe("the centroid in robust z units: 0 = the fitted population's median, 1 = one IQR / 1.349 above it, after log1p for a skewed feature"),
  value: z.number().describe('the centroid in the feature’s own units: a typical member (log1p undone), what the leaning text compares'),
  median: z.number().describe("the fitted population's median, in the feature's own units"),
  mean: z.number().nullable().describe("the cluster members' mean, in the feature's own units"),
});
export type FeatureLean = z.infer<typeof featureLeanSchema>;

export interface ClusterInfo {
  /** Stable across refits: the audience id. */
  id: string;
  name: string;
  description: string;
  action: string;
  /** In scaled units, one value per feature. */
  centroid: number[];
  leans: FeatureLean[];
  /** Rows nearest to the centroid at the fit, and their revenue. */
  size: number;
  revenue: number;
  /** Why the cluster has a plain name: the archetype name refused and the reason (naming.ts). */
  warnings: string[];
}

/** A customer clustering method, or the product clustering. */
export const MODEL_KINDS = [...CLUSTER_METHOD_NAMES, 'products'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** A fitted clustering as stored: enough to assign any customer later exactly as the run did. */
export interface ClusteringModel {
  method: ModelKind;
  features: string[];
  /** Raw-unit medians that stand in for a missing value (a buyer without email sends has no open rate). */
  fill: number[];
  scaling: ColumnScaling[];
  clusters: ClusterInfo[];
  as_of: string;
  k_reason: string;
  inertia: number;
}

export interface Assignment {
  cluster: ClusterInfo;
  /** Euclidean, in scaled units. */
  distance: number;
  /** 1 - nearest / second nearest distance: 0 on the border between two clusters, near 1 at a centroid. */
  confidence: number;
}

// Product clusterings live under another prefix: runs refit and assign only the customer ones (`clustering.*`).
const settingsKey = (kind: ModelKind): string => (kind === 'products' ? 'product_clustering' : `clustering.${kind}`);

export async function loadModel(store: Store, kind: ModelKind): Promise<ClusteringModel | undefined> {
  const row = await store.one<{ value: string }>(sql`SELECT value FROM settings WHERE key = ${settingsKey(kind)}`);
  return row ? (JSON.parse(row.value) as ClusteringModel) : undefined;
}

/** The customer clusterings. */
export async function loadModels(store: Store): Promise<Array<ClusteringModel & { method: ClusterMethod }>> {
  const rows = await store.all<{ value: string }>(sql`SELECT value FROM settings WHERE key LIKE 'clustering.%' ORDER BY key`);
  return rows.map((r) => JSON.parse(r.value) as ClusteringModel & { method: ClusterMethod });
}

export async function saveModel(store: Store, model: ClusteringModel): Promise<void> {
  await store.run(sql`${upsertInto(ident('settings'))} VALUES (${settingsKey(model.method)}, ${JSON.stringify(model)})`);
}

/** Buyers only (see methods.ts). */
const inPopulation = (features: Readonly<Record<string, unknown>>): boolean => Number(features.orders ?? 0) >= 1;

/** The nearest centroid of one customer's features, as the batch assignment computes it (assign-sql.ts). */
export function assign(model: ClusteringModel, features: Readonly<Record<string, unknown>>): Assignment | undefined {
  if (!inPopulation(features)) return undefined;
  const raw = model.features.map((f, i) => {
    const v = features[f];
    return typeof v === 'number' && Number.isFinite(v) ? v : model.fill[i]!;
  });
  const z = scaleRow(raw, model.scaling);
  let best = -1;
  let d1 = Infinity;
  let d2 = Infinity;
  model.clusters.forEach((c, j) => {
    let s = 0;
    for (let i = 0; i < z.length; i++) s += (z[i]! - c.centroid[i]!) ** 2;
    const d = Math.sqrt(s);
    if (d < d1) {
      d2 = d1;
      d1 = d;
      best = j;
    } else if (d < d2) d2 = d;
  });
  return { cluster: model.clusters[best]!, distance: d1, confidence: d2 > 0 && Number.isFinite(d2) ? 1 - d1 / d2 : 1 };
}

const shown = (v: number): string => String(+v.toPrecision(2));

/**
 * One leaning, against the fitted population's median: "orders 3.5x the median" (the centroid's value over the
 * median), or the two values where a ratio says nothing (a median of 0 or below): "return_rate 0.12 (median 0)".
 */
const leanText = (l: FeatureLean): string =>
  l.median > 0 && l.value >= 0 ? `${l.feature} ${shown(l.value / l.median)}x the median` : `${l.feature} ${shown(l.value)} (median ${shown(l.median)})`;

/** The strongest leanings of a cluster (its first three), as reasons and the CLI show them. */
export const leaningText = (leans: readonly FeatureLean[]): string => leans.slice(0, 3).map(leanText).join(', ');

export const reasonsOf = (a: Assignment): string => `nearest centroid, distance ${a.distance.toFixed(2)}, confidence ${a.confidence.toFixed(2)}; ${leaningText(a.cluster.leans)}`;
