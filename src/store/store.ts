import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { raw, sql, type Dialect, type Sql } from '../sql/index.js';
import { duckdbMemoryLimit, memoryBudget, type MemoryBudget } from '../shared/memory.js';
import type { Backend, Row, RowColumns, TextColumns, TextFormat } from './backend.js';
import { ChdbBackend } from './chdb-backend.js';
import { ClickhouseBackend, shownClickhouseName } from './clickhouse-backend.js';
import { DuckdbBackend } from './duckdb-backend.js';
import { MIGRATIONS } from './migrations.js';
import { CHDB_PREFIX, CLICKHOUSE_URL } from './names.js';

export type { Row, RowColumns, TextColumns, TextFormat } from './backend.js';

/**
 * A folder on this machine for what belongs beside a store (workspace stores of DuckDB, the server's control file):
 * the DuckDB file's own path, the chdb directory, or for a ClickHouse server a folder named after it under
 * `.segmint` in the working directory. That name has no dot: what follows one would be taken for a file's extension
 * and dropped (workspaceDir), and servers or databases differing after their host's first dot would share a folder.
 */
export function storeLocalPath(path: string): string {
  if (path.startsWith(CHDB_PREFIX)) return path.slice(CHDB_PREFIX.length);
  if (CLICKHOUSE_URL.test(path)) return join('.segmint', shownClickhouseName(path).replace(/[^A-Za-z0-9_-]+/g, '_'));
  return path;
}

/**
 * Where a workspace's store lives beside the default one: its own DuckDB file in `dir`, or its own database of the
 * same ClickHouse (`<database>__<workspace>`), so that no statement of one workspace names another's tables.
 */
export function workspaceStore(path: string, workspace: string, dir: string): Pick<StoreOptions, 'path' | 'database'> {
  if (path.startsWith(CHDB_PREFIX)) return { path, database: `default__${workspace}` };
  if (CLICKHOUSE_URL.test(path)) return { path, database: `${new URL(path).pathname.slice(1)}__${workspace}` };
  return { path: join(dir, `${workspace}.duckdb`) };
}

export interface StoreOptions {
  /** A DuckDB file path, ':memory:', `chdb:DIRECTORY` for embedded ClickHouse, or `clickhouse://host:8123/database`. */
  path: string;
  /** For a ClickHouse store, another database than the one its name gives: a workspace's (see workspaceStore). */
  database?: string | undefined;
  /** The memory setting; the default one (src/shared/memory.ts) when absent. */
  memory?: MemoryBudget | undefined;
  threads?: number | undefined;
}

/**
 * The cores this process may run on when fewer than the machine's (taskset, a container's cpuset), else undefined: the
 * engines count the machine's cores (and a container's CPU quota), not the process's affinity, and DuckDB's second
 * worker on a server pinned to one core cost 1.36x the CPU an ingested event (docs/benchmarks.md, issue 17).
 */
function coresAllowed(): number | undefined {
  const allowed = availableParallelism();
  return allowed < cpus().length ? allowed : undefined;
}

/**
 * One database and the single connection that writes to it. Writes are serialised through `exclusive`
 * so a transaction never interleaves with another caller's statements.
 */
export class Store {
  private queue: Promise<unknown> = Promise.resolve();
  /** Bytes the structures hold now that DuckDB's pool gave up (`lending`). */
  private lent = 0;

  private constructor(
    private readonly backend: Backend,
    readonly path: string,
    /** The memory setting the store was opened with: the project's own structures size themselves from it. */
    readonly memory: MemoryBudget,
    /** A ClickHouse store's database when not the one its name gives (a workspace's). */
    readonly database?: string,
    /** Statements that may have written, through this store and its forks (see `writes`). */
    private readonly written = { count: 0 },
  ) {}

  static async open(options: StoreOptions): Promise<Store> {
    const memory = options.memory ?? memoryBudget();
    const threads = options.threads ?? coresAllowed();
    let backend: Backend;
    if (options.path.startsWith(CHDB_PREFIX)) {
      backend = await ChdbBackend.open(options.path.slice(CHDB_PREFIX.length), { bytes: memory.duckdb, threads }, options.database);
    } else if (CLICKHOUSE_URL.test(options.path)) {
      backend = await ClickhouseBackend.open(options.path, options.database);
    } else {
      const settings: Record<string, string> = { memory_limit: duckdbMemoryLimit(memory.duckdb) };
      // Work past the limit spills to disk: next to a store file (DuckDB's default), else in the system's temp folder
      // rather than DuckDB's default for a store in memory, a .tmp folder wherever the process was started.
      if (options.path === ':memory:') settings.temp_directory = join(tmpdir(), 'segmint-spill');
      if (threads) settings.threads = String(threads);
      backend = await DuckdbBackend.open(options.path, settings);
    }
    const store = new Store(backend, options.path, memory, options.database);
    await store.migrate();
    return store;
  }

  /** The engine's SQL dialect: statements are compiled with it. */
  get dialect(): Dialect {
    return this.backend.dialect;
  }

  /**
   * Statements sent to the database through this store and its forks that may have written it: every `run` but
   * a transaction's bounds, and every insert of rows or files (readers, such as `all`, are for reads only). What a
   * caller read of the store stays true while this count has not moved since, where no other process can write
   * (`soleWriter`): the live view's check of its event count is skipped so.
   */
  get writes(): number {
    return this.written.count;
  }

