import { ident, join, listIndexOf, listLength, listMin, listSortedAt, sql, type Sql } from '../sql/index.js';
import { Z_LIMIT } from '../models/index.js';
import type { ClusteringModel } from './model.js';

/**
 * The batch assignment of every buyer in a feature table to the model's nearest centroid: the same arithmetic as
 * `assign` in model.ts (fill, signed log1p, robust scale capped at +-Z_LIMIT, Euclidean distance, first nearest on a tie), in SQL so a
 * run assigns a million customers without moving them through JavaScript. Columns: customer_id, cluster (0-based),
 * distance, confidence.
 */
export function assignmentQuery(model: ClusteringModel, table: string): Sql {
  const scaled = model.features.map((f, i) => {
    const p = model.scaling[i]!;
    const x = sql`coalesce(CAST(${ident(f)} AS DOUBLE), CAST(${model.fill[i]!} AS DOUBLE))`;
    const t = p.transform === 'log1p' ? sql`sign(${x}) * ln(1 + abs(${x}))` : x;
    const z = sql`(${t} - CAST(${p.center} AS DOUBLE)) / CAST(${p.scale} AS DOUBLE)`;
    return sql`greatest(CAST(${-Z_LIMIT} AS DOUBLE), least(CAST(${Z_LIMIT} AS DOUBLE), ${z})) AS ${ident(`z${i}`)}`;
  });
  const distances = model.clusters.map(
    (c) => sql`sqrt(${join(c.centroid.map((v, i) => sql`pow(${ident(`z${i}`)} - CAST(${v} AS DOUBLE), 2)`), ' + ')})`,
  );
  const ds = sql`ds`;
  return sql`SELECT customer_id, ${listIndexOf(ds, listMin(ds))} - 1 AS cluster, ${listMin(ds)} AS distance,
      CASE WHEN ${listLength(ds)} < 2 THEN 1 ELSE coalesce(1 - ${listMin(ds)} / NULLIF(${listSortedAt(ds, 2)}, 0), 1) END AS confidence
    FROM (SELECT customer_id, [${join(distances)}] AS ds
          FROM (SELECT customer_id, ${join(scaled)} FROM ${ident(table)} WHERE orders >= 1))`;
}
