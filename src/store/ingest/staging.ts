import { ImportError } from '../../shared/errors.js';
import { ident, join, raw, sql, type Sql } from '../../sql/index.js';
import { ENTITY_COLUMNS, EVENT_TYPES, FILE_ONLY_FIELDS, ORDER_TOTAL_FIELD, SQL_TYPES, type ColumnSpec, type ColumnType } from '../schema.js';
import { columnSource, type ColumnSource, type Mapping } from './mapping.js';
import { isErased } from '../privacy.js';
import type { ReadOptions, Source } from './source.js';

/** Turns each record of a source into a typed store row plus the first problem found with it, in SQL. */

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const TEMPORAL = /^(DATE|TIMESTAMP.*)$/;

const TYPE_WORDS: Record<ColumnType, string> = {
  string: 'text',
  double: 'a number',
  timestamp: 'a timestamp',
  boolean: 'true/false',
  string_list: 'a list',
  json: 'JSON',
};

function sqlType(type: ColumnType): Sql {
  return raw(SQL_TYPES[type]);
}

/** Typed value of one field from the source text (or native Parquet value). */
function typedValue(v: Sql, text: Sql, sourceType: string, type: ColumnType, ref: ColumnSource): Sql {
  switch (type) {
    case 'string':
      return ref.prefix ? sql`(${ref.prefix} || ${text})` : text;
    case 'double':
      return NUMERIC.test(sourceType) ? sql`CAST(${v} AS DOUBLE)` : sql`TRY_CAST(${text} AS DOUBLE)`;
    case 'timestamp':
      if (ref.format) return sql`TRY_STRPTIME(${text}, ${ref.format})`;
      if (TEMPORAL.test(sourceType)) return sql`CAST(${v} AS TIMESTAMP)`;
      // A written offset ("+02:00", "Z") needs the slower TIMESTAMPTZ cast; text of 19 characters or fewer
      // ("YYYY-MM-DD HH:MM:SS") cannot hold one. The session zone is UTC.
      return sql`CASE WHEN length(${text}) <= 19 THEN TRY_CAST(${text} AS TIMESTAMP) ELSE CAST(TRY_CAST(${text} AS TIMESTAMPTZ) AS TIMESTAMP) END`;
    case 'boolean':
      return sourceType === 'BOOLEAN' ? v : sql`TRY_CAST(${text} AS BOOLEAN)`;
    case 'string_list':
      if (sourceType.endsWith('[]')) return sql`CAST(${v} AS VARCHAR[])`;
      return sql`CASE WHEN starts_with(ltrim(${text}), '[') THEN TRY_CAST(${text} AS VARCHAR[])
        ELSE string_split(${text}, ${ref.split ?? '|'}) END`;
    case 'json':
      if (/^(STRUCT|MAP)/.test(sourceType) || sourceType.endsWith('[]')) return sql`CAST(to_json(${v}) AS JSON)`;
      return sql`TRY_CAST(${text} AS JSON)`;
  }
}

interface Field {
  spec: ColumnSpec;
  /** Typed expression over `src`. */
  value: Sql;
  /** Source column it came from (for messages), if mapped. */
  column: string | undefined;
  /** Raw text when it could not be read as its type, else NULL. */
  unreadable: Sql | undefined;
}

