import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { z } from 'zod';
import { argMin, asTimestamp, ident, join, medianOfCounts, raw, sql, type Sql } from '../../sql/index.js';
import {
  CONSENT_CHANNELS,
  CONSENT_STATED_AT_FIELD,
  consentColumns,
  ENTITIES,
  ENTITY_COLUMNS,
  EVENT_PRODUCT_FIELDS,
  ORDER_CANCELLED_AT_FIELD,
  ORDER_REFUNDED_FIELD,
  SQL_TYPES,
  type Entity,
} from '../schema.js';
import type { Store } from '../store.js';
import type { Mapping } from './mapping.js';
import { openSource, scratchTables, type Source } from './source.js';
import { insertUnknownCustomers, insertUnknownProducts } from './derive.js';
import { LayoutError, planStaging, type Staging } from './staging.js';
import { suggestMapping } from './suggest.js';
import { ImportError } from '../../shared/errors.js';
import { tombstoneHash, tombstoneKeyIfAny } from '../privacy.js';
import { asImport, removalSchema, removeImportsOfFile } from './provenance.js';
import { refuseRejections, UNMAPPED_LISTED, unmappedValues, unmappedValueSchema, type RejectLimit } from './rejections.js';
import { currencyCounts, mixedCurrencies } from '../currencies.js';
import { importThroughLoader } from './loader.js';

const rowCount = z.number().int();

/** What an import did, as `segmint import` prints it and POST /v1/imports answers (201). */
export const importReportSchema = z.object({
  import_id: z.string(),
  file: z.string(),
  entity: z.enum(ENTITIES),
  format: z.string(),
  rows: rowCount.describe('records read from the file: accepted + duplicates + rejected + erased'),
  accepted: rowCount,
  duplicates: rowCount,
  rejected: rowCount,
  erased: rowCount.describe('rows of customers erased earlier: not stored again, not even in quarantine'),
  order_returns: rowCount.describe('returns stored beside the rows, one per order the file says was refunded or cancelled'),
  quarantined: z.array(z.object({ line: rowCount.nullable(), column: z.string().nullable(), reason: z.string() })).describe('the first ten quarantined rows, in file order'),
  replaced: z.array(removalSchema).describe('with `replace`: the earlier imports of the same file name, taken back first'),
  unmapped: z.array(unmappedValueSchema).describe(`values that a column's value map lacks, with how many rows each sent to quarantine: the commonest ${UNMAPPED_LISTED}`),
  currencies: z.record(z.string(), rowCount).describe('events this import stored with a price, by currency (events whose currency is unknown are not counted)'),
  warnings: z.array(z.string()).describe('what the import did not stop at but the reader should know: prices in more than one currency in the store'),
});
export type ImportReport = z.infer<typeof importReportSchema>;
export type QuarantinedRow = ImportReport['quarantined'][number];

/** The steps of an import, in the order they run (`onStep`). */
export const IMPORT_STEPS = ['store', 'check', 'quarantine', 'derive'] as const;
export type ImportStep = (typeof IMPORT_STEPS)[number];

export interface ImportOptions {
  onStep?: (step: ImportStep) => void;
  /**
   * What the report, the imports table and quarantined rows call the file (default: its path). An upload is read
   * from a temporary file whose path means nothing to its sender.
   */
  name?: string | undefined;
  /** How the mapping was chosen, as `segmint imports` lists it ("preset online-retail", "mapping shop.json"). */
  mappingSource?: string | undefined;
  /** Take back the earlier imports of the same file name first, in the same transaction. */
  replace?: boolean | undefined;
  /** Fail, storing nothing, when more rows than this are rejected. */
  maxRejected?: RejectLimit | undefined;
}

interface Checked {
  valid: number;
  bad: number;
  erased: number;
}

/** A row to store, and a row to quarantine; rows of erased customers are neither. */
const GOOD = sql`__error IS NULL AND NOT __erased`;
const BAD = sql`__error IS NOT NULL AND NOT __erased`;
/** The counts of Checked, over staged rows. */
const COUNTS = sql`count(*) FILTER (WHERE ${GOOD}) AS valid, count(*) FILTER (WHERE ${BAD}) AS bad, count(*) FILTER (WHERE __erased) AS erased`;

