import { FEATURE_TABLE, FEATURE_TABLE_BUILT } from '../../features/index.js';
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
 * every share's denominator, from a seventh of the rows (sums of sums: the same numbers); and a number per product of
 * the lines (`pk`, carried by every line), since grouping millions of lines by product, and joining them to the
 * catalog, costs about half on a number what it costs on the text id. The catalog itself is read as it is now.
 *
 * And the feature table's rows of the customers, each with its number: every preview reads the feature table joined
 * with the customers and the numbers, joins of a million rows on the text id that cost more than the rest of a
 * narrow preview. This copy holds while the feature table is the one it was made from and no customer was added or
 * removed but by an erasure, which takes the row away here too (featuresHold).
 */

export const PREVIEW_LINES_TABLE = 'behavior_preview_lines';
/** Each customer's number, which the lines and the units carry instead of the text id. */
export const PREVIEW_KEYS_TABLE = 'behavior_preview_keys';
/** Each product's number, which the lines carry beside its id: every product of a line, in the catalog or not. */
const PREVIEW_PRODUCT_KEYS_TABLE = 'behavior_preview_product_keys';
/** The feature table's rows of the customers, with their numbers (`ck`). */
export const PREVIEW_FEATURES_TABLE = 'behavior_preview_features';
/** Units of the lines per customer, type, channel and device. */
export const PREVIEW_UNITS_TABLE = 'behavior_preview_units';
/** The columns the units are summed by, besides the customer and type; a filter on one of these reads them. */
export const PREVIEW_UNIT_FIELDS: readonly string[] = ['channel', 'device'];
/** The event types kept: those with product lines a preview counts units and spend of. */
export const PREVIEW_LINE_TYPES: readonly string[] = ['order', 'return'];
/** The settings key: the date the lines are of, and the counts of events and lines when they were kept. */
const KEPT = 'behavior_preview_lines.kept';
/** What the kept tables are: a store kept by an earlier version (without keys or units) does not hold. */
const LAYOUT = 4;

interface Kept {
  as_of: string;
  events: number;
  lines: number;
  layout?: number;
  /** The feature table's stamp, and how many customers had no row in it, when the copy was made. */
  built?: string;
  without?: number;
}

/** The events the kept lines are, as of a date (from `since` on, if given); the columns no rule reads are left out. */
function linesOfEvents(asOf: string, since?: string): Sql {
  return sql`SELECT ${allExcept(['id', 'anonymous_id', 'session_id', 'order_id', 'discount', 'properties', 'currency'])} FROM events
    WHERE ts < CAST(${asOf} AS TIMESTAMP) ${since ? sql`AND ts >= CAST(${since} AS TIMESTAMP)` : sql``} AND customer_id IS NOT NULL AND type IN ('order', 'return')`;
}

/** Lines with their customer's and product's numbers. A line of a customer not (or no longer) in the customers has none: no preview's member can have bought it. */
const numbered = (lines: Sql): Sql => sql`
  SELECT lk.*, pk.pk FROM (SELECT l.*, k.ck FROM (${lines}) l LEFT JOIN ${ident(PREVIEW_KEYS_TABLE)} k ON k.customer_id = l.customer_id) lk
    LEFT JOIN ${ident(PREVIEW_PRODUCT_KEYS_TABLE)} pk ON pk.product_id = lk.product_id`;

/** The units of lines per customer, type, channel and device. */
const unitsOf = (lines: Sql): Sql => sql`SELECT ck, customer_id, type, ${join(PREVIEW_UNIT_FIELDS.map((f) => ident(f)))}, sum(quantity) AS quantity FROM (${lines}) l GROUP BY ALL`;

const counts = sql`SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM ${ident(PREVIEW_LINES_TABLE)}) AS lines`;
/** The feature table's stamp, and the customers without a row in the copy (an erasure takes one from both). */
const featureCounts = sql`SELECT coalesce((SELECT value FROM settings WHERE key = ${FEATURE_TABLE_BUILT}), '') AS built,
  (SELECT count(*) FROM customers) - (SELECT count(*) FROM ${ident(PREVIEW_FEATURES_TABLE)}) AS without`;

/**
 * The catalog as it is now, each product with its number in the kept lines (`pk`): the lines are joined to it on the
 * number. A product of no kept line is not in it; a line of a product no longer in the catalog finds none, as it finds
 * none by its id.
 */
export const keptCatalog = sql`(SELECT pk.pk, p.* FROM ${ident(PREVIEW_PRODUCT_KEYS_TABLE)} pk JOIN products p ON p.id = pk.product_id)`;

/**
 * Keeps the lines as of a run's date, with the customers' and products' numbers and the units (a step after every run).
 * Where the lines kept by an earlier run still hold for its date, only the lines since that date are added, with numbers
 * for the customers and products that came since: rewriting every order line of a million customers at each run cost
 * about 45 CPU s (docs/benchmarks.md). Units are sums, so the added lines' units are added as rows of their own.
 */
