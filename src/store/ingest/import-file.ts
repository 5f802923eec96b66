import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { ident, join, sql, type Sql } from '../../sql/index.js';
import { ENTITY_COLUMNS, type Entity } from '../schema.js';
import type { Store } from '../store.js';
import type { Mapping } from './mapping.js';
import { openSource, type Source } from './source.js';
import { stagingStatement } from './staging.js';

export interface QuarantinedRow {
  line: number | null;
  column: string | null;
  reason: string;
}

export interface ImportReport {
  import_id: string;
  file: string;
  entity: Entity;
  format: string;
  /** Records read from the file: accepted + duplicates + rejected. */
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** The first ten quarantined rows, in file order. */
  quarantined: QuarantinedRow[];
}

export type ImportStep = 'read' | 'store' | 'derive' | 'quarantine';

export interface ImportOptions {
  onStep?: (step: ImportStep) => void;
}

const entityColumns = (entity: Entity): Sql => join(ENTITY_COLUMNS[entity].map((c) => ident(c.name)));

/**
 * Imports one file in one transaction: every record ends up accepted, a duplicate of a stored row, or in
 * quarantine with its line, column and reason. A failure leaves the store as it was.
 */
export async function importFile(store: Store, file: string, mapping: Mapping, options: ImportOptions = {}): Promise<ImportReport> {
  const importId = randomUUID().replaceAll('-', '');
  const source = await openSource(store, file, mapping, importId);
  const stage = `stage_${importId}`;
  const step = options.onStep ?? (() => undefined);
  try {
    return await store.transaction(async () => {
      step('read');
      await store.run(stagingStatement(stage, mapping, source));
      const lines = await lineNumbering(store, source, stage);
      step('store');
      const valid = await count(store, sql`SELECT count(*) AS n FROM ${ident(stage)} WHERE __error IS NULL`);
      const accepted = await storeRows(store, mapping, stage, lines);
      step('derive');
      if (mapping.entity === 'events') await deriveCustomersAndProducts(store, stage);
      step('quarantine');
      const rejected = await quarantine(store, source, stage, lines, importId, mapping.entity);
      const report: ImportReport = {
        import_id: importId,
        file,
        entity: mapping.entity,
        format: source.format,
        rows: valid + rejected,
        accepted,
        duplicates: valid - accepted,
        rejected,
        quarantined: await store.all<QuarantinedRow>(sql`SELECT line, column_name AS "column", reason FROM quarantine
          WHERE import_id = ${importId} ORDER BY line NULLS FIRST LIMIT 10`),
      };
      await store.run(sql`INSERT INTO imports VALUES (${importId}, ${file}, ${mapping.entity}, ${source.format},
        ${JSON.stringify(mapping)}, now(), ${report.rows}, ${report.accepted}, ${report.duplicates}, ${report.rejected})`);
      await store.run(sql`DROP TABLE ${ident(stage)}`);
      if (source.rejectsTable) {
        await store.run(sql`DROP TABLE IF EXISTS ${ident(source.rejectsTable)}`);
        await store.run(sql`DROP TABLE IF EXISTS ${ident(`${source.rejectsTable}_scan`)}`);
      }
      return report;
    });
  } finally {
    if (source.truncation) await rm(source.truncation.prefixPath, { force: true });
  }
}

async function count(store: Store, q: Sql): Promise<number> {
  return (await store.one<{ n: number }>(q))?.n ?? 0;
}

/**
 * Line of each staged record: its record number plus the header, plus the lines DuckDB's CSV reader skipped before
 * it. Returns a relation over the stage with `__line` added.
 */
async function lineNumbering(store: Store, source: Source, stage: string): Promise<Sql> {
  const skipped = source.rejectsTable
    ? await count(store, sql`SELECT count(DISTINCT line) AS n FROM ${ident(source.rejectsTable)}`)
    : 0;
  if (skipped === 0) return sql`(SELECT s.*, s.__rec + ${source.headerLines} AS __line FROM ${ident(stage)} s)`;
  // Skipped line j (1-based, in order) sits after `line_j - j - header` parsed records.
  return sql`(SELECT s.*, s.__rec + ${source.headerLines} + coalesce(k.skipped, 0) AS __line
    FROM ${ident(stage)} s ASOF LEFT JOIN (
      SELECT line - row_number() OVER (ORDER BY line) - ${source.headerLines} AS after_rec, row_number() OVER (ORDER BY line) AS skipped
      FROM (SELECT DISTINCT line FROM ${ident(source.rejectsTable!)})
    ) k ON s.__rec > k.after_rec)`;
}