const entityColumns = (entity: Entity): Sql => join(ENTITY_COLUMNS[entity].map((c) => ident(c.name)));

/**
 * Imports one file in one transaction: every record ends up accepted, a duplicate of a stored row, or in
 * quarantine with its line, column and reason. A failure leaves the store as it was.
 *
 * The file is scanned, not staged (a typed copy of a file of 4.3M events held 1.3 GB): an insert pass stores the good
 * rows, a count pass says how many rows were good, bad or of erased customers (for events, after the insert and only
 * when it found a record it did not store, or when the file describes its products, with what it says of each; for
 * customers and products, before it, with whether an id is given twice), and only
 * when there are bad rows does a third pass number the records to quarantine them with their lines.
 */
export async function importFile(store: Store, file: string, mapping: Mapping, options: ImportOptions = {}): Promise<ImportReport> {
  if (store.dialect.name !== 'duckdb') {
    return importThroughLoader(store, { name: options.name ?? file, replace: options.replace ?? false }, (loader) => importFile(loader, file, mapping, { ...options, replace: false }));
  }
  const importId = randomUUID().replaceAll('-', '');
  const source = await openSource(store, file, mapping, importId, options.name);
  const mentions = `products_${importId}`;
  const step = options.onStep ?? (() => undefined);
  try {
    const tombstoneKey = await tombstoneKeyIfAny(store);
    const staging = await withDraftOnLayoutError(store, file, options.name, () => planStaging(mapping, source, tombstoneKey));
    return await store.transaction(() => asImport(store, importId, async () => {
      const replaced = options.replace ? await removeImportsOfFile(store, source.file) : [];
      step('store');
      const { stored, accepted, counted } = mapping.entity === 'events'
        ? await storeEvents(store, staging, importId).then((s) => ({ stored: s, accepted: s.accepted, counted: undefined }))
        : await storeRows(store, mapping.entity, staging);
      step('check');
      const checked = counted ?? (await check(store, mapping, staging, mentions, stored));
      const skipped = source.rejectsTable ? await count(store, sql`SELECT count(DISTINCT line) AS n FROM ${ident(source.rejectsTable)}`) : 0;
      const lines = lineNumbering(source, skipped);
      const orderReturns = tellsOrderOutcomes(mapping) ? await storeOrderReturns(store, staging) : 0;
      step('quarantine');
      const unreadable = await quarantineUnreadable(store, source, importId, mapping.entity, tombstoneKey);
      const rejected = (checked.bad > 0 ? await quarantineRows(store, source, staging, lines, importId, mapping.entity) : 0) + unreadable.quarantined;
      await dropRequarantined(store, importId, source.file);
      const erased = checked.erased + unreadable.erased;
      step('derive');
      if (mapping.entity === 'events') await deriveCustomersAndProducts(store, importId, describesProducts(mapping) ? mentions : undefined);
      const report: ImportReport = {
        import_id: importId,
        file: source.file,
        entity: mapping.entity,
        format: source.format,
        rows: checked.valid + rejected + erased,
        accepted,
        duplicates: checked.valid - accepted,
        order_returns: orderReturns,
        rejected,
        erased,
        quarantined: await store.all<QuarantinedRow>(sql`SELECT line, column_name AS "column", reason FROM quarantine
          WHERE import_id = ${importId} ORDER BY line NULLS FIRST LIMIT 10`),
        replaced,
        unmapped: rejected > 0 ? await unmappedValues(store, importId) : [],
        currencies: mapping.entity === 'events' ? await currencyCounts(store, sql`import_id = ${importId}`) : {},
        warnings: [],
      };
      const mixed = Object.keys(report.currencies).length > 0 ? mixedCurrencies(await currencyCounts(store)) : undefined;
      if (mixed) report.warnings.push(mixed);
      await refuseRejections(store, importId, report, options.maxRejected);
      await store.run(sql`INSERT INTO imports VALUES (${importId}, ${source.file}, ${mapping.entity}, ${source.format},
        ${JSON.stringify(mapping)}, now(), ${report.rows}, ${report.accepted}, ${report.duplicates}, ${report.rejected}, ${options.mappingSource ?? null})`);
      for (const table of [mentions, ...scratchTables(source)]) await store.run(sql`DROP TABLE IF EXISTS ${ident(table)}`);
      return report;
    }));
  } finally {
    if (source.truncation) await rm(source.truncation.prefixPath, { force: true });
  }
}

