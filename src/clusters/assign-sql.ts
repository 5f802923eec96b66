import { ident, join, raw, sql, type Sql } from '../sql/index.js';
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
  const d = (j: number): Sql => ident(`d${j}`);
  const distances = model.clusters.map(
    (c, j) => sql`sqrt(${join(c.centroid.map((v, i) => sql`pow(${ident(`z${i}`)} - CAST(${v} AS DOUBLE), 2)`), ' + ')}) AS ${d(j)}`,
  );
  // The least of the distances, the first cluster at it, and the least of the others (the nearest again on a tie): a
  // column each rather than a list of the distances sorted per buyer, 30% of the statement's CPU on the demo store.
  // least() of two at a time, which every engine takes.
  const leastOf = (js: number[]): Sql => js.map(d).reduce((a, b) => sql`least(${a}, ${b})`);
  const all = model.clusters.map((_, j) => j);
  const nearest = sql`CASE ${join(all.map((j) => sql`WHEN ${d(j)} = distance THEN ${raw(String(j))}`), ' ')} END`;
  const second = (): Sql => sql`CASE cluster ${join(all.map((j) => sql`WHEN ${raw(String(j))} THEN ${leastOf(all.filter((o) => o !== j))}`), ' ')} END`;
  const confidence = all.length < 2 ? sql`CAST(1 AS DOUBLE)` : sql`coalesce(1 - distance / NULLIF(${second()}, 0), 1)`;
  return sql`SELECT customer_id, cluster, distance, ${confidence} AS confidence
    FROM (SELECT customer_id, ${join(all.map(d))}, distance, ${nearest} AS cluster
          FROM (SELECT customer_id, ${join(all.map(d))}, ${leastOf(all)} AS distance
                FROM (SELECT customer_id, ${join(distances)}
                      FROM (SELECT customer_id, ${join(scaled)} FROM ${ident(table)} WHERE orders >= 1))))`;
}
