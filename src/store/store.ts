import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, DuckDBTypeId, type DuckDBConnection } from '@duckdb/node-api';
import { compile, raw, sql, type Sql } from '../sql/index.js';
import { duckdbMemoryLimit, memoryBudget, type MemoryBudget } from '../shared/memory.js';
import { MIGRATIONS } from './migrations.js';

export type Row = Record<string, unknown>;

export interface StoreOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /** The memory setting; the default one (src/shared/memory.ts) when absent. */
  memory?: MemoryBudget | undefined;
  threads?: number | undefined;
}

/** JS values as callers want them: integers as numbers (ours never exceed 2^53), everything else as DuckDB gives it. */
function toJs(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toJs);
  return value;
}

/** Rows as callers want them, converted in place: a new object a row would cost as much as reading it. */
function toJsRows<T>(rows: Array<Record<string, unknown>>): T[] {
  for (const r of rows) for (const k in r) r[k] = toJs(r[k]);
  return rows as T[];
}

/**
 * One DuckDB database and the single connection that writes to it. Writes are serialised through `exclusive`
 * so a transaction never interleaves with another caller's statements.
 */
export class Store {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly path: string,
    /** The memory setting the store was opened with: the project's own structures size themselves from it. */
    readonly memory: MemoryBudget,
    /** False for a fork: closing it leaves the database open for the store it came from. */
    private readonly ownsInstance = true,
  ) {}

  static async open(options: StoreOptions): Promise<Store> {
    const memory = options.memory ?? memoryBudget();
    const settings: Record<string, string> = { memory_limit: duckdbMemoryLimit(memory) };
    // Work past the limit spills to disk: next to a store file (DuckDB's default), else in the system's temp folder
    // rather than DuckDB's default for a store in memory, a .tmp folder wherever the process was started.
    if (options.path === ':memory:') settings.temp_directory = join(tmpdir(), 'segmint-spill');
    if (options.threads) settings.threads = String(options.threads);
    const instance = await DuckDBInstance.create(options.path, settings);
    const store = new Store(instance, await instance.connect(), options.path, memory);
    // Timestamps without a zone are read as UTC and written offsets are converted to it, on every machine alike.
    await store.run(sql`SET TimeZone = 'UTC'`);
    await store.migrate();
    return store;
  }

  async run(q: Sql): Promise<number> {
    const { text, values } = compile(q);
    const result = await this.conn.run(text, values);
    return Number(result.rowsChanged);
  }

  async all<T = Row>(q: Sql): Promise<T[]> {
    const reader = await this.read(q);
    return toJsRows<T>(reader.getRowObjectsJS());
  }

  /** The result column by column (name -> values), for results too large to hold as one object a row. */
  async columns(q: Sql): Promise<Record<string, unknown[]>> {
    const reader = await this.read(q);
    const out: Record<string, unknown[]> = {};
    for (const [name, column] of Object.entries(reader.getColumnsObjectJS())) out[name] = column.map(toJs);
    return out;
  }

  /**
   * The result as arrays a column: DOUBLE columns as Float64Array (NULL as NaN), VARCHAR columns as strings. Reads
   * DuckDB's vectors directly: for a million rows, a tenth of the time of building an object a row (bench/clv.ts).
   */
  async vectors(q: Sql): Promise<Record<string, Float64Array | Array<string | null>>> {
    const { text, values } = compile(q);
    const result = await this.conn.run(text, values);
    const out: Record<string, Float64Array | Array<string | null>> = {};
    for (let c = 0; c < result.columnCount; c++) {
      const type = result.columnTypeId(c);
      if (type !== DuckDBTypeId.DOUBLE && type !== DuckDBTypeId.VARCHAR) throw new Error(`Store.vectors: column ${result.columnName(c)} is ${DuckDBTypeId[type]}, not DOUBLE or VARCHAR`);
      out[result.columnName(c)] = type === DuckDBTypeId.DOUBLE ? new Float64Array(result.rowCount) : new Array<string | null>(result.rowCount);
    }
    let row = 0;
    for (let k = 0; k < result.chunkCount; k++) {
      const chunk = result.getChunk(k);
      for (let c = 0; c < result.columnCount; c++) {
        const vector = chunk.getColumnVector(c);
        const column = out[result.columnName(c)]!;
        if (column instanceof Float64Array) for (let i = 0; i < chunk.rowCount; i++) column[row + i] = (vector.getItem(i) as number | null) ?? NaN;
        else for (let i = 0; i < chunk.rowCount; i++) column[row + i] = vector.getItem(i) as string | null;
      }
      row += chunk.rowCount;
    }
    return out;
  }

  private async read(q: Sql) {
    const { text, values } = compile(q);
    return this.conn.runAndReadAll(text, values);
  }

  async one<T = Row>(q: Sql): Promise<T | undefined> {
    return (await this.all<T>(q))[0];
  }

  /**
   * The result a chunk of rows at a time (DuckDB's vectors of 2,048), for results too large to hold at all (an export
   * of a whole audience). Use it on a fork: the connection is busy until the last chunk is read.
   */
  async *chunks<T = Row>(q: Sql): AsyncGenerator<T[]> {
    const { text, values } = compile(q);
    const result = await this.conn.stream(text, values);
    for await (const rows of result.yieldRowObjectJs()) {
      yield toJsRows<T>(rows);
    }
  }

  /** Runs `fn` with no other caller's statements in between. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** All or nothing: a failure inside `fn` leaves the store as it was. */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      await this.run(sql`BEGIN TRANSACTION`);
      try {
        const out = await fn();
        await this.run(sql`COMMIT`);
        return out;
      } catch (err) {
        await this.run(sql`ROLLBACK`);
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
    const fork = new Store(this.instance, await this.instance.connect(), this.path, this.memory, false);
    await fork.run(sql`SET TimeZone = 'UTC'`);
    return fork;
  }

  close(): void {
    this.conn.closeSync();
    if (this.ownsInstance) this.instance.closeSync();
  }

  private async migrate(): Promise<void> {
    await this.run(sql`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)`);
    const rows = await this.all<{ version: number }>(sql`SELECT version FROM schema_migrations`);
    const applied = new Set(rows.map((r) => r.version));
    const pending = MIGRATIONS.filter((m) => !applied.has(m.version));
    for (const m of pending) {
      await this.transaction(async () => {
        for (const statement of m.statements) await this.run(raw(statement));
        await this.run(sql`INSERT INTO schema_migrations VALUES (${m.version}, ${m.name}, now())`);
      });
    }
    // DuckDB 1.5 cannot replay from its write-ahead log a column whose default calls a function (the import_id
    // provenance default): a process killed before the next checkpoint would leave a store that no longer opens.
    // Writing the schema to the file at once keeps such statements out of the log.
    if (pending.length > 0) await this.run(sql`CHECKPOINT`);
  }
}
