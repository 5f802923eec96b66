import { ident, sql, type Sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';

/*
 * The order and return lines before the latest run's date, kept by every run for the previews of custom behaviors:
 * their event conditions and top products read these instead of the whole events table, where views, carts, searches
 * and emails are about half the rows and every line is wider. A preview uses them only while they are still that part
 * of the events: same date as the feature table, and as many lines as the events hold now (an import or an event sent
 * since the run that falls before its date sends previews back to the events until the next run). An erasure deletes
 * a customer's lines here as in the events (privacy.ts clears every table with a customer_id), so they stay equal.
 */

export const PREVIEW_LINES_TABLE = 'behavior_preview_lines';
/** The event types kept: those with product lines a preview counts units and spend of. */
export const PREVIEW_LINE_TYPES: readonly string[] = ['order', 'return'];
/** The settings key: the date the lines are of, and the counts of events and lines when they were kept. */
const KEPT = 'behavior_preview_lines.kept';

interface Kept {
  as_of: string;
  events: number;
  lines: number;
}

/** The events the kept lines are, as of a date; the columns no rule reads are left out. */
function linesOfEvents(asOf: string): Sql {
  return sql`SELECT * EXCLUDE (id, anonymous_id, session_id, order_id, discount, properties, currency) FROM events
    WHERE ts < CAST(${asOf} AS TIMESTAMP) AND customer_id IS NOT NULL AND type IN ('order', 'return')`;
}

const counts = sql`SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM ${ident(PREVIEW_LINES_TABLE)}) AS lines`;

/** Keeps the lines as of a run's date (a step after every run). */
export async function keepPreviewLines(store: Store, asOf: string): Promise<void> {
  await store.run(sql`CREATE OR REPLACE TABLE ${ident(PREVIEW_LINES_TABLE)} AS ${linesOfEvents(asOf)}`);
  const now = (await store.one<{ events: number; lines: number; as_of: string }>(sql`SELECT *, strftime(CAST(${asOf} AS TIMESTAMP), '%Y-%m-%d %H:%M:%S') AS as_of FROM (${counts})`))!;
  const kept: Kept = { as_of: now.as_of, events: Number(now.events), lines: Number(now.lines) };
  await store.run(sql`INSERT OR REPLACE INTO settings VALUES (${KEPT}, ${JSON.stringify(kept)})`);
}

/** Answers of the full check, by store and by what the counts were: it reads every event. */
const checked = new WeakMap<Store, Map<string, boolean>>();

/**
 * Whether the kept lines are still the events' order and return lines before `asOf` (as the feature table spells it).
 * Nothing added or taken away since they were kept says so at once; otherwise the events are counted (once per
 * process and state of the counts).
 */
export async function previewLinesHold(store: Store, asOf: string): Promise<boolean> {
  const value = (await store.one<{ value: string }>(sql`SELECT value FROM settings WHERE key = ${KEPT}`))?.value;
  const kept = value ? (JSON.parse(value) as Kept) : undefined;
  if (kept?.as_of !== asOf) return false;
  const now = (await store.one<{ events: number; lines: number }>(counts))!;
  if (Number(now.events) === kept.events && Number(now.lines) === kept.lines) return true;
  const key = `${asOf} ${now.events} ${now.lines}`;
  const memo = checked.get(store) ?? checked.set(store, new Map()).get(store)!;
  if (!memo.has(key)) {
    const events = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM (${linesOfEvents(asOf)})`))!;
    memo.set(key, Number(events.n) === Number(now.lines));
  }
  return memo.get(key)!;
}
