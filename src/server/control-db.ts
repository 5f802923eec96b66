import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { compile, sql, type Sql } from '../sql/index.js';

const SCHEMA = [
  sql`CREATE TABLE IF NOT EXISTS workspaces (name VARCHAR PRIMARY KEY, created_at TIMESTAMP NOT NULL)`,
  // Only the SHA-256 of a key is kept: a copy of this file gives no usable key.
  sql`CREATE TABLE IF NOT EXISTS api_keys (id VARCHAR PRIMARY KEY, workspace VARCHAR NOT NULL, scopes VARCHAR NOT NULL,
    key_hash VARCHAR NOT NULL UNIQUE, created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP)`,
  sql`CREATE TABLE IF NOT EXISTS audit_log (ts TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, action VARCHAR NOT NULL,
    workspace VARCHAR NOT NULL, details JSON NOT NULL)`,
];

/**
 * The server's control database: workspaces, API key hashes and the audit log. It is separate from every
 * workspace's store so that no workspace query can reach it, and it never holds customer data.
 */
export class ControlDb {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async open(path: string): Promise<ControlDb> {
    const instance = await DuckDBInstance.create(path);
    const db = new ControlDb(instance, await instance.connect());
    await db.run(sql`SET TimeZone = 'UTC'`);
    for (const statement of SCHEMA) await db.run(statement);
    return db;
  }

  run(q: Sql): Promise<void> {
    const { text, values } = compile(q);
    return this.serial(async () => {
      await this.conn.run(text, values);
    });
  }

  all<T>(q: Sql): Promise<T[]> {
    const { text, values } = compile(q);
    return this.serial(async () => (await this.conn.runAndReadAll(text, values)).getRowObjectsJS() as T[]);
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }

  /** One connection serves concurrent requests; statements take turns. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
