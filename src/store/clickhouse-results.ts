import type { SqlValue } from '../sql/index.js';
import type { Row, Vectors } from './backend.js';

/**
 * What a ClickHouse store shares whether the engine is embedded (chdb) or a server (HTTP): the settings that make
 * ClickHouse answer as the SQL written for DuckDB expects, the bound values' names, and results read from its JSON
 * format as callers want them.
 */
export const CLICKHOUSE_SETTINGS = {
  // An outer join's missing side is NULL, not the type's default.
  join_use_nulls: 1,
  // sum/min/max over no rows are NULL, as in standard SQL.
  aggregate_functions_null_for_empty: 1,
  session_timezone: 'UTC',
  // CAST(NULL AS DOUBLE) is NULL.
  cast_keep_nullable: 1,
  // Tables with a key are ReplacingMergeTree: reads see the newest row of each key only.
  final: 1,
  // `sum(items) AS items` reads the column, not its own alias.
  prefer_column_name_to_alias: 1,
  // A DELETE or ALTER ... UPDATE is done when the statement returns.
  mutations_sync: '2',
  output_format_json_quote_64bit_integers: 0,
  // A bare UNION is UNION DISTINCT, as in standard SQL.
  union_default_mode: 'DISTINCT',
} as const;

/** The dialect's placeholders are {p1:Type}, {p2:Type}, ...; BIGINTs go as numbers, as ClickHouse's JSON sends them. */
export function clickhouseParams(values: SqlValue[]): Record<string, SqlValue> {
  return Object.fromEntries(values.map((v, i) => [`p${i + 1}`, typeof v === 'bigint' ? Number(v) : v]));
}

/** A result in ClickHouse's JSON format: its columns' names and types, and the rows. */
export interface JsonResult {
  meta: Array<{ name: string; type: string }>;
  data: Row[];
}

function converter(type: string): ((v: unknown) => unknown) | undefined {
  const inner = type.replace(/^Nullable\((.*)\)$/, '$1');
  if (/^DateTime/.test(inner)) return (v) => (v === null ? null : new Date(`${(v as string).replace(' ', 'T')}Z`));
  if (/^U?Int(64|128|256)$/.test(inner)) return (v) => (v === null ? null : Number(v));
  return undefined;
}

/** Timestamps as Dates and wide integers as numbers, as DuckDB's rows give them; in place. */
export function convertRows(result: JsonResult): JsonResult {
  const conversions = result.meta.flatMap((m) => {
    const f = converter(m.type);
    return f ? [[m.name, f] as const] : [];
  });
  if (conversions.length) for (const r of result.data) for (const [name, f] of conversions) r[name] = f(r[name]);
  return result;
}

export function resultVectors({ meta, data }: JsonResult): Vectors {
  const out: Vectors = {};
  for (const { name, type } of meta) {
    if (/String/.test(type)) out[name] = data.map((r) => r[name] as string | null);
    else if (/Float|Int|Decimal/.test(type)) out[name] = Float64Array.from(data, (r) => (r[name] === null ? NaN : Number(r[name])));
    else throw new Error(`Store.vectors: column ${name} is ${type}, not a number or text`);
  }
  return out;
}

/** ClickHouse's string literal: the value in quotes, with its quotes and backslashes escaped. */
export const literal = (value: string): string => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
