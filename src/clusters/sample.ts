import { z } from 'zod';
import { findFeature } from '../features/index.js';
import { scaleRow } from '../models/index.js';
import { NotFoundError } from '../shared/errors.js';
import { fnv1a } from '../shared/hash.js';
import { ident, sql, upsertInto } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { principalComponents } from './components.js';
import { CLUSTER_METHOD_NAMES, CLUSTER_METHODS, type ClusterMethod } from './methods.js';
import type { ClusteringModel } from './model.js';

/** Customers a sample holds at most: enough to see each cluster's shape, few enough to draw at once. */
export const SAMPLE_SIZE = 3000;
/** Every cluster gets at least this many points (or all its members), so a small one is seen at all. */
const PER_CLUSTER_FLOOR = 40;
/** Weights shown per principal component: the features that name it. */
const LOADINGS = 3;

const axisSchema = z.object({
  label: z.string().describe('what the axis shows, in words'),
  feature: z.string().nullable().describe('the feature on the axis; null for a principal component'),
  unit: z.string().nullable().describe("the feature's unit (days, currency, ...); null for a component, which has none"),
  loadings: z
    .array(z.object({ feature: z.string(), weight: z.number() }))
    .describe('for a principal component: the features it weighs most, in robust z units; empty for a feature'),
  explained: z.number().nullable().describe('for a principal component: its share of the spread of the scaled inputs'),
});
type SampleAxis = z.infer<typeof axisSchema>;

/** A sample of customers with two coordinates each, coloured by cluster, as GET /v1/clusters/:method/sample answers. */
export const clusterSampleSchema = z
  .object({
    method: z.enum(CLUSTER_METHOD_NAMES),
    as_of: z.string().describe('the run the clustering was fitted on'),
    customers: z.number().int().describe('customers clustered (buyers): the population the sample is drawn from'),
    x: axisSchema,
    y: axisSchema,
    clusters: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        size: z.number().int().describe('its customers in the population'),
        sampled: z.number().int().describe('of them in the sample'),
      }),
    ),
    points: z
      .array(z.tuple([z.number(), z.number(), z.number().int()]))
      .describe(
        `[x, y, cluster index]: at most ${SAMPLE_SIZE} customers drawn by a hash of their id, stratified by cluster (each in proportion to its size, small ones raised to ${PER_CLUSTER_FLOOR}), so the same fit gives the same sample; no ids are kept`,
      ),
  })
  .meta({ id: 'ClusterSample' });
export type ClusterSample = z.infer<typeof clusterSampleSchema>;

// Not under `clustering.`, which holds the models and which runs refit (model.ts).
const settingsKey = (method: ClusterMethod): string => `cluster_sample.${method}`;

/** How many of each cluster a sample of `size` takes: the floor (or all), then the rest in proportion to what is left. */
function quotas(sizes: readonly number[], size: number): number[] {
  const total = sizes.reduce((s, n) => s + n, 0);
  if (total <= size) return [...sizes];
  const floors = sizes.map((n) => Math.min(n, PER_CLUSTER_FLOOR));
  const floored = floors.reduce((s, n) => s + n, 0);
  const left = Math.max(0, size - floored);
  return sizes.map((n, j) => floors[j]! + Math.floor((left * (n - floors[j]!)) / (total - floored)));
}

const round = (v: number): number => +v.toPrecision(4);

function featureAxis(feature: string): SampleAxis {
  const def = findFeature('customer', feature);
  return { label: def ? `${def.description} (${feature})` : feature, feature, unit: def?.unit ?? null, loadings: [], explained: null };
}

/**
 * The sample of a customer clustering just fitted: `columns` are the clustered customers' feature values (a column a
 * feature of the model, NaN where missing), `ids` their ids and `assigned` the index of the cluster each is nearest
 * to. A customer is drawn by a hash of the id (`draws`, FNV-1a of `ids` unless given), so the same customers are
 * drawn whatever the order of the rows, and on every version and machine.
 */
export function drawSample(
  model: ClusteringModel & { method: ClusterMethod },
  columns: readonly Float64Array[],
  ids: readonly string[],
  assigned: Int32Array,
  draws: Uint32Array = Uint32Array.from(ids, fnv1a),
  size = SAMPLE_SIZE,
): ClusterSample {
  const k = model.clusters.length;
  const members: number[][] = Array.from({ length: k }, () => []);
  assigned.forEach((j, i) => members[j]!.push(i));
  const take = quotas(members.map((m) => m.length), size);
  const chosen = members.flatMap((m, j) => m.sort((a, b) => draws[a]! - draws[b]! || (ids[a]! < ids[b]! ? -1 : 1)).slice(0, take[j]));
  const value = (i: number, f: number): number => {
    const v = columns[f]![i]!;
    return Number.isFinite(v) ? v : model.fill[f]!;
  };

  const plot = CLUSTER_METHODS[model.method].plot;
  let x: SampleAxis;
  let y: SampleAxis;
  let coordinates: Array<[number, number]>;
  if (plot === 'components') {
    const cols = model.features.length;
    const scaled = new Float64Array(chosen.length * cols);
    chosen.forEach((i, r) => scaled.set(scaleRow(model.features.map((_, f) => value(i, f)), model.scaling), r * cols));
    const components = principalComponents(scaled, chosen.length, cols, 2);
    const axes = components.map((c, n): SampleAxis => {
      const loadings = model.features
        .map((feature, f) => ({ feature, weight: round(c.weights[f]!) }))
        .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight))
        .slice(0, LOADINGS);
      const named = loadings.map((l) => `${l.weight >= 0 ? 'more' : 'less'} ${l.feature}`).join(', ');
      return { label: `Component ${n + 1}: ${named}`, feature: null, unit: null, loadings, explained: round(c.explained) };
    });
    [x, y] = axes as [SampleAxis, SampleAxis];
    coordinates = chosen.map((_, r) => {
      const z = scaled.subarray(r * cols, (r + 1) * cols);
      const along = (n: number) => components[n]!.weights.reduce((s, w, f) => s + w * z[f]!, 0);
      return [round(along(0)), round(along(1))];
    });
  } else {
    [x, y] = [featureAxis(plot.x), featureAxis(plot.y)];
    const [fx, fy] = [model.features.indexOf(plot.x), model.features.indexOf(plot.y)];
    coordinates = chosen.map((i) => [round(value(i, fx)), round(value(i, fy))]);
  }
  return {
    method: model.method,
    as_of: model.as_of,
    customers: assigned.length,
    x,
    y,
    clusters: model.clusters.map((c, j) => ({ id: c.id, name: c.name, size: members[j]!.length, sampled: take[j]! })),
    points: chosen.map((i, r) => [...coordinates[r]!, assigned[i]!]),
  };
}

/** Kept beside the model, so the scatter reads it back without touching a million rows. */
export async function storeClusterSample(store: Store, sample: ClusterSample): Promise<void> {
  await store.run(sql`${upsertInto(ident('settings'))} VALUES (${settingsKey(sample.method)}, ${JSON.stringify(sample)})`);
}

/** The sample the last fit of a customer clustering drew. */
export async function clusterSample(store: Store, method: ClusterMethod): Promise<ClusterSample> {
  const row = await store.one<{ value: string }>(sql`SELECT value FROM settings WHERE key = ${settingsKey(method)}`);
  if (!row) {
    throw new NotFoundError(`no sample of the ${method} clustering yet: fit it with \`segmint clusters --method ${method}\` or POST /v1/clusters (a run refits it too)`, { method });
  }
  return JSON.parse(row.value) as ClusterSample;
}
