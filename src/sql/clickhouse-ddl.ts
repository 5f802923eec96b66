/**
 * The store's migrations are written once, for DuckDB; this turns each statement into ClickHouse's DDL, with the
 * table engine that fits each table: events in a MergeTree ordered for per-customer reads, memberships and every
 * table with a primary key in a ReplacingMergeTree on that key (the newest row wins; the store reads with FINAL).
 */
const TYPES: Record<string, string> = {
  VARCHAR: 'String',
  DOUBLE: 'Float64',
  TIMESTAMP: "DateTime64(6, 'UTC')",
  BOOLEAN: 'Bool',
  INTEGER: 'Int32',
  BIGINT: 'Int64',
  JSON: 'String',
};

/** Tables whose order is not their primary key (or that have none), and the engine they need. */
const ENGINES: Record<string, string> = {
  events: 'MergeTree ORDER BY (customer_id, ts) SETTINGS allow_nullable_key = 1',
  memberships: 'ReplacingMergeTree ORDER BY (audience_id, as_of, customer_id)',
  live_memberships: 'ReplacingMergeTree ORDER BY (customer_id, audience_id)',
  customer_clv: 'ReplacingMergeTree ORDER BY (as_of, customer_id)',
  audience_runs: 'ReplacingMergeTree ORDER BY (as_of, audience_id)',
};

/** A DuckDB SQL type as ClickHouse's, NULL allowed. */
export function clickhouseType(sqlType: string): string {
  return columnType(sqlType, true);
}

function columnType(sqlType: string, nullable: boolean): string {
  if (sqlType.endsWith('[]')) return `Array(${TYPES[sqlType.slice(0, -2)]})`;
  const type = TYPES[sqlType];
  if (!type) throw new Error(`no ClickHouse type for ${sqlType}`);
  return nullable ? `Nullable(${type})` : type;
}

/** `name TYPE [PRIMARY KEY] [NOT NULL] [UNIQUE] [DEFAULT x]` as a ClickHouse column; `key` collects key columns. */
function column(definition: string, key: string[]): string {
  const [name, type, ...rest] = definition.trim().split(/\s+/);
  const tail = rest.join(' ');
  if (/PRIMARY KEY/.test(tail)) key.push(name!);
  const nullable = !/NOT NULL|PRIMARY KEY/.test(tail);
  const fixed = /DEFAULT (TRUE|FALSE)\b/.exec(tail);
  return `${name} ${columnType(type!, nullable)}${fixed ? ` DEFAULT ${fixed[1]!.toLowerCase()}` : ''}`;
}

/** Splits on the commas outside parentheses. */
function items(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '(') depth++;
    else if (body[i] === ')') depth--;
    else if (body[i] === ',' && depth === 0) {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  out.push(body.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

export function clickhouseMigration(statement: string): string[] {
  const create = /^CREATE TABLE (IF NOT EXISTS )?(\w+) \(([\s\S]*)\)$/.exec(statement.trim());
  if (create) {
    const [, ifNot = '', table, body] = create;
    const key: string[] = [];
    const columns: string[] = [];
    for (const item of items(body!)) {
      const constraint = /^PRIMARY KEY \((.*)\)$/.exec(item);
      if (constraint) key.push(...constraint[1]!.split(',').map((c) => c.trim()));
      else columns.push(column(item, key));
    }
    const engine = ENGINES[table!] ?? (key.length ? `ReplacingMergeTree ORDER BY (${key.join(', ')})` : 'MergeTree ORDER BY tuple()');
    return [`CREATE TABLE ${ifNot}${table} (${columns.join(', ')}) ENGINE = ${engine}`];
  }
  const add = /^ALTER TABLE (\w+) ADD COLUMN (\w+) (\S+)/.exec(statement.trim());
  // The provenance default reads a DuckDB session variable: rows copied into ClickHouse carry their import_id.
  if (add) return [`ALTER TABLE ${add[1]} ADD COLUMN ${add[2]} ${columnType(add[3]!, true)}`];
  throw new Error(`no ClickHouse form for the migration statement: ${statement.slice(0, 80)}`);
}
