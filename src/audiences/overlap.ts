import { NotFoundError, ValidationError } from '../shared/errors.js';
import { join, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { getAudience } from './repository.js';

export interface OverlapPair {
  a: string;
  b: string;
  size_a: number;
  size_b: number;
  both: number;
  jaccard: number;
}

/** The latest stored run, or the given date when it was stored. */
export async function runDate(store: Store, asOf?: string): Promise<string> {
  const row = await store.one<{ as_of: string | null }>(sql`SELECT strftime(max(as_of), '%Y-%m-%d %H:%M:%S') AS as_of FROM runs
    WHERE ${asOf === undefined ? sql`TRUE` : sql`as_of = CAST(${asOf} AS TIMESTAMP)`}`);
  if (!row?.as_of) throw new NotFoundError(asOf ? `no stored run as of ${asOf}` : 'no run yet: run `segmint run` first', { as_of: asOf });
  return row.as_of;
}

/** Pairwise overlap of the given audiences at one snapshot: shared members and Jaccard index. */
export async function overlap(store: Store, audiences: string[], asOf?: string): Promise<{ as_of: string; pairs: OverlapPair[] }> {
  if (audiences.length < 2) throw new ValidationError('overlap needs two audiences or more');
  const at = await runDate(store, asOf);
  const chosen = await Promise.all(audiences.map((a) => getAudience(store, a)));
  const ids = join(chosen.map((a) => sql`${a.id}`));
  const pairs = await store.all<OverlapPair>(sql`
    WITH m AS (SELECT audience_id, customer_id FROM memberships WHERE as_of = CAST(${at} AS TIMESTAMP) AND audience_id IN (${ids})),
    sizes AS (SELECT audience_id, count(*) AS n FROM m GROUP BY audience_id),
    ids AS (SELECT unnest([${ids}]) AS id),
    shared AS (SELECT x.audience_id AS a, y.audience_id AS b, count(*) AS both FROM m x JOIN m y USING (customer_id)
               WHERE x.audience_id < y.audience_id GROUP BY ALL)
    SELECT i.id AS a, j.id AS b, coalesce(sa.n, 0) AS size_a, coalesce(sb.n, 0) AS size_b, coalesce(s.both, 0) AS both,
      coalesce(s.both, 0) / NULLIF(coalesce(sa.n, 0) + coalesce(sb.n, 0) - coalesce(s.both, 0), 0) AS jaccard
    FROM ids i JOIN ids j ON i.id < j.id
    LEFT JOIN shared s ON s.a = i.id AND s.b = j.id
    LEFT JOIN sizes sa ON sa.audience_id = i.id LEFT JOIN sizes sb ON sb.audience_id = j.id
    ORDER BY jaccard DESC NULLS LAST, a, b`);
  return { as_of: at, pairs: pairs.map((p) => ({ ...p, jaccard: p.jaccard ?? 0 })) };
}

export interface HygieneFlag {
  audience_id: string;
  flag: 'too_small' | 'near_duplicate';
  detail: string;
}

/**
 * Audiences worth a second look at one snapshot: fewer members than `minSize`, or over 95% the same members as
 * another (Jaccard above 0.95).
 */
export async function hygiene(store: Store, at: string, minSize: number): Promise<HygieneFlag[]> {
  const small = await store.all<{ id: string; size: number }>(sql`SELECT audience_id AS id, size FROM audience_runs
    WHERE as_of = CAST(${at} AS TIMESTAMP) AND size < ${minSize}`);
  const twins = await store.all<{ a: string; b: string; jaccard: number }>(sql`
    WITH m AS (SELECT audience_id, customer_id FROM memberships WHERE as_of = CAST(${at} AS TIMESTAMP)),
    sizes AS (SELECT audience_id, count(*) AS n FROM m GROUP BY audience_id)
    SELECT x.audience_id AS a, y.audience_id AS b, count(*) / (any_value(sa.n) + any_value(sb.n) - count(*)) AS jaccard
    FROM m x JOIN m y ON x.customer_id = y.customer_id AND x.audience_id < y.audience_id
    JOIN sizes sa ON sa.audience_id = x.audience_id JOIN sizes sb ON sb.audience_id = y.audience_id
    GROUP BY x.audience_id, y.audience_id HAVING jaccard > 0.95`);
  return [
    ...small.map((s) => ({ audience_id: s.id, flag: 'too_small' as const, detail: `${s.size} members, below the minimum of ${minSize}` })),
    ...twins.flatMap((t) => [
      { audience_id: t.a, flag: 'near_duplicate' as const, detail: `${(t.jaccard * 100).toFixed(1)}% the same as ${t.b}` },
      { audience_id: t.b, flag: 'near_duplicate' as const, detail: `${(t.jaccard * 100).toFixed(1)}% the same as ${t.a}` },
    ]),
  ];
}