export async function keepPreviewLines(store: Store, asOf: string): Promise<void> {
  const since = await keptSince(store, asOf);
  if (since === undefined) {
    await store.run(createTableAs(ident(PREVIEW_KEYS_TABLE), sql`
      SELECT customer_id, CAST(row_number() OVER () AS INTEGER) AS ck FROM (SELECT DISTINCT id AS customer_id FROM customers)`));
    await store.run(createTableAs(ident(PREVIEW_PRODUCT_KEYS_TABLE), sql`
      SELECT product_id, CAST(row_number() OVER () AS INTEGER) AS pk FROM (SELECT DISTINCT product_id FROM (${linesOfEvents(asOf)}) l WHERE product_id IS NOT NULL)`));
    await store.run(createTableAs(ident(PREVIEW_LINES_TABLE), numbered(linesOfEvents(asOf))));
    await store.run(createTableAs(ident(PREVIEW_UNITS_TABLE), unitsOf(sql`SELECT * FROM ${ident(PREVIEW_LINES_TABLE)}`)));
  } else {
    // The customers and products that came since take the numbers after the last.
    await store.run(numberNew(PREVIEW_KEYS_TABLE, 'customer_id', 'ck', sql`SELECT DISTINCT id FROM customers`));
    if (since < asOf) {
      const added = linesOfEvents(asOf, since);
      await store.run(numberNew(PREVIEW_PRODUCT_KEYS_TABLE, 'product_id', 'pk', sql`SELECT DISTINCT product_id AS id FROM (${added}) l WHERE product_id IS NOT NULL`));
      await store.run(sql`INSERT INTO ${ident(PREVIEW_LINES_TABLE)} ${numbered(added)}`);
      await store.run(sql`INSERT INTO ${ident(PREVIEW_UNITS_TABLE)} ${unitsOf(sql`SELECT * FROM ${ident(PREVIEW_LINES_TABLE)} WHERE ts >= CAST(${since} AS TIMESTAMP)`)}`);
    }
  }
  await store.run(createTableAs(ident(PREVIEW_FEATURES_TABLE), sql`
    SELECT fc.*, k.ck FROM (SELECT f.* FROM ${ident(FEATURE_TABLE)} f JOIN customers c ON c.id = f.customer_id) fc
      LEFT JOIN ${ident(PREVIEW_KEYS_TABLE)} k ON k.customer_id = fc.customer_id`));
  const now = (await store.one<{ events: number; lines: number; as_of: string; built: string; without: number }>(sql`SELECT *, ${formatTimestamp(asTimestamp(asOf))} AS as_of
    FROM (${counts}) n, (${featureCounts}) b`))!;
  const kept: Kept = { as_of: now.as_of, events: Number(now.events), lines: Number(now.lines), layout: LAYOUT, built: now.built, without: Number(now.without) };
  await store.run(sql`${upsertInto(sql`settings`)} VALUES (${KEPT}, ${JSON.stringify(kept)})`);
}

/** Adds to a table of numbers (`key`, `number`) the ids (column `id`) of `ids` that it lacks, numbered after its greatest. */
function numberNew(table: string, key: string, number: string, ids: Sql): Sql {
  return sql`INSERT INTO ${ident(table)} SELECT n.id, CAST(t.top + row_number() OVER () AS INTEGER)
    FROM (${ids}) n, (SELECT coalesce(max(${ident(number)}), 0) AS top FROM ${ident(table)}) t
    WHERE n.id NOT IN (SELECT ${ident(key)} FROM ${ident(table)})`;
}

/**
 * The date of the kept lines, where they can be carried to `asOf`: kept no later, still the events' lines before their
 * date, and none of them without a customer's number whose customer has come since (its number would be missing).
 */
async function keptSince(store: Store, asOf: string): Promise<string | undefined> {
  const kept = await keptRecord(store);
  if (!kept || kept.as_of > asOf || !(await linesHold(store, kept))) return undefined;
  const unnumbered = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM ${ident(PREVIEW_LINES_TABLE)} l JOIN customers c ON c.id = l.customer_id WHERE l.ck IS NULL`))!;
  return Number(unnumbered.n) === 0 ? kept.as_of : undefined;
}

async function keptRecord(store: Store): Promise<Kept | undefined> {
  const value = (await store.one<{ value: string }>(sql`SELECT value FROM settings WHERE key = ${KEPT}`))?.value;
  const kept = value ? (JSON.parse(value) as Kept) : undefined;
  return kept?.layout === LAYOUT ? kept : undefined;
}

async function keptRecordOf(store: Store, asOf: string): Promise<Kept | undefined> {
  const kept = await keptRecord(store);
  return kept?.as_of === asOf ? kept : undefined;
}

/**
 * Whether the kept copy of the feature table is still its rows of the customers: the table was not made again, and as
 * many customers are without a row as when it was copied (an import adds some, the removal of one takes some away).
 */
export async function previewFeaturesHold(store: Store, asOf: string): Promise<boolean> {
  const kept = await keptRecordOf(store, asOf);
  if (!kept) return false;
  const now = (await store.one<{ built: string; without: number }>(featureCounts))!;
  return now.built === kept.built && Number(now.without) === kept.without;
}

/** Answers of the full check, by store and by what the counts were: it reads every event. */
const checked = new WeakMap<Store, Map<string, boolean>>();

/** Whether the kept lines are still the events' order and return lines before `asOf` (as the feature table spells it). */
export async function previewLinesHold(store: Store, asOf: string): Promise<boolean> {
  const kept = await keptRecordOf(store, asOf);
  return kept !== undefined && linesHold(store, kept);
}

/**
 * Whether the kept lines are still the events' lines before their date. Nothing added or taken away since they were
 * kept says so at once; otherwise the events are counted (once per process and state of the counts).
 */
async function linesHold(store: Store, kept: Kept): Promise<boolean> {
  const now = (await store.one<{ events: number; lines: number }>(counts))!;
  if (Number(now.events) === kept.events && Number(now.lines) === kept.lines) return true;
  const key = `${kept.as_of} ${now.events} ${now.lines}`;
  const memo = checked.get(store) ?? checked.set(store, new Map()).get(store)!;
  if (!memo.has(key)) {
    const events = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM (${linesOfEvents(kept.as_of)})`))!;
    memo.set(key, Number(events.n) === Number(now.lines));
  }
  return memo.get(key)!;
}
