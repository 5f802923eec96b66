import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { compile, sql, type Sql } from '../sql/index.js';

const SCHEMA = [
  sql`CREATE TABLE IF NOT EXISTS workspaces (name VARCHAR PRIMARY KEY, created_at TIMESTAMP NOT NULL)`,
  // Only the SHA-256 of a key is kept: a copy of this file gives no usable key.
  sql`CREATE TABLE IF NOT EXISTS api_keys (id VARCHAR PRIMARY KEY, workspace VARCHAR NOT NULL, scopes VARCHAR NOT NULL,
    key_hash VARCHAR NOT NULL UNIQUE, created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP)`,
  // Origins a storefront key may be used from, comma-separated (added after the first release, hence the ALTER).
  sql`ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS origins VARCHAR`,
  sql`CREATE TABLE IF NOT EXISTS audit_log (ts TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, action VARCHAR NOT NULL,
    workspace VARCHAR NOT NULL, details JSON NOT NULL)`,
];

/**
 * How long an operation waits for another process (a `segmint keys` command, another server) to let go of the
 * file. Each holds it for one short operation (tens of milliseconds), so this is only reached if one hangs.
 */
const LOCK_WAIT_MS = 10_000;

/*
 * A process waiting for the file tries again every RETRY_MS (plus about 4 ms that a refused opening itself takes),
 * and a process leaves the file alone for QUIET_MS between two of its own operations. As the quiet spell is longer
 * than the waiting side's retry cycle, a busy server cannot keep a `segmint keys` command out.
 */
const RETRY_MS = { min: 2, max: 6 };
const QUIET_MS = 15;

/** Statements inside one opening of the control file. */
export interface ControlSession {
  run(q: Sql): Promise<number>;
  all<T>(q: Sql): Promise<T[]>;
}

/*
 * DuckDB's lock on a file belongs to the process, so two openings within one process would not exclude each other;
 * every opening of one file in this process takes its turn here, whichever ControlDb asked.
 */
const turns = new Map<string, { queue: Promise<unknown>; closedAt: number }>();

function isLockConflict(err: unknown): boolean {
  return err instanceof Error && err.message.includes('Could not set lock on file');
}

/**
 * What changes when a file is written: its size and modification time (or its absence). Taken on every request, so
 * as plain numbers: a bigint stat allocates a dozen bigints, and a double holds the time to well under a microsecond.
 */
function fileStamp(path: string): { stamp: string; modifiedMs: number } {
  const s = statSync(path, { throwIfNoEntry: false });
  return s ? { stamp: `${s.size}@${s.mtimeMs}`, modifiedMs: s.mtimeMs } : { stamp: '-', modifiedMs: 0 };
}

/** The control data's version (see ControlDb.version), and when its files were last written (ms since the epoch). */
export interface ControlVersion {
  key: string;
  modifiedMs: number;
  /** ControlDb.writes when it was taken. */
  writes: number;
}

/**
 * The server's control database: workspaces, API key hashes and the audit log. It is separate from every
 * workspace's store so that no workspace query can reach it, and it never holds customer data.
 *
 * DuckDB lets one process at a time open a file for writing, so the file is opened only for the length of one
 * operation (about 15 ms) and closed again: a running server and the `segmint keys` commands share it, each
 * waiting briefly (up to LOCK_WAIT_MS) when the other holds it. Reads open it read-only, which never changes it.
 */
export class ControlDb {
  private localWrites = 0;
  private closed = false;

  private constructor(readonly path: string) {}

  static async open(path: string): Promise<ControlDb> {
    const db = new ControlDb(resolve(path));
    await db.write(async (s) => {
      for (const statement of SCHEMA) await s.run(statement);
    });
    return db;
  }

  async run(q: Sql): Promise<void> {
    await this.write((s) => s.run(q));
  }

  all<T>(q: Sql): Promise<T[]> {
    return this.read((s) => s.all<T>(q));
  }

  /** Several reads in one opening of the file, which they see as of one moment. */
  read<T>(fn: (s: ControlSession) => Promise<T>): Promise<T> {
    return this.session('READ_ONLY', fn);
  }

  /** Several statements in one transaction: all of them or none. */
  write<T>(fn: (s: ControlSession) => Promise<T>): Promise<T> {
    return this.session('READ_WRITE', async (s) => {
      await s.run(sql`BEGIN TRANSACTION`);
      try {
        const out = await fn(s);
        await s.run(sql`COMMIT`);
        return out;
      } catch (err) {
        await s.run(sql`ROLLBACK`);
        throw err;
      } finally {
        this.localWrites++;
      }
    });
  }

  /**
   * Differs whenever the data may have changed since it was last taken: after a write through this object, or when
   * another process has written the file (its database file or write-ahead log changed size or time).
   */
  version(): ControlVersion {
    const file = fileStamp(this.path);
    const wal = fileStamp(`${this.path}.wal`);
    return { key: `${this.localWrites}:${file.stamp}:${wal.stamp}`, modifiedMs: Math.max(file.modifiedMs, wal.modifiedMs), writes: this.localWrites };
  }

  /** Writes made through this object so far: what changes at once, without looking at the file. */
  get writes(): number {
    return this.localWrites;
  }

  /** Later operations fail; one under way finishes and closes the file itself. */
  close(): void {
    this.closed = true;
  }

  private session<T>(mode: 'READ_ONLY' | 'READ_WRITE', fn: (s: ControlSession) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`control database ${this.path} is closed`));
    const turn = turns.get(this.path) ?? { queue: Promise.resolve(), closedAt: 0 };
    turns.set(this.path, turn);
    const work = async (): Promise<T> => {
      const quiet = turn.closedAt + QUIET_MS - performance.now();
      if (quiet > 0) await sleep(quiet);
      const instance = await this.openInstance(mode);
      let conn: DuckDBConnection | undefined;
      try {
        conn = await instance.connect();
        const session = sessionOn(conn);
        // Stored times are UTC whatever the machine's zone.
        await session.run(sql`SET TimeZone = 'UTC'`);
        return await fn(session);
      } finally {
        conn?.closeSync();
        instance.closeSync();
        turn.closedAt = performance.now();
      }
    };
    const next = turn.queue.then(work, work);
    turn.queue = next.catch(() => undefined);
    return next;
  }

  /** Opens the file, trying again while another process holds it. */
  private async openInstance(mode: 'READ_ONLY' | 'READ_WRITE'): Promise<DuckDBInstance> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        // One thread: the control tables hold a few rows, and the file is opened for every operation.
        return await DuckDBInstance.create(this.path, { access_mode: mode, threads: '1' });
      } catch (err) {
        if (!isLockConflict(err)) throw err;
        if (Date.now() > deadline) {
          throw new Error(`control database ${this.path} stayed locked by another process for ${LOCK_WAIT_MS / 1000} s: ${(err as Error).message.split('\n')[0]}`);
        }
        // Random pauses keep two waiting processes from retrying in lockstep.
        await sleep(RETRY_MS.min + Math.random() * (RETRY_MS.max - RETRY_MS.min));
      }
    }
  }
}

/** Statements on an open connection. */
function sessionOn(conn: DuckDBConnection): ControlSession {
  return {
    run: async (q) => {
      const { text, values } = compile(q);
      return Number((await conn.run(text, values)).rowsChanged);
    },
    all: async <R>(q: Sql) => {
      const { text, values } = compile(q);
      return (await conn.runAndReadAll(text, values)).getRowObjectsJS() as R[];
    },
  };
}
