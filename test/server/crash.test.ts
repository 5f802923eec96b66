import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { cliEnv, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
const db = join(dir.path, 'crash.duckdb');
afterAll(() => dir.cleanup());

/**
 * `segmint serve` on the store: the real CLI, or with CRASH_AT the same compiled CLI with a probe at the events
 * transaction's COMMIT (crash-child.ts), whose reports arrive in `probe`.
 */
async function startServer(crashAt?: 'before-commit' | 'during-commit'): Promise<{ child: ChildProcess; url: string; probe: string[]; probed: Promise<unknown> }> {
  const entry = crashAt ? ['--import', 'tsx', 'test/server/crash-child.ts'] : ['bin/segmint'];
  const child = spawn(process.execPath, [...entry, '--db', db, 'serve', '--port', '0', '--json'], { env: cliEnv({ CRASH_AT: crashAt ?? '' }), stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  const probe: string[] = [];
  const lines = createInterface({ input: child.stdio[3] as NodeJS.ReadableStream });
  lines.on('line', (line) => probe.push(line));
  const probed = once(lines, 'close');
  // `--json` prints one JSON document, over several lines.
  let text = '';
  for await (const line of createInterface({ input: child.stdout! })) {
    text += line;
    if (line === '}') break;
  }
  return { child, url: (JSON.parse(text) as { url: string }).url, probe, probed };
}

/** Resolves once the child reports `line`; fails if the request is answered first (it never got there). */
async function until(probe: string[], line: string, request: Promise<unknown>): Promise<void> {
  let answered = false;
  void request.then(() => (answered = true));
  while (!probe.includes(line)) {
    if (answered) throw new Error(`the batch was answered without reaching "${line}": not stored in one transaction`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

function batch(n: number) {
  return {
    events: Array.from({ length: 1000 }, (_, i) => ({
      id: `crash-${n}-${i}`,
      type: 'order',
      ts: new Date(Date.UTC(2026, 5, 1) + i * 1000).toISOString(),
      customer_id: `cust-${i % 50}`,
      product_id: `sku-${i % 20}`,
      order_id: `o-${n}-${i}`,
      quantity: 1,
      unit_price: 10,
    })),
  };
}

async function stored(n: number): Promise<number> {
  const store = await Store.open({ path: db });
  try {
    return (await store.one<{ k: number }>(sql`SELECT count(*) AS k FROM events WHERE starts_with(id, ${`crash-${n}-`})`))!.k;
  } finally {
    store.close();
  }
}

describe('a server killed in the middle of a batch', () => {
  it('keeps all of a batch or none of it when killed at its commit, and a retry stores it exactly once', async () => {
    const { key } = runCli(['--db', db, 'keys', 'create', '--scopes', 'ingest:write', '--json']).json() as { key: string };
    const send = (url: string, n: number) =>
      fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(batch(n)) });
    const afterKill: number[] = [];
    const committedBeforeKill: boolean[] = [];
    const kill = async (server: { child: ChildProcess; probed: Promise<unknown> }, request: Promise<unknown>) => {
      server.child.kill('SIGKILL');
      await once(server.child, 'exit');
      await Promise.all([request, server.probed]);
    };
    const retry = async (n: number) => {
      // The client retries on a fresh server.
      const again = await startServer();
      const res = await send(again.url, n);
      expect(res.status).toBe(200);
      again.child.kill('SIGTERM');
      await once(again.child, 'exit');
      expect(await stored(n)).toBe(1000);
    };

    // Killed inside the transaction, every row inserted, COMMIT not sent: none of the batch survives.
    for (const n of [1, 2]) {
      const server = await startServer('before-commit');
      const request = send(server.url, n).catch(() => undefined);
      await until(server.probe, 'in-commit', request);
      await kill(server, request);
      expect(server.probe).toEqual(['in-commit']);
      afterKill.push(await stored(n));
      expect(afterKill.at(-1)).toBe(0);
      await retry(n);
    }

    // Killed as COMMIT is sent: all or none, and all if DuckDB had returned from it before the kill.
    for (const n of [3, 4, 5]) {
      const server = await startServer('during-commit');
      const request = send(server.url, n).catch(() => undefined);
      await until(server.probe, 'in-commit', request);
      await kill(server, request);
      const committed = server.probe.includes('committed');
      committedBeforeKill.push(committed);
      afterKill.push(await stored(n));
      expect(committed ? [1000] : [0, 1000]).toContain(afterKill.at(-1));
      await retry(n);
    }
    console.log(`events of each batch found after a kill inside its transaction (all or none): ${afterKill.join(', ')}; COMMIT had returned before the kill: ${committedBeforeKill.join(', ')}`);
  }, 120_000);
});
