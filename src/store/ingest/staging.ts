import { ImportError } from '../../shared/errors.js';
import { ident, join, raw, sql, type Sql } from '../../sql/index.js';
import { EVENT_TYPES, LINE_DISCOUNT_FIELD, ORDER_CANCELLED_AT_FIELD, ORDER_REFUNDED_FIELD, ORDER_TOTAL_FIELD, SQL_TYPES, TYPE_WORDS, type ColumnSpec, type ColumnType } from '../schema.js';
import { columnSource, CURRENCY_CODE, EPOCH_FORMATS, fieldSpecs, type ColumnSource, type Mapping } from './mapping.js';
import { isErased } from '../privacy.js';
import type { ReadOptions, Source } from './source.js';

/** Turns each record of a source into a typed store row plus the first problem found with it, in SQL. */

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const TEMPORAL = /^(DATE|TIMESTAMP.*)$/;

function sqlType(type: ColumnType): Sql {
  return raw(SQL_TYPES[type]);
}

/** A timestamp from text, read with a column's `format` (none: ISO 8601 and the like); NULL when it does not read. */
export function timestampOf(text: Sql, format: string | undefined): Sql {
  if (format && format in EPOCH_FORMATS) {
    const micros = EPOCH_FORMATS[format as keyof typeof EPOCH_FORMATS];
    return sql`make_timestamp(TRY_CAST(TRY_CAST(${text} AS DOUBLE) * ${micros} AS BIGINT))`;
  }
  // With %z the time has a zone; the session zone is UTC.
  if (format) return sql`CAST(TRY_STRPTIME(${text}, ${format}) AS TIMESTAMP)`;
  // A written offset ("+02:00", "Z") needs the slower TIMESTAMPTZ cast; text of 19 characters or fewer
  // ("YYYY-MM-DD HH:MM:SS") cannot hold one. The session zone is UTC.
  return sql`CASE WHEN length(${text}) <= 19 THEN TRY_CAST(${text} AS TIMESTAMP) ELSE CAST(TRY_CAST(${text} AS TIMESTAMPTZ) AS TIMESTAMP) END`;
}

/**
 * The field from a source column already of its kind (a typed Parquet column), as a cast that cannot fail: a non-NULL
 * value stays non-NULL, so the field needs no check for unreadable text. Undefined when the value is read from text.
 */
function nativeValue(v: Sql, sourceType: string, type: ColumnType, ref: ColumnSource): Sql | undefined {
  switch (type) {
    case 'string':
      return undefined;
    case 'double':
      if (!NUMERIC.test(sourceType)) return undefined;
      return ref.divide ? sql`(CAST(${v} AS DOUBLE) / ${ref.divide})` : sql`CAST(${v} AS DOUBLE)`;
    case 'timestamp':
      return !ref.format && TEMPORAL.test(sourceType) ? sql`CAST(${v} AS TIMESTAMP)` : undefined;
    case 'boolean':
      return sourceType === 'BOOLEAN' ? v : undefined;
    case 'string_list':
      return sourceType.endsWith('[]') ? sql`CAST(${v} AS VARCHAR[])` : undefined;
    case 'json':
      return /^(STRUCT|MAP)/.test(sourceType) || sourceType.endsWith('[]') ? sql`CAST(to_json(${v}) AS JSON)` : undefined;
  }
}

/** Typed value of one field from the source text; NULL where the text does not read as the type. */
function typedValue(text: Sql, type: ColumnType, ref: ColumnSource): Sql {
  switch (type) {
    case 'string':
      return ref.prefix ? sql`(${ref.prefix} || ${text})` : text;
    case 'double': {
      const number = sql`TRY_CAST(${text} AS DOUBLE)`;
      return ref.divide ? sql`(${number} / ${ref.divide})` : number;
    }
    case 'timestamp':
      return timestampOf(text, ref.format);
    case 'boolean':
      return sql`TRY_CAST(${text} AS BOOLEAN)`;
    case 'string_list':
      return sql`CASE WHEN starts_with(ltrim(${text}), '[') THEN TRY_CAST(${text} AS VARCHAR[])
        ELSE string_split(${text}, ${ref.split ?? '|'}) END`;
    case 'json':
      return sql`TRY_CAST(${text} AS JSON)`;
  }
}

function valueMap(values: Record<string, string>): Sql {
  return sql`CAST(CAST(${JSON.stringify(values)} AS JSON) AS MAP(VARCHAR, VARCHAR))`;
}

/** The text after the mapping's text steps, `values` then `path`; a value mapped to "" is empty. */
function rewrittenText(text: Sql, ref: ColumnSource): Sql {
  let t = text;
  if (ref.values) t = sql`NULLIF(${valueMap(ref.values)}[${t}], '')`;
  if (ref.path) {
    t = sql`list_extract(list_filter(list_transform(string_split(${t}, ${ref.path}), x -> trim(x)), x -> x <> ''), ${ref.level ?? -1})`;
  }
  return t;
}

