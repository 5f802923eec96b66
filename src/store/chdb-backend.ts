import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { clickhouseDialect, compile, ident, join, raw, sql, type Sql, type SqlValue } from '../sql/index.js';
import { UsageError } from '../shared/errors.js';
import type { Backend } from './backend.js';
import { ClickhouseBackendBase } from './clickhouse-base.js';
import { CLICKHOUSE_SETTINGS, clickhouseParams, literal, type JsonResult } from './clickhouse-results.js';

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

/** What the memory setting and the thread count give embedded ClickHouse, which runs inside this process. */
export interface ChdbLimits {
  /** The engine's share of the memory setting (MemoryBudget.duckdb: ClickHouse stands where DuckDB would). */
  bytes: number;
  threads?: number | undefined;
}

/**
 * The shared settings and the limits as chdb's connection arguments. A GROUP BY, ORDER BY or hash join spills to
 * disk past half the engine's share (the other half is for merging what spilled, as ClickHouse's documentation
 * advises), instead of past half the machine's memory, chdb's default. No hard limit (max_memory_usage,
 * max_server_memory_usage): work that still does not fit would then fail rather than run slower, and in this process
 * ClickHouse's own accounting would be set against the JavaScript heap's too.
 */
function chdbArguments(limits: ChdbLimits): string[] {
  const spill = Math.floor(limits.bytes / 2);
  const settings: Record<string, string | number> = {
    ...CLICKHOUSE_SETTINGS,
    max_bytes_before_external_group_by: spill,
    max_bytes_before_external_sort: spill,
    max_bytes_before_external_join: spill,
    ...(limits.threads ? { max_threads: limits.threads } : {}),
  };
  return Object.entries(settings).map(([name, value]) => `--${name}=${value}`);
}

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
export class ChdbBackend extends ClickhouseBackendBase {
  private constructor(
    private readonly path: string,
    private readonly shared: SharedSession,
    private readonly database: string,
  ) {
    super();
    shared.users += 1;
  }

  /** `limits` are taken by the first store of a directory, which opens its session. */
  static async open(path: string, limits: ChdbLimits, database = 'default'): Promise<ChdbBackend> {
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
      shared = { session: new chdb.Session(path, { connectionArgs: chdbArguments(limits) }), users: 0, current: 'default', turn: Promise.resolve() };
      SESSIONS.set(path, shared);
    }
    const backend = new ChdbBackend(path, shared, database);
    if (database !== 'default') {
      const create = compile(sql`CREATE DATABASE IF NOT EXISTS ${ident(database)}`, clickhouseDialect).text;
      const created = shared.turn.then(() => shared.session.queryBindAsync(create, {}));
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
        await shared.session.queryBindAsync(compile(sql`USE ${ident(this.database)}`, clickhouseDialect).text, {});
        shared.current = this.database;
      }
      return query();
    });
    shared.turn = next.catch(() => undefined);
    return next;
  }

  protected async command(text: string, values: SqlValue[]): Promise<void> {
    await this.inDatabase(() => this.shared.session.queryBindAsync(text, clickhouseParams(values), { format: 'JSON' }));
  }

  protected async json(text: string, values: SqlValue[]): Promise<JsonResult> {
    const body = (await this.inDatabase(() => this.shared.session.queryBindAsync(text, clickhouseParams(values), { format: 'JSON' }))).text();
    return body ? (JSON.parse(body) as JsonResult) : { meta: [], data: [] };
  }

  async insertParquet(table: string, columns: readonly string[], file: string): Promise<void> {
    const names = join(columns.map((c) => ident(c)));
    await this.run(sql`INSERT INTO ${ident(table)} (${names}) SELECT ${names} FROM file(${file}, Parquet)`);
  }

  async writeParquet(q: Sql, file: string): Promise<void> {
    // INTO OUTFILE takes a string literal only, not a bound value.
    await this.run(sql`${q} INTO OUTFILE ${raw(literal(file))} TRUNCATE FORMAT Parquet`);
  }

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