/** Inserts the good rows that are not already stored; returns how many went in. */
async function storeRows(store: Store, mapping: Mapping, stage: string, lines: Sql): Promise<number> {
  const entity = mapping.entity;
  const cols = entityColumns(entity);
  if (entity === 'events') {
    const given = mapping.columns.id !== undefined;
    // A stable id for an event that has none: its identifying fields and its line, so re-sending the file adds nothing.
    const id = sql`coalesce(id, substr(md5(concat_ws('|', __line, type, ts, customer_id, anonymous_id, session_id, product_id,
      order_id, quantity, unit_price, discount, query)), 1, 24))`;
    const firstOfId = given ? sql`QUALIFY row_number() OVER (PARTITION BY id ORDER BY __rec) = 1` : sql``;
    return store.run(sql`INSERT INTO events (${cols})
      SELECT ${cols} FROM (
        SELECT * REPLACE (${id} AS id) FROM ${lines} WHERE __error IS NULL
      ) n
      WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = n.id)
      ${firstOfId}`);
  }
  // Customers and products: the last row of an id wins; a row equal to the stored one is a duplicate.
  return store.run(sql`INSERT OR REPLACE INTO ${ident(entity)} (${cols})
    SELECT ${cols} FROM ${ident(stage)} WHERE __error IS NULL
    QUALIFY row_number() OVER (PARTITION BY id ORDER BY __rec DESC) = 1
    EXCEPT SELECT ${cols} FROM ${ident(entity)}`);
}

/** Customers and products referenced by events but not yet in the store get a row of what the events tell. */
async function deriveCustomersAndProducts(store: Store, stage: string): Promise<void> {
  await store.run(sql`INSERT INTO customers (id, country)
    SELECT customer_id, arg_max(country, ts) FROM ${ident(stage)}
    WHERE __error IS NULL AND customer_id IS NOT NULL AND customer_id NOT IN (SELECT id FROM customers)
    GROUP BY customer_id`);
  await store.run(sql`INSERT INTO products (id, title, category, brand, price)
    SELECT product_id, arg_max(product_title, ts), arg_max(product_category, ts), arg_max(product_brand, ts),
      median(unit_price) FILTER (WHERE type = 'order')
    FROM ${ident(stage)}
    WHERE __error IS NULL AND product_id IS NOT NULL AND product_id NOT IN (SELECT id FROM products)
    GROUP BY product_id`);
}

/** Writes every rejected record to quarantine and returns how many there were. */
async function quarantine(store: Store, source: Source, stage: string, lines: Sql, importId: string, entity: Entity): Promise<number> {
  const common = sql`${importId}, ${entity}, ${source.file}`;
  const bad = await store.run(sql`INSERT INTO quarantine
    SELECT ${common}, b.__line, b.__error.column, b.__error.reason, r.raw, now()
    FROM (SELECT __rec, __line, __error FROM ${lines} WHERE __error IS NOT NULL) b
    LEFT JOIN (SELECT __rec, ${source.rawRecord} AS raw FROM (${source.relation}) src
               WHERE __rec IN (SELECT __rec FROM ${ident(stage)} WHERE __error IS NOT NULL)) r USING (__rec)`);
  let structural = 0;
  if (source.rejectsTable) {
    structural = await store.run(sql`INSERT INTO quarantine
      SELECT ${common}, line, any_value(column_name), string_agg(error_message, '; '), any_value(csv_line), now()
      FROM ${ident(source.rejectsTable)} GROUP BY line`);
  }
  let truncated = 0;
  if (source.truncation) {
    const line = source.truncation.completeLines + 1;
    truncated = await store.run(sql`INSERT INTO quarantine VALUES (${common}, ${line}, NULL,
      ${`the compressed file ends early (truncated gzip stream): line ${line} is incomplete and nothing after it could be read`},
      NULL, now())`);
  }
  return bad + structural + truncated;
}