/**
 * The reason a row is quarantined with when its field's value map lacks its value; `UNMAPPED_REASON`, a regular
 * expression for DuckDB, reads the value (group 1, which may span lines) and the field (group 2) back for the report.
 */
function unmappedReason(field: string, value: Sql): Sql {
  return sql`'no value for "' || ${value} || ${`" in columns.${field}.values`}`;
}
export const UNMAPPED_REASON = '(?s)^no value for "(.*)" in columns\\.([a-z_]+)\\.values$';

/** A file whose columns are not the mapping's: the importer answers it with a draft mapping of the file. */
export class LayoutError extends ImportError {}

interface Field {
  spec: ColumnSpec;
  /** Typed expression over `src`. */
  value: Sql;
  /** Source column it came from (for messages), if mapped. */
  column: string | undefined;
  /** Raw text when it could not be read as its type, else NULL. */
  unreadable: Sql | undefined;
  /** The source text when the field's value map lacks it, else NULL. */
  unmapped: Sql | undefined;
}

function fieldsOf(mapping: Mapping, source: Source): Field[] {
  const missing: string[] = [];
  const fields = fieldSpecs(mapping.entity).map((spec): Field => {
    const ref = mapping.columns[spec.name];
    const constant = mapping.constants?.[spec.name];
    // The mapping's currency is the one default it has: for rows whose column is empty, or for all without one.
    const fallback = spec.name === 'currency' ? mapping.currency : undefined;
    const unset = { column: undefined, unreadable: undefined, unmapped: undefined };
    const none = sql`CAST(${constant ?? fallback ?? null} AS ${sqlType(spec.type)})`;
    if (ref === undefined) return { spec, value: none, ...unset };
    const src = columnSource(ref);
    const sourceType = source.columns.get(src.column);
    if (sourceType === undefined && mapping.absentColumns === 'null' && !spec.required) return { spec, value: none, ...unset };
    if (sourceType === undefined) {
      missing.push(`"${src.column}" (mapped to ${spec.name})`);
      return { spec, value: sql`NULL`, ...unset, column: src.column };
    }
    const v = source.value(src.column);
    const textOf = (column: string, type: string) => (type === 'VARCHAR' || type === 'JSON' ? sql`NULLIF(${source.value(column)}, '')` : sql`CAST(${source.value(column)} AS VARCHAR)`);
    const fallbackType = src.fallback === undefined ? undefined : source.columns.get(src.fallback);
    if (src.fallback !== undefined && fallbackType === undefined && mapping.absentColumns !== 'null') missing.push(`"${src.fallback}" (the fallback of ${spec.name})`);
    const read = fallbackType === undefined ? textOf(src.column, sourceType) : sql`coalesce(${textOf(src.column, sourceType)}, ${textOf(src.fallback!, fallbackType)})`;
    // A rewritten value is text, whatever the source's type.
    const rewritten = src.values !== undefined || src.path !== undefined || fallbackType !== undefined;
    const text = rewritten ? rewrittenText(read, src) : read;
    const native = rewritten ? undefined : nativeValue(v, sourceType, spec.type, src);
    const typed = native ?? typedValue(text, spec.type, src);
    const value = fallback === undefined ? typed : sql`coalesce(${typed}, ${none})`;
    return {
      spec,
      value,
      column: src.column,
      // A typed column's value reads whenever it is there: testing it cast it to text on every row.
      unreadable: spec.type === 'string' || native ? undefined : sql`CASE WHEN ${text} IS NOT NULL AND ${typed} IS NULL THEN ${text} END`,
      unmapped: src.values ? sql`CASE WHEN ${read} IS NOT NULL AND NOT map_contains(${valueMap(src.values)}, ${read}) THEN ${read} END` : undefined,
    };
  });
  if (missing.length > 0) {
    const found = [...source.columns.keys()].join(', ') || '(none)';
    const what = missing.length === 1 ? `column ${missing[0]} is` : `columns ${missing.join(', ')} are`;
    throw new LayoutError(`${source.file}: ${what} not in the file; its columns are: ${found}`, {
      file: source.file,
      missing,
    });
  }
  return fields;
}

/** A row with no product but an order total: a whole order (ORDER_TOTAL_FIELD). */
const WHOLE_ORDER = sql`(type IN ('order', 'return') AND product_id IS NULL AND ${ident(ORDER_TOTAL_FIELD.name)} IS NOT NULL)`;

/**
 * Sales and returns in one order export: turn the matching lines into returns with positive quantity. A whole order
 * becomes its item count at the total divided by it; without a count it is one item, or minus one for a negative
 * total (a refund, which `returns.negativeQuantity` makes a return). A line's discount on all its units is taken off
 * its unit price.
 */
