import { allExcept, asTimestamp, createTableAs, formatTimestamp, ident, join, sql, upsertInto, type Sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';

/*
 * The order and return lines before the latest run's date, kept by every run for the previews of custom behaviors:
 * their event conditions and top products read these instead of the whole events table, where views, carts, searches
 * and emails are about half the rows and every line is wider. A preview uses them only while they are still that part
 * of the events: same date as the feature table, and as many lines as the events hold now (an import or an event sent
 * since the run that falls before its date sends previews back to the events until the next run). An erasure deletes
 * a customer's lines here as in the events (privacy.ts clears every table with a customer_id), so they stay equal.
 *
 * Beside them, kept at the same time and read only while they hold: a number per customer (`ck`, carried by every
 * line), since joining and grouping millions of lines on a number costs about half what it costs on the text id; and
 * the units per customer, type, channel and device, which answer a share of channel or device, and the whole of
 * every share's denominator, from a seventh of the rows (sums of sums: the same numbers).
 */

export const PREVIEW_LINES_TABLE = 'behavior_preview_lines';
/** Each customer's number, which the lines and the units carry instead of the text id. */
export const PREVIEW_KEYS_TABLE = 'behavior_preview_keys';
/** Units of the lines per customer, type, channel and device. */
export const PREVIEW_UNITS_TABLE = 'behavior_preview_units';
/** The columns the units are summed by, besides the customer and type; a filter on one of these reads them. */
export const PREVIEW_UNIT_FIELDS: readonly string[] = ['channel', 'device'];
/** The event types kept: those with product lines a preview counts units and spend of. */
export const PREVIEW_LINE_TYPES: readonly string[] = ['order', 'return'];
/** The settings key: the date the lines are of, and the counts of events and lines when they were kept. */
const KEPT = 'behavior_preview_lines.kept';
/** What the kept tables are: a store kept by an earlier version (without keys or units) does not hold. */
const LAYOUT = 2;

interface Kept {
  as_of: string;
  events: number;
  lines: number;
  layout?: number;
}

/** The events the kept lines are, as of a date; the columns no rule reads are left out. */
function linesOfEvents(asOf: string): Sql {
  return sql`SELECT ${allExcept(['id', 'anonymous_id', 'session_id', 'order_id', 'discount', 'properties', 'currency'])} FROM events
    WHERE ts < CAST(${asOf} AS TIMESTAMP) AND customer_id IS NOT NULL AND type IN ('order', 'return')`;
}

const counts = sql`SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM ${ident(PREVIEW_LINES_TABLE)}) AS lines`;

/** Keeps the lines as of a run's date, with the customers' numbers and the units (a step after every run). */
export async function keepPreviewLines(store: Store, asOf: string): Promise<void> {
  await store.run(createTableAs(ident(PREVIEW_KEYS_TABLE), sql`
    SELECT customer_id, CAST(row_number() OVER () AS INTEGER) AS ck FROM (SELECT DISTINCT id AS customer_id FROM customers)`));
  // A line of a customer not (or no longer) in the customers has no number: no preview's member can have bought it.
  await store.run(createTableAs(ident(PREVIEW_LINES_TABLE), sql`
    SELECT l.*, k.ck FROM (${linesOfEvents(asOf)}) l LEFT JOIN ${ident(PREVIEW_KEYS_TABLE)} k ON k.customer_id = l.customer_id`));
  await store.run(createTableAs(ident(PREVIEW_UNITS_TABLE), sql`
    SELECT ck, customer_id, type, ${join(PREVIEW_UNIT_FIELDS.map((f) => ident(f)))}, sum(quantity) AS quantity
    FROM ${ident(PREVIEW_LINES_TABLE)} GROUP BY ALL`));
  const now = (await store.one<{ events: number; lines: number; as_of: string }>(sql`SELECT *, ${formatTimestamp(asTimestamp(asOf))} AS as_of FROM (${counts})`))!;
  const kept: Kept = { as_of: now.as_of, events: Number(now.events), lines: Number(now.lines), layout: LAYOUT };
  await store.run(sql`${upsertInto(sql`settings`)} VALUES (${KEPT}, ${JSON.stringify(kept)})`);
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
  if (kept?.as_of !== asOf || kept.layout !== LAYOUT) return false;
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