/**
 * A file whose columns are not the mapping's (an unknown layout) fails with a draft mapping of it: in the error's
 * details for the API, after its one-line message for the CLI.
 */
async function withDraftOnLayoutError(store: Store, path: string, name: string | undefined, plan: () => Staging): Promise<Staging> {
  try {
    return plan();
  } catch (err) {
    if (!(err instanceof LayoutError)) throw err;
    // The entity is guessed too: a file in a layout other than the one asked for may hold another entity. A file the
    // drafting cannot read either fails with the error alone.
    const suggestion = await suggestMapping(store, path, { name }).catch(() => undefined);
    if (!suggestion) throw err;
    const { draft, notes } = suggestion;
    const failure = new ImportError(`${err.message}; a mapping drafted from the file comes with this error (as segmint import FILE --suggest prints it)`, {
      ...(err.details as { file: string }),
      draft,
      notes,
    });
    failure.hint = `${JSON.stringify(draft, null, 2)}\n${notes.map((n) => `note: ${n}`).join('\n')}`;
    throw failure;
  }
}

/**
 * A record quarantined again (same file, line and record as read, as when a file is imported again) is kept once,
 * with the newest import and its reason, which may have changed with the mapping.
 */
async function dropRequarantined(store: Store, importId: string, file: string): Promise<void> {
  await store.run(sql`DELETE FROM quarantine o WHERE o.import_id <> ${importId} AND o.source_file = ${file} AND EXISTS (
    SELECT 1 FROM quarantine n WHERE n.import_id = ${importId} AND n.line IS NOT DISTINCT FROM o.line AND n.raw IS NOT DISTINCT FROM o.raw)`);
}

async function count(store: Store, q: Sql): Promise<number> {
  return (await store.one<{ n: number }>(q))?.n ?? 0;
}

/**
 * How many rows of an events file are good, bad and of erased customers, read after the rows were stored (a customers
 * or products file is counted before, storeRows). Events were
 * written record by record, a placeholder for each record not stored (`stored`): when there was none, every record
 * was good and nothing needs counting. When the file describes its products (an order export's description column),
 * the count also keeps, per product, what the rows say of it and its order lines at each price (grouping sets: one
 * scan for the totals, the products and their prices).
 */
async function check(store: Store, mapping: Mapping, staging: Staging, mentions: string, stored: StoredEvents | undefined): Promise<Checked> {
  const rows = staging.select({ numbered: false, rejects: 'skip' });
  // The latest known value wins; equal times fall back to text order, so the result never depends on scan order.
  const latest = (column: string) => sql`first(${ident(column)} ORDER BY ts DESC, ${ident(column)}) FILTER (WHERE ${GOOD} AND ${ident(column)} IS NOT NULL)`;
  if (describesProducts(mapping)) {
    // The order lines at each price of a product too, for its median price (medianOfCounts): median() would hold
    // every order line of the file in memory DuckDB cannot spill.
    await store.run(sql`CREATE TEMP TABLE ${ident(mentions)} AS
      SELECT GROUPING(product_id) = 0 AS is_product, GROUPING(unit_price) = 0 AS is_price, product_id, unit_price, ${COUNTS},
        ${latest('product_title')} AS title, ${latest('product_category')} AS category, ${latest('product_brand')} AS brand,
        count(*) FILTER (WHERE ${GOOD} AND type = 'order') AS order_lines
      FROM (${rows}) GROUP BY GROUPING SETS ((), (product_id), (product_id, unit_price))`);
    return (await store.one<Checked>(sql`SELECT valid, bad, erased FROM ${ident(mentions)} WHERE NOT is_product`))!;
  }
  if (stored !== undefined && stored.placeholders === 0) return { valid: stored.written, bad: 0, erased: 0 };
  return (await store.one<Checked>(sql`SELECT ${COUNTS} FROM (${rows})`))!;
}