function shapeEvents(mapping: Mapping): Partial<Record<string, Sql>> {
  const r = mapping.returns;
  const total = ident(ORDER_TOTAL_FIELD.name);
  const lineDiscount = ident(LINE_DISCOUNT_FIELD.name);
  const totals = mapping.columns[ORDER_TOTAL_FIELD.name] !== undefined;
  const discounts = mapping.columns[LINE_DISCOUNT_FIELD.name] !== undefined;
  const quantity = totals
    ? sql`CASE WHEN ${WHOLE_ORDER} THEN coalesce(quantity, CASE WHEN ${total} < 0 THEN -1 ELSE 1 END) ELSE quantity END`
    : sql`quantity`;
  let price = discounts ? sql`(unit_price - coalesce(${lineDiscount}, 0) / abs(${quantity}))` : sql`unit_price`;
  if (totals) price = sql`CASE WHEN ${WHOLE_ORDER} THEN ${total} / ${quantity} ELSE ${price} END`;
  const conditions: Sql[] = [];
  if (r?.orderIdPrefix) conditions.push(sql`starts_with(order_id, ${r.orderIdPrefix})`);
  if (r?.negativeQuantity) conditions.push(sql`${quantity} < 0`);
  const isReturn = conditions.length ? sql`(type = 'order' AND (${join(conditions, ' OR ')}))` : sql`FALSE`;
  return {
    type: sql`CASE WHEN ${isReturn} THEN 'return' ELSE type END`,
    quantity: sql`CASE WHEN ${isReturn} THEN abs(${quantity}) ELSE ${quantity} END`,
    ...(totals || discounts ? { unit_price: price } : {}),
    ...(discounts ? { discount: sql`coalesce(discount, ${lineDiscount} / abs(${quantity}))` } : {}),
    // An anonymous order keeps its order id as the visitor id, so it stays one shopper and is not dropped.
    anonymous_id: sql`coalesce(anonymous_id, CASE WHEN customer_id IS NULL AND order_id IS NOT NULL THEN 'order:' || order_id END)`,
  };
}

/**
 * Fields an export writes on one row of each order only (`orderFields`): a row without a value takes its order's, so
 * every line of the order has its time and customer.
 */
function fillOrderFields(mapping: Mapping, rows: Sql): Sql {
  const fields = mapping.orderFields ?? [];
  if (fields.length === 0) return rows;
  const filled = fields.map((f) => sql`coalesce(${ident(f)}, CASE WHEN order_id IS NOT NULL THEN max(${ident(f)}) OVER (PARTITION BY order_id) END) AS ${ident(f)}`);
  return sql`SELECT * REPLACE (${join(filled)}) FROM (${rows})`;
}

function errorStruct(column: string | undefined, reason: Sql): Sql {
  return sql`{'column': ${column ?? null}::VARCHAR, 'reason': ${reason}}`;
}

