import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { clickhouseDialect, type SqlValue } from '../sql/index.js';
import { UsageError } from '../shared/errors.js';
import type { Backend, Row, RowColumns, TextColumns, TextFormat, Vectors } from './backend.js';
import { insertRowsAsJson } from './rows-as-json.js';
import { insertTextThroughDuckdb, writeTextThroughDuckdb } from './text-through-duckdb.js';
import { CLICKHOUSE_SETTINGS, clickhouseParams, convertRows, literal, resultColumns, resultVectors, type JsonResult } from './clickhouse-results.js';

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

/** A chdb session and the stores reading it: chdb runs one directory per process, and its statements one at a time. */
interface SharedSession {
  session: ChdbSession;
  users: number;
  /** The database `USE` last chose: a session's default database is state that each statement depends on. */
  current: string;
  /** The end of the statements queued on the session. */
  turn: Promise<unknown>;
}
const SESSIONS = new Map<string, SharedSession>();

/**
 * Embedded ClickHouse in a directory: `chdb:PATH`, in one database of it (`default` unless a workspace's). Stores of
 * several databases of one directory share its session, each statement preceded by a `USE` when another database
 * was the session's last.
 */
export class ChdbBackend implements Backend {
  readonly dialect = clickhouseDialect;
  // ClickHouse statements are atomic one by one; a failure inside a group of them leaves the earlier ones applied.
  readonly transactions = false;

  private constructor(
    private readonly path: string,
    private readonly shared: SharedSession,
    private readonly database: string,
  ) {
    shared.users += 1;
  }

  static async open(path: string, database = 'default'): Promise<ChdbBackend> {
    let shared = SESSIONS.get(path);
    if (!shared) {
      let chdb: Chdb;
      try {
        chdb = loadChdb();
      } catch {
        throw new UsageError(`store chdb:${path}: the chdb package is not installed (npm install --no-save chdb@3.4.0)`, { store: `chdb:${path}` });
      }
      mkdirSync(path, { recursive: true });
      await chdb.drainPending();
      shared = { session: new chdb.Session(path, { connectionArgs: SETTINGS }), users: 0, current: 'default', turn: Promise.resolve() };
      SESSIONS.set(path, shared);
    }
    const backend = new ChdbBackend(path, shared, database);
    if (database !== 'default') {
      const created = shared.turn.then(() => shared.session.queryBindAsync(`CREATE DATABASE IF NOT EXISTS ${clickhouseDialect.quoteIdent(database)}`, {}));
      shared.turn = created.catch(() => undefined);
      await created;
    }
    return backend;
  }

  /** Runs `query` on the session in this store's database, after the statements queued before it. */
  private inDatabase<T>(query: () => Promise<T>): Promise<T> {
    const shared = this.shared;
    const next = shared.turn.then(async () => {
      if (shared.current !== this.database) {
        await shared.session.queryBindAsync(`USE ${clickhouseDialect.quoteIdent(this.database)}`, {});
        shared.current = this.database;
      }
      return query();
    });
    shared.turn = next.catch(() => undefined);
    return next;
  }

  async run(text: string, values: SqlValue[]): Promise<number> {
    await this.inDatabase(() => this.shared.session.queryBindAsync(text, clickhouseParams(values), { format: 'JSON' }));
    return 0;
  }

  /** Rows and their columns' ClickHouse types, values converted as callers want them. */
  private async read(text: string, values: SqlValue[]): Promise<JsonResult> {
    const body = (await this.inDatabase(() => this.shared.session.queryBindAsync(text, clickhouseParams(values), { format: 'JSON' }))).text();
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

  async writeParquet(text: string, values: SqlValue[], file: string): Promise<void> {
    await this.run(`${text} INTO OUTFILE ${literal(file)} TRUNCATE FORMAT Parquet`, values);
  }

  writeText(text: string, values: SqlValue[], file: string, format: TextFormat): Promise<number> {
    return writeTextThroughDuckdb(this, text, values, file, format);
  }

  insertText(table: string, columns: TextColumns, file: string, format: TextFormat): Promise<void> {
    return insertTextThroughDuckdb(this, table, columns, file, format);
  }

  insertRows(table: string, columns: RowColumns): Promise<void> {
    return insertRowsAsJson(this, table, columns);
  }

  async afterMigrations(): Promise<void> {}

  /** The same session and database. */
  fork(): Promise<Backend> {
    return Promise.resolve(new ChdbBackend(this.path, this.shared, this.database));
  }

  /** The session closes with the last store reading it. */
  close(): void {
    this.shared.users -= 1;
    if (this.shared.users > 0) return;
    SESSIONS.delete(this.path);
    this.shared.session.close();
  }
}
