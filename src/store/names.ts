import { existsSync } from 'node:fs';

/**
 * A store named `chdb:PATH` is embedded ClickHouse in that directory, `clickhouse://host:port/database` a ClickHouse
 * server; any other name is a DuckDB file (or ':memory:'). Reading a name loads no engine, so a command given a
 * mistyped `--db` fails at once.
 */
export const CHDB_PREFIX = 'chdb:';

/** `clickhouse://[user[:password]@]host[:port]/database` (HTTP, port 8123) or `clickhouses://` (HTTPS, port 8443). */
export const CLICKHOUSE_URL = /^clickhouses?:\/\//;

/** The store's name as messages show it (never a password). */
export async function shownStoreName(path: string): Promise<string> {
  return CLICKHOUSE_URL.test(path) ? (await import('./clickhouse-backend.js')).shownClickhouseName(path) : path;
}

/** Whether the named store holds data already (a file, a directory, a server's database), for commands that only read. */
export async function storeExists(path: string): Promise<boolean> {
  if (CLICKHOUSE_URL.test(path)) return (await import('./clickhouse-backend.js')).ClickhouseBackend.exists(path);
  return existsSync(path.startsWith(CHDB_PREFIX) ? path.slice(CHDB_PREFIX.length) : path);
}
