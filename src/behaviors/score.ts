import type { FeatureUnit } from '../features/index.js';
import { concatWs, cteHint, ident, join, quantilesOfCounts, raw, sql, type Sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import type { BehaviorSpec } from './specs.js';

/** A signal's yardsticks over the store's population as of the run: what its z values are measured against. */
export interface SignalStats {
  signal: string;
  median: number | null;
  /** IQR / 1.349, else the standard deviation; null when every value is the same (the signal tells nobody apart). */
  scale: number | null;
  mean: number | null;
}

/** Where scores are computed from: a table of one row per entity with a column per signal. */
export interface ScoringSource {
  table: string;
  id: 'customer_id' | 'product_id';
  /** The rows the yardsticks are taken over (the store's buyers, or every product). */
  population: Sql;
  /** The rows a spec scores besides those with a value of its leading signal (enough orders). */
  eligible: (spec: BehaviorSpec) => Sql;
  /** Columns `eligible` reads besides the signals. */
  reads: readonly string[];
  unit: (signal: string) => FeatureUnit;
}

/** z values beyond this many standard units count as this many: one extreme value does not make a score alone. */
export const CLIP = 3;
/** Steepness of the squash from lean to score: a lean one unit past the cutoff scores 0.88. */
export const SLOPE = 2;
/** Reasons name at most this many signals, the strongest first. */
export const REASONS = 3;

export const signalsOf = (specs: readonly BehaviorSpec[]): string[] => [...new Set(specs.flatMap((s) => s.signals.map((x) => x.signal)))];

/**
 * Medians, scales and means of every signal the specs read: the quartiles from each signal's counts of distinct values
 * (quantilesOfCounts, the numbers quantile_cont gives at a little over half its CPU at 1M customers), the standard
 * deviations and means in one pass over the source.
 */
async function signalStats(store: Store, source: ScoringSource, specs: readonly BehaviorSpec[]): Promise<SignalStats[]> {
  const names = signalsOf(specs);
  const col = (n: string): Sql => sql`CAST(${ident(n)} AS DOUBLE)`;
  const moments = names.map((n, i) => sql`stddev_pop(${col(n)}) AS ${ident(`s${i}`)}, avg(${col(n)}) AS ${ident(`m${i}`)}`);
  const row = (await store.one<Record<string, number | null>>(sql`SELECT ${join(moments)} FROM ${ident(source.table)} WHERE ${source.population}`))!;
  const counts = join(
    names.map((n, i) => sql`SELECT ${i} AS g, v, count(*) AS n FROM (SELECT ${col(n)} AS v FROM ${ident(source.table)} WHERE ${source.population} AND ${ident(n)} IS NOT NULL) sv GROUP BY v`),
    ' UNION ALL ',
  );
  const quartiles = new Map(
    (await store.all<{ g: number; q0: number | null; q1: number | null; q2: number | null }>(quantilesOfCounts(counts, 'g', 'v', 'n', [0.25, 0.5, 0.75]))).map((r) => [Number(r.g), r]),
  );
  return names.map((signal, i) => {
    const q = quartiles.get(i);
    const sd = row[`s${i}`] ?? null;
    const iqr = q && q.q0 !== null && q.q2 !== null ? (q.q2 - q.q0) / 1.349 : 0;
    const scale = iqr > 1e-12 ? iqr : sd !== null && sd > 1e-12 ? sd : null;
    return { signal, median: q?.q1 ?? null, scale, mean: row[`m${i}`] ?? null };
  });
}

/** A value as reasons print it, by its unit: shares as percentages. */
function formatValue(value: Sql, unit: FeatureUnit): Sql {
  const v = sql`CAST(${value} AS DOUBLE)`;
  return unit === 'ratio' ? sql`printf('%.0f%%', 100 * ${v})` : unit === 'count' || unit === 'days' ? sql`printf('%.1f', ${v})` : sql`printf('%.2f', ${v})`;
}

/**
 * Each signal's median as reasons print it ('none' without one), formatted by the engine once: printf of the bound
 * median in every member's reasons ran per row (a bound value is not folded), a quarter of the statement at 500k.
 */
async function medianTexts(store: Store, source: ScoringSource, stats: readonly SignalStats[]): Promise<Map<string, string>> {
  const known = stats.filter((s) => s.median !== null);
  const row = known.length === 0 ? {} : (await store.one<Record<string, string>>(sql`SELECT ${join(known.map((s, i) => sql`${formatValue(sql`${s.median}`, source.unit(s.signal))} AS ${ident(`t${i}`)}`))}`))!;
  return new Map(stats.map((s) => [s.signal, s.median === null ? 'none' : row[`t${known.indexOf(s)}`]!]));
}

const zName = (signal: string): string => `z__${signal}`;
const leanName = (spec: BehaviorSpec): string => `lean__${spec.id}`;

/**
 * The members of every spec among the rows of the source, as rows (id, behavior, score, reasons): one statement that
 * standardises the signals and scores every row for every spec it is eligible for, one lean per spec, and one
 * row per spec the row is a member of (score >= 0.5), with its strongest signals. Only members are kept: writing a
 * row for every customer scored took four times as long on a million customers, and what is asked of an outsider's
 * score (explain, live answers) is scored from their own features.
 */
export function scoreQuery(source: ScoringSource, specs: readonly BehaviorSpec[], stats: readonly SignalStats[], medians: ReadonlyMap<string, string>): Sql {
  const zs = join(
    stats.map((s) => {
      // Not coalesce(greatest(least(x))): greatest and least skip NULLs, so a missing value would clip to +3.
      const x = sql`CAST(${ident(s.signal)} AS DOUBLE)`;
      const z = s.scale === null || s.median === null ? sql`0.0` : sql`CASE WHEN ${x} IS NULL THEN 0.0 ELSE greatest(CAST(${-CLIP} AS DOUBLE), least(CAST(${CLIP} AS DOUBLE), (${x} - ${s.median}) / ${s.scale})) END`;
      return sql`${z} AS ${ident(zName(s.signal))}`;
    }),
  );
  // Each signal's pull on each spec is a column, so the reasons below compare columns, not repeated expressions.
  const pull = (spec: BehaviorSpec, i: number): string => `c__${spec.id}__${i}`;
  const pulls = join(specs.flatMap((spec) => spec.signals.map((x, i) => sql`${x.weight} * ${ident(zName(x.signal))} AS ${ident(pull(spec, i))}`)));
  const leans = join(
    specs.map((spec) => {
      const total = spec.signals.reduce((t, x) => t + Math.abs(x.weight), 0);
      return sql`(${join(spec.signals.map((_, i) => ident(pull(spec, i))), ' + ')}) / ${total} AS ${ident(leanName(spec))}`;
    }),
  );
  // The strongest signals first, without list lambdas (5x slower here): a signal's place is one plus the number of
  // signals contributing more (ties by position), and place k takes the text of the positive signal ranked k.
  const reasons = (spec: BehaviorSpec): Sql => {
    const c = spec.signals.map((_, i) => ident(pull(spec, i)));
    const text = spec.signals.map((x) => sql`${`${x.signal} `} || ${formatValue(ident(x.signal), source.unit(x.signal))} || ${` (store median ${medians.get(x.signal) ?? 'none'})`}`);
    const place = c.map((ci, i) => join([sql`1`, ...c.flatMap((cj, j) => (j === i ? [] : [j < i ? sql`CAST(${cj} >= ${ci} AS INTEGER)` : sql`CAST(${cj} > ${ci} AS INTEGER)`]))], ' + '));
    const at = (k: number): Sql => sql`CASE ${join(c.map((ci, i) => sql`WHEN ${ci} > 0 AND ${place[i]!} = ${k} THEN ${text[i]!}`), ' ')} END`;
    return concatWs('; ', join(Array.from({ length: Math.min(REASONS, c.length) }, (_, k) => at(k + 1))));
  };
  const id = ident(source.id);
  // One branch per spec over the standardised rows; a list of structs unnested per row was 3x slower. Not materialised:
  // each branch computes the few columns it reads, half the CPU of materialising every row's 70-odd columns at 500k.
  const branches = specs.map((spec) => {
    const lean = ident(leanName(spec));
    return sql`SELECT ${id}, ${spec.id} AS behavior, 1 / (1 + exp(${-SLOPE} * (${lean} - ${spec.cutoff}))) AS score, ${reasons(spec)} AS reasons
    FROM scored WHERE ${scoredBy(source, spec)} AND ${lean} >= ${spec.cutoff}`;
  });
  const columns = join([...new Set([source.id, ...source.reads, ...stats.map((s) => s.signal)])].map((c) => ident(c)));
  return sql`WITH scored AS ${cteHint(false)} (SELECT *, ${leans} FROM (SELECT ${columns}, ${pulls} FROM (SELECT ${columns}, ${zs} FROM ${ident(source.table)})))
${join(branches, '\nUNION ALL\n')}`;
}

/** Whether a row of the source is scored for a spec: eligible, with a value of the spec's leading signal. */
export function scoredBy(source: ScoringSource, spec: BehaviorSpec): Sql {
  return sql`${ident(spec.signals[0]!.signal)} IS NOT NULL AND ${source.eligible(spec)}`;
}

/** Replaces `table` with the members of the specs over the source; the yardsticks it used are returned. */
export async function materializeScores(store: Store, source: ScoringSource, specs: readonly BehaviorSpec[], table: string): Promise<SignalStats[]> {
  const stats = await signalStats(store, source, specs);
  await store.run(sql`CREATE OR REPLACE TABLE ${ident(table)} AS ${scoreQuery(source, specs, stats, await medianTexts(store, source, stats))}`);
  return stats;
}

export const TRUE: Sql = raw('TRUE');