function describesProducts(mapping: Mapping): boolean {
  return mapping.entity === 'events' && EVENT_PRODUCT_FIELDS.some((f) => mapping.columns[f] !== undefined);
}

/**
 * Adds `__line` to numbered records: the record number plus the header, plus the lines DuckDB's CSV reader
 * skipped before it (skipped line j, 1-based in order, sits after `line_j - j - header` parsed records).
 */
function lineNumbering(source: Source, skipped: number): (rows: Sql) => Sql {
  if (skipped === 0) return (rows) => sql`(SELECT s.*, s.__rec + ${source.headerLines} AS __line FROM (${rows}) s)`;
  return (rows) => sql`(SELECT s.*, s.__rec + ${source.headerLines} + coalesce(k.skipped, 0) AS __line
    FROM (${rows}) s ASOF LEFT JOIN (
      SELECT line - row_number() OVER (ORDER BY line) - ${source.headerLines} AS after_rec, row_number() OVER (ORDER BY line) AS skipped
      FROM (SELECT DISTINCT line FROM ${ident(source.rejectsTable!)})
    ) k ON s.__rec > k.after_rec)`;
}

/**
 * Inserts the good customers or products that are new or changed; returns how many went in. Into an empty table (a
 * first import, or one whose --replace took every row out) every row is new and, one per id, none conflicts: a plain
 * INSERT stores the same rows without the two groupings of every row and column that INSERT OR REPLACE (for conflicts
 * among the rows themselves) and EXCEPT (a set difference) each add, a third of a customers file's import.
 */
async function storeRows(store: Store, entity: Exclude<Entity, 'events'>, staging: Staging): Promise<{ stored: undefined; accepted: number; counted: Checked }> {
  // Counted before the insert, and the good rows' ids with them (a 64-bit hash of each: a collision only takes the
  // grouping below): when no id is given twice, every good row is the last of its id, and the grouping that finds the
  // last rows (5.8 of a 1M-customer file's 10 CPU-s in its insert) is left out.
  const counted = (await store.one<Checked & { ids: number }>(sql`SELECT ${COUNTS}, count(DISTINCT hash(id)) FILTER (WHERE ${GOOD}) AS ids
    FROM (${staging.select({ numbered: false, rejects: 'skip' })})`))!;
  const rows = counted.ids === counted.valid ? sql`SELECT * FROM (${staging.select({ numbered: false, rejects: 'store' })}) WHERE ${GOOD}` : lastRowOfEachId(staging);
  const empty = (await store.one(sql`SELECT 1 FROM ${ident(entity)} LIMIT 1`)) === undefined;
  const insert = (cols: Sql, select: Sql): Promise<number> =>
    store.run(empty ? sql`INSERT INTO ${ident(entity)} (${cols}) ${select}` : sql`INSERT OR REPLACE INTO ${ident(entity)} (${cols}) ${select} EXCEPT SELECT ${cols} FROM ${ident(entity)}`);
  const { valid, bad, erased } = counted;
  if (entity === 'customers') return { stored: undefined, accepted: await storeCustomers(rows, insert), counted: { valid, bad, erased } };
  // The last row of an id wins; a row equal to the stored one is a duplicate.
  const cols = entityColumns(entity);
  return { stored: undefined, accepted: await insert(cols, sql`SELECT ${cols} FROM (${rows})`), counted: { valid, bad, erased } };
}

interface StoredEvents {
  /** Good rows written (before repeats and known ids were taken out again). */
  written: number;
  /** Records written as placeholders, as they were bad or of erased customers. */
  placeholders: number;
  accepted: number;
}

