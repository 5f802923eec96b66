import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { clickhouseDialect, type SqlValue } from '../sql/index.js';
import { UsageError } from '../shared/errors.js';
import type { Backend, Row, Vectors } from './backend.js';

/** The part of the chdb package (embedded ClickHouse) the store uses; the package is optional (not a dependency). */
interface ChdbSession {
  queryBindAsync(query: string, params: object, opts?: { format?: string }): Promise<{ text(): string }>;
  close(): void;
}
interface Chdb {
  Session: new (path: string, opts?: { connectionArgs?: readonly string[] }) => ChdbSession;
  /** Resolves once a closed session is really gone, so that one at another directory may open. */
  drainPending(): Promise<void>;
}

/** Settings that make ClickHouse answer as the SQL written for DuckDB expects. */
const SETTINGS = [
  // An outer join's missing side is NULL, not the type's default.
  '--join_use_nulls=1',
  // sum/min/max over no rows are NULL, as in standard SQL.
  '--aggregate_functions_null_for_empty=1',
  '--session_timezone=UTC',
  // CAST(NULL AS DOUBLE) is NULL.
  '--cast_keep_nullable=1',
  // Tables with a key are ReplacingMergeTree: reads see the newest row of each key only.
  '--final=1',
  // `sum(items) AS items` reads the column, not its own alias.
  '--prefer_column_name_to_alias=1',
  // A DELETE or ALTER ... UPDATE is done when the statement returns.
  '--mutations_sync=2',
  '--output_format_json_quote_64bit_integers=0',
];

/** Whether the chdb package can be loaded here (it is installed by CI, not by `npm install`). */
export function chdbAvailable(): boolean {
  try {
    loadChdb();
    return true;
  } catch {
    return false;
  }
}

function loadChdb(): Chdb {
  return createRequire(import.meta.url)('chdb') as Chdb;
}

function converter(type: string): ((v: unknown) => unknown) | undefined {
  const inner = type.replace(/^Nullable\((.*)\)$/, '$1');
  if (/^DateTime/.test(inner)) return (v) => (v === null ? null : new Date(`${(v as string).replace(' ', 'T')}Z`));
  if (/^U?Int(64|128|256)$/.test(inner)) return (v) => (v === null ? null : Number(v));
  return undefined;
}

/** Embedded ClickHouse in a directory: `chdb:PATH`. One directory per process (chdb's rule). */
export class ChdbBackend implements Backend {
  readonly dialect = clickhouseDialect;
  // ClickHouse statements are atomic one by one; a failure inside a group of them leaves the earlier ones applied.
  readonly transactions = false;

  private constructor(
    private readonly session: ChdbSession,
    /** False for a fork: closing it leaves the session open for the store it came from. */
    private readonly ownsSession = true,
  ) {}

  static async open(path: string): Promise<ChdbBackend> {
    let chdb: Chdb;
    try {
      chdb = loadChdb();
    } catch {
      throw new UsageError(`store chdb:${path}: the chdb package is not installed (npm install --no-save chdb@3.4.0)`, { store: `chdb:${path}` });
    }
    mkdirSync(path, { recursive: true });
    await chdb.drainPending();
    return new ChdbBackend(new chdb.Session(path, { connectionArgs: SETTINGS }));
  }

  private params(values: SqlValue[]): Record<string, SqlValue> {
    return Object.fromEntries(values.map((v, i) => [`p${i + 1}`, typeof v === 'bigint' ? Number(v) : v]));
  }

  async run(text: string, values: SqlValue[]): Promise<number> {
    await this.session.queryBindAsync(text, this.params(values), { format: 'JSON' });
    return 0;
  }

  /** Rows and their columns' ClickHouse types, values converted as callers want them. */
  private async read(text: string, values: SqlValue[]): Promise<{ meta: Array<{ name: string; type: string }>; data: Row[] }> {
    const result = await this.session.queryBindAsync(text, this.params(values), { format: 'JSON' });
    const body = result.text();
    if (!body) return { meta: [], data: [] };
    const { meta, data } = JSON.parse(body) as { meta: Array<{ name: string; type: string }>; data: Row[] };
    const conversions = meta.flatMap((m) => {
      const f = converter(m.type);
      return f ? [[m.name, f] as const] : [];
    });
    if (conversions.length) for (const r of data) for (const [name, f] of conversions) r[name] = f(r[name]);
    return { meta, data };
  }

  async rows(text: string, values: SqlValue[]): Promise<Row[]> {
    return (await this.read(text, values)).data;
  }

  async columns(text: string, values: SqlValue[]): Promise<Record<string, unknown[]>> {
    const { meta, data } = await this.read(text, values);
    return Object.fromEntries(meta.map((m) => [m.name, data.map((r) => r[m.name])]));
  }

  async vectors(text: string, values: SqlValue[]): Promise<Vectors> {
    const { meta, data } = await this.read(text, values);
    const out: Vectors = {};
    for (const { name, type } of meta) {
      if (/String/.test(type)) out[name] = data.map((r) => r[name] as string | null);
      else if (/Float|Int|Decimal/.test(type)) out[name] = Float64Array.from(data, (r) => (r[name] === null ? NaN : Number(r[name])));
      else throw new Error(`Store.vectors: column ${name} is ${type}, not a number or text`);
    }
    return out;
  }

  /** chdb answers whole results: one chunk. */
  async *vectorChunks(text: string, values: SqlValue[]): AsyncGenerator<Vectors> {
    yield await this.vectors(text, values);
  }

  async *chunks(text: string, values: SqlValue[]): AsyncGenerator<Row[]> {
    yield await this.rows(text, values);
  }

  async afterMigrations(): Promise<void> {}

  /** The same session: chdb runs one directory per process, and its statements one at a time. */
  fork(): Promise<Backend> {
    return Promise.resolve(new ChdbBackend(this.session, false));
  }

  close(): void {
    if (this.ownsSession) this.session.close();
  }
}