  /** Whether no other process can write the database while this store has it open: then only `writes` can change it. */
  get soleWriter(): boolean {
    return this.backend.soleWriter;
  }

  async run(q: Sql): Promise<number> {
    this.written.count++;
    return this.backend.run(q);
  }

  /**
   * A transaction's bound: a statement like any other (sent through `run`, where the crash tests watch for the
   * COMMIT), but not among the `writes`, as it writes nothing by itself. A bound that fails stays counted: the next
   * reader then asks the store again.
   */
  private async bound(q: Sql): Promise<void> {
    await this.run(q);
    this.written.count--;
  }

  async all<T = Row>(q: Sql): Promise<T[]> {
    return (await this.backend.rows(q)) as T[];
  }

  /**
   * The result as arrays a column: number columns (doubles, integers) as Float64Array (NULL as NaN), text columns as strings. On
   * DuckDB it reads the vectors directly: for a million rows, a tenth of the time of building an object a row.
   */
  async vectors(q: Sql): Promise<Record<string, Float64Array | Array<string | null>>> {
    return this.backend.vectors(q);
  }

  async one<T = Row>(q: Sql): Promise<T | undefined> {
    return (await this.all<T>(q))[0];
  }

  /** As `vectors`, a chunk of rows at a time, for results too large to hold at once; the connection is busy until the last is read. */
  async *vectorChunks(q: Sql): AsyncGenerator<Record<string, Float64Array | Array<string | null>>> {
    yield* this.backend.vectorChunks(q);
  }

  /**
   * The result a chunk of rows at a time (DuckDB's vectors of 2,048), for results too large to hold at all (an export
   * of a whole audience). Use it on a fork: the connection is busy until the last chunk is read.
   */
  async *chunks<T = Row>(q: Sql): AsyncGenerator<T[]> {
    for await (const rows of this.backend.chunks(q)) yield rows as T[];
  }

  /** Appends a Parquet file's columns (named as the table's) to a table. */
  insertParquet(table: string, columns: readonly string[], file: string): Promise<void> {
    this.written.count++;
    return this.backend.insertParquet(table, columns, file);
  }

  /** Writes the query's result to a Parquet file on this machine. */
  writeParquet(q: Sql, file: string): Promise<void> {
    return this.backend.writeParquet(q, file);
  }

  /** Writes the query's result to a text file on this machine, the same bytes on every engine; answers the rows written. */
  writeText(q: Sql, file: string, format: TextFormat): Promise<number> {
    return this.backend.writeText(q, file, format);
  }

  /** Appends a text file's rows (as `writeText` writes them) to a table: `columns` maps its columns to the file's names. */
  insertText(table: string, columns: TextColumns, file: string, format: TextFormat): Promise<void> {
    this.written.count++;
    return this.backend.insertText(table, columns, file, format);
  }

  /** Appends rows held in this process to a table, every column given (see Backend.insertRows). */
  insertRows(table: string, columns: RowColumns): Promise<void> {
    this.written.count++;
    return this.backend.insertRows(table, columns);
  }

  /** Runs `fn` with no other caller's statements in between. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** All or nothing: a failure inside `fn` leaves the store as it was (on ClickHouse: no interleaving only). */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.backend.transactions) return this.exclusive(fn);
    return this.exclusive(async () => {
      await this.bound(sql`BEGIN TRANSACTION`);
      try {
        const out = await fn();
        await this.bound(sql`COMMIT`);
        return out;
      } catch (err) {
        await this.bound(sql`ROLLBACK`);
        throw err;
      }
    });
  }

  /**
   * Another connection to the same database, for work that may run beside this one's: DuckDB runs statements of
   * several connections at once, which keeps both cores busy with many small queries (a batch of profiles) where one
   * connection would leave them waiting between statements. Close it before the store.
   */
  async fork(): Promise<Store> {
    return new Store(await this.backend.fork(), this.path, this.memory, this.database, this.written);
  }

  close(): void {
    this.backend.close();
  }

  /**
   * Runs `fn`, which holds up to `bytes` of the project's own structures beside the statements it runs (a cluster fit:
   * its columns and copies), with DuckDB's pool smaller by as much for the while, so that the two stay within the
   * setting: a pool kept full of cached table blocks beside a fit holding its share went past it (docs/benchmarks.md).
   * Overlapping calls add up, never past the structures' share, which is the most they may hold together.
   */
  async lending<T>(bytes: number, fn: () => Promise<T>): Promise<T> {
    const poolFor = (lent: number) => this.memory.duckdb - Math.min(lent, this.memory.structures);
    this.lent += bytes;
    try {
      await this.backend.setMemoryLimit(poolFor(this.lent));
      return await fn();
    } finally {
      this.lent -= bytes;
      await this.backend.setMemoryLimit(poolFor(this.lent));
    }
  }

  private async migrate(): Promise<void> {
    const statements = (text: string) => this.dialect.migration(text).map(raw);
    for (const s of statements(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)`)) await this.run(s);
    const rows = await this.all<{ version: number }>(sql`SELECT version FROM schema_migrations`);
    const applied = new Set(rows.map((r) => r.version));
    const pending = MIGRATIONS.filter((m) => !applied.has(m.version));
    for (const m of pending) {
      await this.transaction(async () => {
        for (const statement of m.statements) for (const s of statements(statement)) await this.run(s);
        await this.run(sql`INSERT INTO schema_migrations VALUES (${m.version}, ${m.name}, now())`);
      });
    }
    if (pending.length > 0) await this.backend.afterMigrations();
  }
}
