import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { UsageError } from '../../src/shared/errors.js';
import { clickhouseServer } from '../clickhouse-server.js';
import { ALL_ENGINES } from '../engines.js';
import { tempDir } from '../helpers.js';

const run = promisify(execFile);

/** The CLI in its own process (asynchronously: the server it talks to answers from this one). */
async function segmint(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/segmint', ...args], { encoding: 'utf8', env: { ...process.env, SEGMINT_DB: '' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A port on which nothing listens. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function openError(path: string): Promise<Error> {
  const err = await Store.open({ path }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(err, path).toBeInstanceOf(UsageError);
  return err!;
}

describe.skipIf(!ALL_ENGINES.includes('clickhouse'))('a ClickHouse server as the store (clickhouse://, @clickhouse/client)', () => {
  const dir = tempDir('segmint-chserver-');
  let server: Awaited<ReturnType<typeof clickhouseServer>>;
  beforeAll(async () => {
    server = await clickhouseServer(dir.path, { password: 'right-one' });
  });
  afterAll(async () => {
    await server.close();
    dir.cleanup();
  });

  it('creates the database, migrates it and answers with bound values kept as given', async () => {
    const store = await Store.open({ path: `clickhouse://default:right-one@127.0.0.1:${server.port}/shop` });
    try {
      const hostile = "it's a\ttab, a \\ and a\nline";
      const [row] = await store.all(sql`SELECT count(*) AS n, ${hostile} AS s, ${null} AS z, ${2.5} AS f FROM customers`);
      expect(row).toEqual({ n: 0, s: hostile, z: null, f: 2.5 });
      // Past what a URL may carry, a text goes in the statement's body, quoted; it comes back the same.
      const long = `${hostile} {p1:String} '); DROP TABLE customers; --`.repeat(4000);
      expect(long.length).toBeGreaterThan(128 * 1024);
      const [echo] = await store.all<{ back: string; n: number }>(sql`SELECT ${long} AS back, length(${long}) AS n, (SELECT count(*) FROM customers) AS c`);
      expect(echo).toEqual({ back: long, n: Buffer.byteLength(long), c: 0 });
    } finally {
      store.close();
    }
  });

  it('fails at startup, in one line naming the URL, when the server cannot be reached', async () => {
    const port = await closedPort();
    const err = await openError(`clickhouse://127.0.0.1:${port}/shop`);
    expect(err.message).toContain(`store clickhouse://127.0.0.1:${port}/shop: `);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.message).not.toContain('\n');
  });

  it('says a wrong password was refused, without repeating the password', async () => {
    const err = await openError(`clickhouse://default:wrong-one@127.0.0.1:${server.port}/shop`);
    expect(err.message).toContain(`store clickhouse://default@127.0.0.1:${server.port}/shop: `);
    expect(err.message).toMatch(/Authentication failed/);
    expect(err.message).not.toContain('wrong-one');
  });

  it('asks for a database in the URL', async () => {
    expect((await openError(`clickhouse://127.0.0.1:${server.port}/`)).message).toMatch(/must name a database/);
    expect((await openError(`clickhouse://127.0.0.1:${server.port}/no-dashes`)).message).toMatch(/must name a database/);
  });

  it('from the CLI: a database that does not exist is not created by a command that reads, and an unreachable server is one line', async () => {
    const missing = await segmint('--db', `clickhouse://default:right-one@127.0.0.1:${server.port}/nosuch`, 'audiences');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`no store at clickhouse://default@127.0.0.1:${server.port}/nosuch`);
    expect(missing.stderr).not.toContain('right-one');
    const port = await closedPort();
    const down = await segmint('--db', `clickhouse://127.0.0.1:${port}/shop`, 'audiences');
    expect(down.code).toBe(2);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toContain(`clickhouse://127.0.0.1:${port}/shop`);
  });
});
