import { createHash } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import { asTimestamp, formatTimestamp, join, listIndexOf, listLength, sortedListAgg, sql, type Sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { keptWithRuns } from './kept-with-runs.js';
import { missingData } from './no-data.js';
import { getAudience } from './repository.js';
import type { HYGIENE_FLAGS } from './schema.js';

const count = z.number().int();

/** Pairwise overlap of audiences at one stored run, most alike first. */
export const overlapSchema = z.object({
  as_of: z.string(),
  pairs: z.array(
    z.object({
      a: z.string().describe('audience id'),
      b: z.string().describe('audience id'),
      size_a: count,
      size_b: count,
      both: count.describe('customers in both'),
      jaccard: z.number().describe('both / customers in either: 0 none shared, 1 the same members'),
    }),
  ),
});
export type Overlap = z.infer<typeof overlapSchema>;
export type OverlapPair = Overlap['pairs'][number];

/** The latest stored run, or the given date when it was stored. */
export async function runDate(store: Store, asOf?: string): Promise<string> {
  const row = await store.one<{ as_of: string | null }>(sql`SELECT ${formatTimestamp(sql`max(as_of)`)} AS as_of FROM runs
    WHERE ${asOf === undefined ? sql`TRUE` : sql`as_of = ${asTimestamp(asOf)}`}`);
  if (!row?.as_of) throw new NotFoundError(asOf ? `no stored run as of ${asOf}` : 'no run yet: run `segmint run` first', { as_of: asOf });
  return row.as_of;
}

/** Audience sizes at a run, as the run stored them. */
function sizesAt(at: string): Sql {
  return sql`SELECT audience_id, size FROM audience_runs WHERE as_of = ${asTimestamp(at)}`;
}

/**
 * Pairs of audiences sharing members at a run: shared count and Jaccard index. Every pair of `ids`, or only the given
 * `pairs` of them (a query of `a`, `b`, a < b), each joined on its own two audiences' members.
 */
function sharingPairs(at: string, ids: Sql, pairs?: Sql): Sql {
  const joined = pairs
    ? sql`(${pairs}) p JOIN m x ON x.audience_id = p.a JOIN m y ON y.audience_id = p.b AND y.customer_id = x.customer_id`
    : sql`m x JOIN m y ON x.customer_id = y.customer_id AND x.audience_id < y.audience_id`;
  return sql`(WITH m AS (SELECT audience_id, customer_id FROM memberships WHERE as_of = ${asTimestamp(at)} AND audience_id IN (${ids})),
      sizes AS (${sizesAt(at)})
    SELECT x.audience_id AS a, y.audience_id AS b, count(*) AS both,
      count(*) / (any_value(sa.size) + any_value(sb.size) - count(*)) AS jaccard
    FROM ${joined}
    JOIN sizes sa ON sa.audience_id = x.audience_id JOIN sizes sb ON sb.audience_id = y.audience_id
    GROUP BY x.audience_id, y.audience_id)`;
}

/**
 * Pairwise overlap of the given audiences at one snapshot: shared members and Jaccard index. One pass over the
 * members: each customer's set of the chosen audiences, counted by set (few distinct sets), and every pair's shared
 * count follows from them; joining each audience's members with every other's took seconds on a million customers.
 * Kept with the run for the same audiences, which the audience page asks for at each visit.
 */
export async function overlap(store: Store, audiences: string[], asOf?: string): Promise<Overlap> {
  if (audiences.length < 2) throw new ValidationError(`audience: overlap needs two audiences or more, got ${audiences.length}`, { audiences });
  const at = await runDate(store, asOf);
  const ids = [...new Set((await Promise.all(audiences.map((a) => getAudience(store, a)))).map((a) => a.id))].sort();
  const chosen = join(ids.map((id) => sql`${id}`));
  const position = listIndexOf(sql`[${chosen}]`, sql`audience_id`);
  const key = `overlap.${at}.${createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 16)}`;
  const sets = await keptWithRuns(store, key, [at], () =>
    store.all<{ set: number[]; n: number }>(sql`SELECT set, count(*) AS n FROM (
        SELECT ${sortedListAgg(position)} AS set FROM memberships WHERE as_of = ${asTimestamp(at)} AND audience_id IN (${chosen}) GROUP BY customer_id)
      WHERE ${listLength(sql`set`)} > 1 GROUP BY ALL`),
  ids.join(','));
  const sizes = new Map((await store.all<{ audience_id: string; size: number }>(sizesAt(at))).map((r) => [r.audience_id, r.size]));
  const both = ids.map(() => ids.map(() => 0));
  for (const { set, n } of sets) for (const [k, i] of set.entries()) for (const j of set.slice(k + 1)) both[i - 1]![j - 1]! += n;
  const pairs: OverlapPair[] = ids.flatMap((a, i) =>
    ids.slice(i + 1).map((b, d) => {
      const [size_a, size_b, shared] = [sizes.get(a) ?? 0, sizes.get(b) ?? 0, both[i]![i + 1 + d]!];
      return { a, b, size_a, size_b, both: shared, jaccard: shared === 0 ? 0 : shared / (size_a + size_b - shared) };
    }),
  );
  // Every chosen pair, those that share nobody too, most alike first.
  const order = (u: string, v: string): number => (u < v ? -1 : u > v ? 1 : 0);
  pairs.sort((x, y) => y.jaccard - x.jaccard || order(x.a, y.a) || order(x.b, y.b));
  return { as_of: at, pairs };
}

export interface HygieneFlag {
  audience_id: string;
  flag: (typeof HYGIENE_FLAGS)[number];
  detail: string;
}

/** The Jaccard index above which two audiences are flagged as near-duplicates. */
const NEAR_DUPLICATE = 0.95;

/**
 * The pairs of audiences over 95% the same at one snapshot, kept until the snapshot changes: the check joins the run's
 * members with each other, which on a million customers takes longer than the audience list should wait.
 */
export function nearDuplicates(store: Store, at: string): Promise<Array<{ a: string; b: string; jaccard: number }>> {
  // Two audiences share at most the smaller one's members, so their Jaccard index is at most the ratio of their sizes:
  // only pairs of about the same size are joined member by member, not every membership of the run with every other.
  // The margin below the threshold keeps a pair whose index rounds above it.
  const alike = sql`SELECT x.audience_id AS a, y.audience_id AS b FROM (${sizesAt(at)}) x JOIN (${sizesAt(at)}) y
    ON x.audience_id < y.audience_id AND least(x.size, y.size) > 0 AND least(x.size, y.size) >= ${NEAR_DUPLICATE - 0.001} * greatest(x.size, y.size)`;
  return keptWithRuns(store, `audiences.near_duplicates.${at}`, [at], () =>
    store.all<{ a: string; b: string; jaccard: number }>(sql`
      SELECT a, b, jaccard FROM ${sharingPairs(at, sql`SELECT a FROM (${alike}) UNION SELECT b FROM (${alike})`, alike)} s WHERE jaccard > ${NEAR_DUPLICATE}`),
  );
}

/**
 * Audiences worth a second look at one snapshot: fewer members than `minSize`, or over 95% the same members as
 * another (Jaccard above 0.95). A rule audience that selected nobody because the store has no data for what it reads
 * is flagged `no_data`, saying what is missing, rather than `too_small`.
 */
export async function hygiene(store: Store, at: string, minSize: number): Promise<HygieneFlag[]> {
  const small = await store.all<{ id: string; size: number; text: string | null }>(sql`SELECT audience_id AS id, size, rule_text AS text FROM audience_runs
    WHERE as_of = ${asTimestamp(at)} AND size < ${minSize}`);
  const empty = small.flatMap((s) => (s.size === 0 && s.text !== null ? [{ id: s.id, text: s.text }] : []));
  const missing = empty.length ? await missingData(store, at, empty) : new Map<string, string>();
  const twins = await nearDuplicates(store, at);
  return [
    ...small.map((s) => {
      const why = missing.get(s.id);
      return why ? { audience_id: s.id, flag: 'no_data' as const, detail: `no data: ${why}` } : { audience_id: s.id, flag: 'too_small' as const, detail: `${s.size} members, below the minimum of ${minSize}` };
    }),
    ...twins.flatMap((t) => [
      { audience_id: t.a, flag: 'near_duplicate' as const, detail: `${(t.jaccard * 100).toFixed(1)}% the same as ${t.b}` },
      { audience_id: t.b, flag: 'near_duplicate' as const, detail: `${(t.jaccard * 100).toFixed(1)}% the same as ${t.a}` },
    ]),
  ];
}