/** The type of a placeholder: no event's (a stored event's type is one of EVENT_TYPES). */
const PLACEHOLDER_TYPE = '';

/**
 * Stores the good events of the file that are new, reading it once: every good row is written with its id (the
 * file's, else one from its content), and then, over the written rows' ids alone, an id given to several rows keeps
 * its first, rows of the same content are numbered, and rows whose id the store held before are taken out again.
 * Checking for repeats before writing took a pass over the file that cost as much as parsing it; a row written
 * and taken out again costs only when a file repeats what is stored (a file imported twice), and `--replace` is
 * the way to import a file again.
 *
 * Every other record (bad, or an erased customer's) is written too, as a placeholder that holds nothing of it (no
 * field; an empty id and type, and the time the column requires), so the count of written rows says whether every
 * record was good: counting the file's records took another parse of a CSV file. The scan that looks for repeated
 * ids counts the placeholders, which are taken out again before anything reads the import's events.
 */
async function storeEvents(store: Store, staging: Staging, importId: string): Promise<StoredEvents> {
  const cols = entityColumns('events');
  // A first import into an empty store has nothing to be a duplicate of; the anti-join would still hash every id.
  const storedBefore = await store.one(sql`SELECT 1 FROM events LIMIT 1`);
  const rows = staging.select({ numbered: false, rejects: 'store' });
  const records = await store.run(sql`INSERT INTO events (${cols}) SELECT ${cols} FROM (${withPlaceholders(rows)})`);
  const mine = sql`import_id = ${importId}`;
  const seen = (await store.one<{ placeholders: number; repeats: number }>(sql`SELECT count(*) FILTER (WHERE type = ${PLACEHOLDER_TYPE}) AS placeholders,
    count(*) - count(DISTINCT hash(id)) AS repeats FROM events WHERE ${mine}`))!;
  let repeats = seen.repeats;
  if (seen.placeholders > 0) {
    await store.run(sql`DELETE FROM events WHERE ${mine} AND type = ${PLACEHOLDER_TYPE}`);
    // The placeholders share one id (an estimate too high only makes the exact grouping find no repeat).
    repeats -= seen.placeholders - 1;
  }
  const written = records - seen.placeholders;
  const repeated = repeats > 0 ? await settleRepeats(store, staging, importId) : 0;
  const known = storedBefore
    ? await store.run(sql`DELETE FROM events WHERE import_id = ${importId} AND id IN (SELECT id FROM events WHERE import_id IS DISTINCT FROM ${importId})`)
    : 0;
  return { written, placeholders: seen.placeholders, accepted: written - repeated - known };
}

/** Each record as the event to store: a good one with its id (contentIds), any other as a placeholder. */
function withPlaceholders(rows: Sql): Sql {
  const good = ident('__good');
  const required: Record<string, Sql> = { id: sql`''`, type: sql`${PLACEHOLDER_TYPE}`, ts: asTimestamp('1970-01-01 00:00:00') };
  const fields = ENTITY_COLUMNS.events.map((c) => sql`CASE WHEN ${good} THEN ${ident(c.name)} ELSE ${required[c.name] ?? sql`NULL`} END AS ${ident(c.name)}`);
  return sql`SELECT ${join(fields)} FROM (${contentIds(sql`SELECT *, ${GOOD} AS __good FROM (${rows})`, good)})`;
}

/**
 * Ids given to more than one of an import's events: an id of the file sent twice keeps its first row; rows of the
 * same content are told apart by their occurrence, the n-th getting the content id with `-n` (which of identical rows
 * is the n-th does not matter). A large file is not stored in its order (DuckDB inserts in parallel), so the file's
 * first row of each repeated id is found again by its record number, and the stored row with its content is kept. A
 * 64-bit hash of each id looked for repeats cheaply (storeEvents); a collision only makes the exact grouping below find
 * none. Returns the rows removed.
 */
