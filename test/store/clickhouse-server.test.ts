import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/sql/index.js';
import { workspaceDir } from '../../src/server/index.js';
import { Store } from '../../src/store/index.js';
import { UsageError } from '../../src/shared/errors.js';
import { clickhouseServer } from '../clickhouse-server.js';
import { ALL_ENGINES } from '../engines.js';
import { runCliAsync, startCli } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';

const NO_DB = { SEGMINT_DB: '' };

/** The CLI in its own process (asynchronously: the server it talks to answers from this one). */
const segmint = (...args: string[]) => runCliAsync(args, { env: NO_DB });

/** `segmint serve` in its own process until it exits, or until it says it listens (then stopped, exiting 0). */
function serve(db: string, cwd = process.cwd()): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = startCli(['--db', db, 'serve', '--port', '0'], { cwd, env: NO_DB });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('Segmint API on')) child.kill('SIGTERM');
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
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

  it('from `segmint serve`: a server refusing the password stops the start in one line naming the URL, before it listens', async () => {
    const db = `clickhouse://default:wrong-one@127.0.0.1:${server.port}/shop`;
    try {
      const refused = await serve(db);
      expect(refused.stdout).toBe('');
      expect(refused.code).toBe(2);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toContain(`store clickhouse://default@127.0.0.1:${server.port}/shop: `);
      expect(refused.stderr).toMatch(/Authentication failed/);
      expect(refused.stderr).not.toContain('wrong-one');
      // The server's control file would be kept on this machine, under .segmint in the working directory.
      expect(existsSync(workspaceDir(db))).toBe(false);
    } finally {
      rmSync(workspaceDir(db), { recursive: true, force: true });
    }
  });
});

describe('where a ClickHouse store keeps its files on this machine', () => {
  it('`segmint serve` on an unreachable server stops in one line naming the URL, and makes no folder for it', async () => {
    const dir = tempDir();
    try {
      const db = `clickhouse://127.0.0.1:${await closedPort()}/shop`;
      const down = await serve(db, dir.path);
      expect(down.code).toBe(2);
      expect(down.stdout).toBe('');
      expect(down.stderr.trim().split('\n')).toHaveLength(1);
      expect(down.stderr).toContain(db);
      expect(readdirSync(dir.path)).toEqual([]);
    } finally {
      dir.cleanup();
    }
  });

  it('gives each server, user and database a folder of its own, without the password', () => {
    const urls = [
      'clickhouse://127.0.0.1:8123/shop',
      'clickhouse://127.0.0.1:8123/other',
      'clickhouse://127.0.0.2:8123/shop',
      'clickhouse://127.0.0.1:9123/shop',
      'clickhouse://ann:a-password@127.0.0.1:8123/shop',
      'clickhouses://ch.example.com/shop',
      'clickhouses://ch.example.org/shop',
    ];
    const dirs = urls.map((url) => workspaceDir(url));
    expect(new Set(dirs).size, dirs.join(' ')).toBe(urls.length);
    expect(dirs.join(' ')).not.toContain('a-password');
  });
});
