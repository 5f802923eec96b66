import { createRequire } from 'node:module';
import { createServer, type IncomingMessage } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

interface ChdbSession {
  queryBindAsync(query: string, params: object, opts?: { format?: string }): Promise<{ text(): string }>;
  close(): void;
}
interface Chdb {
  Session: new (path: string) => ChdbSession;
  drainPending(): Promise<void>;
}

/** URL parameters of ClickHouse's HTTP interface that are not settings. */
const NOT_SETTINGS = new Set(['query', 'database', 'query_id', 'session_id', 'default_format', 'user', 'password']);

/** A query parameter as the client escapes it (\N for NULL, backslash escapes), back to its value. */
function unescape(value: string): string | null {
  if (value === '\\N') return null;
  return value.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', 0: '\0' })[c] ?? c);
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/**
 * ClickHouse's HTTP interface, the part `@clickhouse/client` speaks (ping, queries with parameters and settings,
 * commands, inserts of a file in the body), answered by embedded ClickHouse (chdb, the real engine) in `dir`: a
 * ClickHouse server cannot run on the test machine, so the real client talks to the real engine through this.
 * `password` (when given) is the one the default user must send.
 */
export async function clickhouseServer(dir: string, options: { password?: string } = {}): Promise<{ port: number; close: () => Promise<void> }> {
  const chdb = createRequire(import.meta.url)('chdb') as Chdb;
  await chdb.drainPending();
  const session = new chdb.Session(dir);
  let queue: Promise<unknown> = Promise.resolve();
  let database = 'default';
  let files = 0;
  const one = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  // A ClickHouse server takes URLs of up to 1 MiB (http_max_uri_size), Node's 16 KiB by default.
  const server = createServer({ maxHeaderSize: 1024 * 1024 + 64 * 1024 }, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/ping') return void res.end('Ok.\n');
      const [user, password] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':');
      if (options.password !== undefined && (user !== 'default' || password !== options.password)) {
        res.writeHead(403, { 'X-ClickHouse-Exception-Code': '516' });
        return void res.end(`Code: 516. DB::Exception: ${user}: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)\n`);
      }
      const data = await body(req);
      let statement = url.searchParams.get('query') ?? data.toString();
      if (url.searchParams.has('query')) {
        // An insert's data comes in the body; chdb reads it from a file.
        const file = join(dir, `insert-${files++}.data`);
        writeFileSync(file, data);
        statement = statement.replace(/\s+FORMAT\s+(\w+)\s*$/i, (_, format: string) => ` SELECT * FROM file('${file}', ${format})`);
      }
      const params = Object.fromEntries([...url.searchParams].filter(([k]) => k.startsWith('param_')).map(([k, v]) => [k.slice(6), unescape(v)]));
      const settings = [...url.searchParams].filter(([k]) => !k.startsWith('param_') && !NOT_SETTINGS.has(k));
      try {
        const text = await one(async () => {
          const wanted = url.searchParams.get('database') ?? 'default';
          if (wanted !== database) await session.queryBindAsync(`USE ${wanted}`, {});
          database = wanted;
          for (const [k, v] of settings) await session.queryBindAsync(`SET ${k} = ${/^\d+$/.test(v) ? v : `'${v}'`}`, {});
          return (await session.queryBindAsync(statement, params, { format: 'TabSeparated' })).text();
        });
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' });
        res.end(text);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        res.writeHead(500, { 'X-ClickHouse-Exception-Code': /Code: (\d+)/.exec(message)?.[1] ?? '1000' });
        res.end(`${message}\n`);
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await queue;
      session.close();
      await chdb.drainPending();
    },
  };
}