function fieldsOf(mapping: Mapping, source: Source): Field[] {
  const specs: ColumnSpec[] = [...ENTITY_COLUMNS[mapping.entity], ...FILE_ONLY_FIELDS[mapping.entity]];
  const missing: string[] = [];
  const fields = specs.map((spec): Field => {
    const ref = mapping.columns[spec.name];
    const constant = mapping.constants?.[spec.name];
    if (ref === undefined) {
      const value = constant === undefined ? sql`CAST(NULL AS ${sqlType(spec.type)})` : sql`CAST(${constant} AS ${sqlType(spec.type)})`;
      return { spec, value, column: undefined, unreadable: undefined };
    }
    const src = columnSource(ref);
    const sourceType = source.columns.get(src.column);
    if (sourceType === undefined && mapping.absentColumns === 'null' && !spec.required) {
      return { spec, value: sql`CAST(NULL AS ${sqlType(spec.type)})`, column: undefined, unreadable: undefined };
    }
    if (sourceType === undefined) {
      missing.push(`"${src.column}" (mapped to ${spec.name})`);
      return { spec, value: sql`NULL`, column: src.column, unreadable: undefined };
    }
    const v = source.value(src.column);
    const text = sourceType === 'VARCHAR' || sourceType === 'JSON' ? sql`NULLIF(${v}, '')` : sql`CAST(${v} AS VARCHAR)`;
    const value = typedValue(v, text, sourceType, spec.type, src);
    const unreadable = spec.type === 'string' ? undefined : sql`CASE WHEN ${text} IS NOT NULL AND ${value} IS NULL THEN ${text} END`;
    return { spec, value, column: src.column, unreadable };
  });
  if (missing.length > 0) {
    const found = [...source.columns.keys()].join(', ') || '(none)';
    const what = missing.length === 1 ? `column ${missing[0]} is` : `columns ${missing.join(', ')} are`;
    throw new ImportError(`${source.file}: ${what} not in the file; its columns are: ${found}`, {
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
 * total (a refund, which `returns.negativeQuantity` makes a return).
 */
function shapeEvents(mapping: Mapping): Partial<Record<string, Sql>> {
  const r = mapping.returns;
  const total = ident(ORDER_TOTAL_FIELD.name);
  const totals = mapping.columns[ORDER_TOTAL_FIELD.name] !== undefined;
  const quantity = totals
    ? sql`CASE WHEN ${WHOLE_ORDER} THEN coalesce(quantity, CASE WHEN ${total} < 0 THEN -1 ELSE 1 END) ELSE quantity END`
    : sql`quantity`;
  const conditions: Sql[] = [];
  if (r?.orderIdPrefix) conditions.push(sql`starts_with(order_id, ${r.orderIdPrefix})`);
  if (r?.negativeQuantity) conditions.push(sql`${quantity} < 0`);
  const isReturn = conditions.length ? sql`(type = 'order' AND (${join(conditions, ' OR ')}))` : sql`FALSE`;
  return {
    type: sql`CASE WHEN ${isReturn} THEN 'return' ELSE type END`,
    quantity: sql`CASE WHEN ${isReturn} THEN abs(${quantity}) ELSE ${quantity} END`,
    ...(totals ? { unit_price: sql`CASE WHEN ${WHOLE_ORDER} THEN ${total} / ${quantity} ELSE unit_price END` } : {}),
    // An anonymous order keeps its order id as the visitor id, so it stays one shopper and is not dropped.
    anonymous_id: sql`coalesce(anonymous_id, CASE WHEN customer_id IS NULL AND order_id IS NOT NULL THEN 'order:' || order_id END)`,
  };
}

function errorStruct(column: string | undefined, reason: Sql): Sql {
  return sql`{'column': ${column ?? null}::VARCHAR, 'reason': ${reason}}`;
}

function rowChecks(mapping: Mapping, fields: Field[]): Array<{ when: Sql; error: Sql }> {
  const checks: Array<{ when: Sql; error: Sql }> = [];
  const columnOf = (name: string) => fields.find((f) => f.spec.name === name)?.column ?? name;
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
  const unreadable = fields.filter((f) => f.unreadable).map((f) => ident(`unreadable:${f.spec.name}`));
  const passUnreadable = unreadable.length ? sql`, ${join(unreadable)}` : sql``;
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
        ...fields.filter((f) => f.unreadable).map((f) => sql`${f.unreadable!} AS ${ident(`unreadable:${f.spec.name}`)}`),
      ]);
      return sql`SELECT __rec, ${join(names.map((n) => ident(n)))}, ${error} AS __error, ${erased} AS __erased, __raw
        FROM (SELECT __rec, __record_error, __raw, ${shapedColumns}${passUnreadable}
              FROM (SELECT ${typed} FROM (${source.relation(read)}) src))`;
    },
  };
}
