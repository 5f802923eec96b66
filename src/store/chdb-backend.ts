import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { clickhouseDialect, type SqlValue } from '../sql/index.js';
import { UsageError } from '../shared/errors.js';
import type { Backend, Row, Vectors } from './backend.js';
import { CLICKHOUSE_SETTINGS, clickhouseParams, convertRows, resultColumns, resultVectors, type JsonResult } from './clickhouse-results.js';

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

/** The shared settings as chdb's connection arguments. */
const SETTINGS = Object.entries(CLICKHOUSE_SETTINGS).map(([name, value]) => `--${name}=${value}`);

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

  async run(text: string, values: SqlValue[]): Promise<number> {
    await this.session.queryBindAsync(text, clickhouseParams(values), { format: 'JSON' });
    return 0;
  }

  /** Rows and their columns' ClickHouse types, values converted as callers want them. */
  private async read(text: string, values: SqlValue[]): Promise<JsonResult> {
    const body = (await this.session.queryBindAsync(text, clickhouseParams(values), { format: 'JSON' })).text();
    return body ? convertRows(JSON.parse(body) as JsonResult) : { meta: [], data: [] };
  }

  async rows(text: string, values: SqlValue[]): Promise<Row[]> {
    return (await this.read(text, values)).data;
  }

  async columns(text: string, values: SqlValue[]): Promise<Record<string, unknown[]>> {
    return resultColumns(await this.read(text, values));
  }

  async vectors(text: string, values: SqlValue[]): Promise<Vectors> {
    return resultVectors(await this.read(text, values));
  }

  /** chdb answers whole results: one chunk. */
  async *vectorChunks(text: string, values: SqlValue[]): AsyncGenerator<Vectors> {
    yield await this.vectors(text, values);
  }

  async *chunks(text: string, values: SqlValue[]): AsyncGenerator<Row[]> {
    yield await this.rows(text, values);
  }

  async insertParquet(table: string, columns: readonly string[], file: string): Promise<void> {
    const names = columns.map((c) => clickhouseDialect.quoteIdent(c)).join(', ');
    await this.run(`INSERT INTO ${clickhouseDialect.quoteIdent(table)} (${names}) SELECT ${names} FROM file({p1:String}, Parquet)`, [file]);
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