function rowChecks(mapping: Mapping, fields: Field[]): Array<{ when: Sql; error: Sql }> {
  const checks: Array<{ when: Sql; error: Sql }> = [];
  const columnOf = (name: string) => fields.find((f) => f.spec.name === name)?.column ?? name;
  // First, so that every row with a value its map lacks is counted under that value in the report.
  for (const f of fields) {
    if (!f.unmapped) continue;
    const flag = ident(`unmapped:${f.spec.name}`);
    checks.push({ when: sql`${flag} IS NOT NULL`, error: errorStruct(f.column, unmappedReason(f.spec.name, flag)) });
  }
  for (const f of fields) {
    if (!f.unreadable) continue;
    const flag = ident(`unreadable:${f.spec.name}`);
    checks.push({
      when: sql`${flag} IS NOT NULL`,
      error: errorStruct(f.column, sql`${`cannot read as ${TYPE_WORDS[f.spec.type]} (${f.spec.name}): `} || ${flag}`),
    });
  }
  for (const f of fields) {
    if (f.spec.required) checks.push({ when: sql`${ident(f.spec.name)} IS NULL`, error: errorStruct(f.column ?? f.spec.name, sql`${`missing required field ${f.spec.name}`}`) });
  }
  if (mapping.entity === 'events') {
    const types = join(EVENT_TYPES.map((t) => sql`${t}`));
    const isLine = sql`type IN ('order', 'return')`;
    checks.push(
      // Kept as an IN list, which DuckDB plans as a join: `list_contains` measured cheaper alone, but without the join
      // the import's insert takes DuckDB's batch path, which wrote a Parquet file's 4.3M events as 51 partly filled row
      // groups in a file twice the size, cost more CPU from CSV, and left the feature table after it 3.5x the CPU in the
      // same process (docs/benchmarks.md, issue 18).
      { when: sql`type NOT IN (${types})`, error: errorStruct(columnOf('type'), sql`'unknown event type "' || type || ${`"; types: ${EVENT_TYPES.join(', ')}`}`) },
      { when: sql`customer_id IS NULL AND anonymous_id IS NULL`, error: errorStruct(columnOf('customer_id'), sql`'missing customer_id and anonymous_id'`) },
      {
        when: sql`${isLine} AND product_id IS NULL AND ${ident(ORDER_TOTAL_FIELD.name)} IS NULL`,
        error: errorStruct(columnOf('product_id'), sql`${`an order line needs a product_id (a file with one row per order maps its amount to ${ORDER_TOTAL_FIELD.name})`}`),
      },
      { when: sql`${isLine} AND quantity IS NULL`, error: errorStruct(columnOf('quantity'), sql`'an order line needs a quantity'`) },
      { when: sql`${isLine} AND quantity = 0`, error: errorStruct(columnOf('quantity'), sql`'an order line needs a non-zero quantity'`) },
      { when: sql`type = 'order' AND quantity < 0`, error: errorStruct(columnOf('quantity'), sql`'an order line needs a positive quantity (returns are their own event type)'`) },
      { when: sql`${isLine} AND unit_price IS NULL`, error: errorStruct(columnOf('unit_price'), sql`'an order line needs a unit_price'`) },
      ...[ORDER_REFUNDED_FIELD, ORDER_CANCELLED_AT_FIELD]
        .filter((f) => mapping.columns[f.name] !== undefined)
        .map((f) => ({ when: sql`${ident(f.name)} IS NOT NULL AND order_id IS NULL`, error: errorStruct(columnOf('order_id'), sql`${`${f.name} needs the order_id of its order`}`) })),
      {
        when: sql`NOT regexp_full_match(currency, ${CURRENCY_CODE.source})`,
        error: errorStruct(columnOf('currency'), sql`'currency "' || currency || '" is not an ISO 4217 code in capitals, such as EUR'`),
      },
    );
  }
  return checks;
}

export interface Staging {
  /**
   * SELECT over the source giving `__rec`, every field of the entity (stored ones and FILE_ONLY_FIELDS),
   * `__error` (NULL, or {column, reason} for the first problem found), `__erased` and, with `withRaw`, `__raw`: the
   * record as read.
   */
  select(read: ReadOptions, withRaw?: boolean): Sql;
}

/**
 * Checks the mapping against the file's columns once (a missing mapped column fails here, naming it). With a
 * tombstone key, rows of erased customers are marked `__erased` (their keyed hash is in `tombstones`).
 */
export function planStaging(mapping: Mapping, source: Source, tombstoneKey?: string): Staging {
  const fields = fieldsOf(mapping, source);
  const names = fields.map((f) => f.spec.name);
  const shaped = mapping.entity === 'events' ? shapeEvents(mapping) : {};
  const shapedColumns = join(names.map((n) => (shaped[n] ? sql`${shaped[n]} AS ${ident(n)}` : ident(n))));
  const checks = rowChecks(mapping, fields);
  const error = sql`CASE WHEN __record_error IS NOT NULL THEN __record_error
    ${join(checks.map((c) => sql`WHEN ${c.when} THEN ${c.error}`), '\n    ')} END`;
  const flags = fields.flatMap((f) => [
    ...(f.unreadable ? [{ name: `unreadable:${f.spec.name}`, value: f.unreadable }] : []),
    ...(f.unmapped ? [{ name: `unmapped:${f.spec.name}`, value: f.unmapped }] : []),
  ]);
  const passFlags = flags.length ? sql`, ${join(flags.map((f) => ident(f.name)))}` : sql``;
  const person = mapping.entity === 'events' ? 'customer_id' : mapping.entity === 'customers' ? 'id' : undefined;
  const erased =
    tombstoneKey && person
      ? isErased(tombstoneKey, ident(person))
      : sql`false`;
  return {
    select(read, withRaw = false) {
      const typed = join([
        sql`src.__rec`,
        source.recordError ? sql`${source.recordError} AS __record_error` : sql`NULL AS __record_error`,
        withRaw ? sql`${source.rawRecord} AS __raw` : sql`NULL AS __raw`,
        ...fields.map((f) => sql`${f.value} AS ${ident(f.spec.name)}`),
        ...flags.map((f) => sql`${f.value} AS ${ident(f.name)}`),
      ]);
      return sql`SELECT __rec, ${join(names.map((n) => ident(n)))}, ${error} AS __error, ${erased} AS __erased, __raw
        FROM (SELECT __rec, __record_error, __raw, ${shapedColumns}${passFlags}
              FROM (${fillOrderFields(mapping, sql`SELECT ${typed} FROM (${source.relation(read)}) src`)}))`;
    },
  };
}
