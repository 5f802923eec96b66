import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { clickhouseDialect, compile, ident, sql, type Sql, type SqlValue } from '../sql/index.js';
import { UsageError } from '../shared/errors.js';
import type { Backend, Row } from './backend.js';
import { ClickhouseBackendBase } from './clickhouse-base.js';
import { CLICKHOUSE_SETTINGS, clickhouseParams, literal, type JsonResult } from './clickhouse-results.js';

/**
 * A ClickHouse server's address in a store name: where the client connects, the database, and the name as shown in
 * messages (without the password, which never reaches a log or an error).
 */
function target(name: string, database?: string): { url: string; database: string; username: string; password: string; shown: string } {
  let parsed: URL;
  try {
    parsed = new URL(name);
  } catch {
    throw new UsageError(`store ${name}: not a URL (clickhouse://[user[:password]@]host[:port]/database)`, { store: name });
  }
  const secure = parsed.protocol === 'clickhouses:';
  const named = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const shown = `${parsed.protocol}//${parsed.username ? `${decodeURIComponent(parsed.username)}@` : ''}${parsed.host}/${named}`;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(named)) {
    throw new UsageError(`store ${shown}: the URL's path must name a database (letters, digits, _), e.g. clickhouse://localhost:8123/shop`, { store: shown });
  }
  return {
    url: `${secure ? 'https' : 'http'}://${parsed.hostname}:${parsed.port || (secure ? 8443 : 8123)}`,
    database: database ?? named,
    username: decodeURIComponent(parsed.username) || 'default',
    password: decodeURIComponent(parsed.password),
    shown,
  };
}

/**
 * How the client connects: no compression (the server is near; the CPU is not), and no logging of its own, since
 * errors reach the caller with the store's name in one line.
 */
function clientOptions(t: ReturnType<typeof target>): ClickHouseClientConfigOptions {
  return { url: t.url, username: t.username, password: t.password, compression: { request: false, response: false }, log: { level: ClickHouseLogLevel.OFF } };
}

/** A store name as messages show it: a ClickHouse URL without its password. */
export function shownClickhouseName(name: string): string {
  return target(name).shown;
}

/** The first line of what went wrong, as the server or the socket said it. */
function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 300);
}

/** `fn` on a client of its own, closed after; a server that cannot be reached or refuses is a one-line error naming the store. */
async function onServer<T>(t: ReturnType<typeof target>, fn: (client: ClickHouseClient) => Promise<T>): Promise<T> {
  const client = createClient(clientOptions(t));
  try {
    return await fn(client);
  } catch (err) {
    throw new UsageError(`store ${t.shown}: ${reason(err)}`, { store: t.shown });
  } finally {
    await client.close();
  }
}

/**
 * Bound values travel in the URL, which a ClickHouse server limits to 1 MiB (http_max_uri_size); a longer text (the
 * JSON arrays a step sends for many customers at once) goes in the statement's body instead, as a string literal.
 */
const MAX_URL_VALUE = 64 * 1024;

/**
 * The statement with its long texts written in, and the parameters left for the URL. It rewrites compiled text, as
 * no template can: which values are too long for the URL is known only once they are bound.
 */
function bind(text: string, values: SqlValue[]): { query: string; query_params: Record<string, SqlValue> } {
  const params = clickhouseParams(values);
  let query = text;
  for (const [name, value] of Object.entries(params)) {
    if (typeof value !== 'string' || value.length <= MAX_URL_VALUE) continue;
    query = query.replaceAll(`{${name}:String}`, () => literal(value));
    delete params[name];
  }
  return { query, query_params: params };
}

/** A ClickHouse server through its HTTP interface (`@clickhouse/client`), in one database of it. */
export class ClickhouseBackend extends ClickhouseBackendBase {
  private constructor(
    private readonly client: ClickHouseClient,
    /** False for a fork: closing it leaves the client open for the store it came from. */
    private readonly ownsClient = true,
  ) {
    super();
  }

  /** Whether the server holds the store's database; a server that cannot be reached is an error naming it. */
  static async exists(name: string): Promise<boolean> {
    const t = target(name);
    return onServer(t, async (client) => {
      const { text, values } = compile(sql`SELECT count() AS n FROM system.databases WHERE name = ${t.database}`, clickhouseDialect);
      const result = await client.query({ query: text, query_params: clickhouseParams(values), format: 'JSONEachRow' });
      return ((await result.json<{ n: number }>())[0]?.n ?? 0) > 0;
    });
  }

  /** Connects, creating the database when missing; an unreachable or refusing server fails here, in one line naming it. */
  static async open(name: string, database?: string): Promise<ClickhouseBackend> {
    const t = target(name, database);
    await onServer(t, (admin) => admin.command({ query: compile(sql`CREATE DATABASE IF NOT EXISTS ${ident(t.database)}`, clickhouseDialect).text }));
    // Long texts written into statements (see bind) count towards the statement's size, 256 KiB by default.
    const settings = { ...CLICKHOUSE_SETTINGS, max_query_size: String(2 ** 30) };
    return new ClickhouseBackend(createClient({ ...clientOptions(t), database: t.database, clickhouse_settings: settings }));
  }

  protected async command(text: string, values: SqlValue[]): Promise<void> {
    await this.client.command(bind(text, values));
  }

  protected async json(text: string, values: SqlValue[]): Promise<JsonResult> {
    const result = await this.client.query({ ...bind(text, values), format: 'JSON' });
    const { meta = [], data } = await result.json<Row>();
    return { meta, data };
  }

  /** The file goes to the server in the request's body: the server need not see this machine's files. */
  async insertParquet(table: string, columns: readonly string[], file: string): Promise<void> {
    await this.client.insert({ table, values: createReadStream(file), format: 'Parquet', columns: columns as [string, ...string[]] });
  }

  /** The result comes back in the response's body, streamed to the file. */
  async writeParquet(q: Sql, file: string): Promise<void> {
    const { text, values } = compile(sql`${q} FORMAT Parquet`, clickhouseDialect);
    const result = await this.client.exec(bind(text, values));
    await pipeline(result.stream, createWriteStream(file));
  }

  /** The same client: it keeps a pool of connections, and statements on the server run side by side. */
  fork(): Promise<Backend> {
    return Promise.resolve(new ClickhouseBackend(this.client, false));
  }

  close(): void {
    if (this.ownsClient) void this.client.close();
  }
}