async function settleRepeats(store: Store, staging: Staging, importId: string): Promise<number> {
  const mine = sql`import_id = ${importId}`;
  const [repeats, ranked] = [ident(`repeats_${importId}`), ident(`ranked_${importId}`)];
  await store.run(sql`CREATE TEMP TABLE ${repeats} AS
    SELECT rowid AS r, id, id = ${CONTENT_ID} AS from_content, ${CONTENT} AS content
    FROM events WHERE ${mine} AND id IN (SELECT id FROM events WHERE ${mine} GROUP BY id HAVING count(*) > 1)`);
  // Only ids of the file need its order (identical rows are interchangeable): the file is read again for them alone.
  const fileIds = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM ${repeats} WHERE NOT from_content`))!.n > 0;
  const firsts = fileIds
    ? sql`SELECT id, ${argMin(CONTENT, sql`__rec`)} AS first FROM (${staging.select({ numbered: true, rejects: 'skip' })})
        WHERE ${GOOD} AND id IN (SELECT id FROM ${repeats} WHERE NOT from_content) GROUP BY id`
    : sql`SELECT CAST(NULL AS VARCHAR) AS id, CAST(NULL AS VARCHAR) AS first WHERE false`;
  await store.run(sql`CREATE TEMP TABLE ${ranked} AS
    SELECT t.r, t.id, t.from_content, row_number() OVER (PARTITION BY t.id ORDER BY f.first IS NOT DISTINCT FROM t.content DESC, t.r) AS n
    FROM ${repeats} t LEFT JOIN (${firsts}) f ON f.id = t.id`);
  await store.run(sql`UPDATE events SET id = t.id || '-' || t.n FROM ${ranked} t WHERE events.rowid = t.r AND t.n > 1 AND t.from_content`);
  const removed = await store.run(sql`DELETE FROM events WHERE rowid IN (SELECT r FROM ${ranked} WHERE n > 1 AND NOT from_content)`);
  for (const table of [repeats, ranked]) await store.run(sql`DROP TABLE ${table}`);
  return removed;
}

/** The stored fields of an event but its id: what an event without an id is. */
const CONTENT_FIELDS = ENTITY_COLUMNS.events.filter((c) => c.name !== 'id').map((c) => ident(c.name));

/**
 * An event's content as one text: its stored fields as a JSON array, which quotes and escapes text, so no two
 * different events read the same (a field holding a separator cannot pass for two). It is made of the typed values,
 * not the file's text, so "2.5" and "2.50", or one time written in two layouts, are the same event; fields that are
 * not stored (a product's description, which exports spell differently) are not part of it. JSON is also the
 * cheapest unambiguous text DuckDB writes: half the time of each field cast to text behind its length.
 */
const CONTENT = sql`CAST(json_array(${join(CONTENT_FIELDS)}) AS VARCHAR)`;

/** The id of an event without one: the hash of its content (the n-th of identical rows adds `-n`, settleRepeats). */
const CONTENT_ID = sql`substr(md5(${CONTENT}), 1, 24)`;

/**
 * Gives each row without an id one from its content, so the same order line in two files, or in a file exported
 * again in another row order, is one event, and re-importing a file adds nothing.
 */
function contentIds(rows: Sql, only: Sql = sql`true`): Sql {
  return sql`SELECT * REPLACE (CASE WHEN id IS NULL AND ${only} THEN ${CONTENT_ID} ELSE id END AS id) FROM (${rows})`;
}

function tellsOrderOutcomes(mapping: Mapping): boolean {
  return mapping.entity === 'events' && [ORDER_REFUNDED_FIELD, ORDER_CANCELLED_AT_FIELD].some((f) => mapping.columns[f.name] !== undefined);
}

/**
 * One return per order that the file says was refunded or cancelled, beside its lines. A cancellation returns the
 * order's value (its lines, net of their discounts) at the time it was cancelled; a refund returns the amount refunded,
 * at most that value (an export's refund may include shipping and tax, which are not revenue), at the order's time,
 * as exports give no time for it. The return is of the order's average unit, as many units as the amount buys, so a
 * cancelled order reads as all its units returned. It gets its id from its content like a line without one, so a file
 * imported again adds it once; a later export whose refund grew adds a second return, so import such a file with
 * --replace. The order's refund and cancellation may be on any of its rows, even one that failed a check.
 */
async function storeOrderReturns(store: Store, staging: Staging): Promise<number> {
  const refunded = ident(ORDER_REFUNDED_FIELD.name);
  const cancelledAt = ident(ORDER_CANCELLED_AT_FIELD.name);
  const line = sql`FILTER (WHERE ${GOOD} AND type = 'order')`;
  const orders = sql`SELECT order_id, max(customer_id) ${line} AS customer_id, max(anonymous_id) ${line} AS anonymous_id,
      min(ts) ${line} AS ordered_at, max(${cancelledAt}) AS cancelled_at, max(${refunded}) AS refunded,
      sum(quantity * unit_price) ${line} AS value, sum(quantity) ${line} AS units,
      max(channel) ${line} AS channel, max(country) ${line} AS country, max(currency) ${line} AS currency
    FROM (${staging.select({ numbered: false, rejects: 'skip' })}) WHERE NOT __erased AND order_id IS NOT NULL GROUP BY order_id`;
  const fields: Record<string, Sql> = {
    type: sql`'return'`,
    ts: sql`coalesce(cancelled_at, ordered_at)`,
    quantity: sql`units * amount / value`,
    unit_price: sql`value / units`,
    ...Object.fromEntries(['customer_id', 'anonymous_id', 'order_id', 'channel', 'country', 'currency'].map((c) => [c, ident(c)])),
  };
  const returns = sql`SELECT ${join(ENTITY_COLUMNS.events.map((c) => sql`${fields[c.name] ?? sql`CAST(NULL AS ${raw(SQL_TYPES[c.type])})`} AS ${ident(c.name)}`))}
    FROM (SELECT *, CASE WHEN cancelled_at IS NOT NULL THEN value WHEN refunded > 0 THEN least(refunded, value) END AS amount FROM (${orders}))
    WHERE amount > 0 AND units > 0`;
  const cols = entityColumns('events');
  return store.run(sql`INSERT INTO events (${cols}) SELECT ${cols} FROM (${contentIds(returns)}) n
    WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = n.id)`);
}

function lastRowOfEachId(staging: Staging): Sql {
  return sql`SELECT * FROM (${staging.select({ numbered: true, rejects: 'store' })}) WHERE ${GOOD}
    QUALIFY row_number() OVER (PARTITION BY id ORDER BY __rec DESC) = 1`;
}

/**
 * As products, except consent: per channel, a row's value replaces the stored one unless the stored one was stated
 * at a known time (through the API, or by a file that said when) and the row does not state a later one. A row
 * without a value for a channel says nothing of it then. What wins keeps its time.
 */
async function storeCustomers(rows: Sql, insert: (cols: Sql, select: Sql) => Promise<number>): Promise<number> {
  const rowAt = sql`n.${ident(CONSENT_STATED_AT_FIELD.name)}`;
  const rowWins = new Map(
    CONSENT_CHANNELS.map((c) => {
      const { value, statedAt } = consentColumns(c);
      return [value, sql`(o.${ident(statedAt)} IS NULL OR (n.${ident(value)} IS NOT NULL AND ${rowAt} > o.${ident(statedAt)}))`];
    }),
  );
  const values = ENTITY_COLUMNS.customers.map((c) => {
    const wins = rowWins.get(c.name);
    return wins ? sql`CASE WHEN ${wins} THEN n.${ident(c.name)} ELSE o.${ident(c.name)} END` : sql`n.${ident(c.name)}`;
  });
  const times = CONSENT_CHANNELS.map((c) => {
    const { value, statedAt } = consentColumns(c);
    return sql`CASE WHEN ${rowWins.get(value)!} THEN CASE WHEN n.${ident(value)} IS NOT NULL THEN ${rowAt} END ELSE o.${ident(statedAt)} END`;
  });
  const cols = join([entityColumns('customers'), ...CONSENT_CHANNELS.map((c) => ident(consentColumns(c).statedAt))]);
  return insert(cols, sql`SELECT ${join([...values, ...times])} FROM (${rows}) n LEFT JOIN customers o ON o.id = n.id`);
}

/**
 * What the imported events say of customers and products the store lacks; a file that describes its products (an
 * order export's description column) gives their latest description too. Only this import's events are read: a
 * customer or product that earlier events mention got its row when they were stored (imports and API batches
 * alike), and taking an import back keeps the rows that other events still mention.
 */
async function deriveCustomersAndProducts(store: Store, importId: string, mentions: string | undefined): Promise<void> {
  const imported = sql`(SELECT * FROM events WHERE import_id = ${importId})`;
  await insertUnknownCustomers(store, imported);
  if (!mentions) {
    await insertUnknownProducts(store, imported);
    return;
  }
  const prices = medianOfCounts(sql`SELECT product_id, unit_price, order_lines FROM ${ident(mentions)} WHERE is_price`, 'product_id', 'unit_price', 'order_lines');
  await store.run(sql`INSERT INTO products (id, title, category, brand, price)
    SELECT p.product_id, p.title, p.category, p.brand, m.med FROM ${ident(mentions)} p LEFT JOIN (${prices}) m ON m.product_id = p.product_id
    WHERE p.is_product AND NOT p.is_price AND p.valid > 0 AND p.product_id IS NOT NULL AND p.product_id NOT IN (SELECT id FROM products)`);
}

/** Writes the records that parsed but failed a check to quarantine, with their line and the record as read. */
async function quarantineRows(store: Store, source: Source, staging: Staging, lines: (rows: Sql) => Sql, importId: string, entity: Entity): Promise<number> {
  const person = entity === 'events' ? sql`customer_id` : entity === 'customers' ? sql`id` : sql`NULL`;
  return store.run(sql`INSERT INTO quarantine
    SELECT ${importId}, ${entity}, ${source.file}, __line, __error.column, __error.reason, __raw, now(), ${person}
    FROM ${lines(staging.select({ numbered: true, rejects: 'skip' }, true))} WHERE ${BAD}`);
}

/**
 * Lines DuckDB's reader could not split into fields, and the end of a truncated file. A broken line with a field
 * whose keyed hash is an erased customer's is dropped (counted as erased), so erasure survives a re-import.
 */
async function quarantineUnreadable(store: Store, source: Source, importId: string, entity: Entity, tombstoneKey: string | undefined): Promise<{ quarantined: number; erased: number }> {
  const common = sql`${importId}, ${entity}, ${source.file}`;
  let n = 0;
  let erased = 0;
  if (source.rejectsTable) {
    const erasedLine = tombstoneKey
      ? sql`list_has_any(list_transform(regexp_split_to_array(csv_line, '[,;\t|]'), f -> ${tombstoneHash(tombstoneKey, sql`trim(f, ' "')`)}),
          (SELECT list(hash) FROM tombstones))`
      : sql`false`;
    const lines = sql`(SELECT line, any_value(column_name) AS column_name, string_agg(error_message, '; ') AS reason,
        any_value(csv_line) AS csv_line, bool_or(${erasedLine}) AS erased
      FROM ${ident(source.rejectsTable)} GROUP BY line)`;
    n += await store.run(sql`INSERT INTO quarantine SELECT ${common}, line, column_name, reason, csv_line, now(), NULL FROM ${lines} WHERE NOT erased`);
    erased = await count(store, sql`SELECT count(*) AS n FROM ${lines} WHERE erased`);
  }
  if (source.truncation) {
    const line = source.truncation.completeLines + 1;
    n += await store.run(sql`INSERT INTO quarantine VALUES (${common}, ${line}, NULL,
      ${`the compressed file ends early (truncated gzip stream): line ${line} is incomplete and nothing after it could be read`},
      NULL, now(), NULL)`);
  }
  return { quarantined: n, erased };
}
