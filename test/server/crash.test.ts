import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
const db = join(dir.path, 'crash.duckdb');
const env = (() => {
  const { SEGMINT_DB: _, ...rest } = process.env;
  return rest;
})();
afterAll(() => dir.cleanup());

async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/segmint', '--db', db, 'serve', '--port', '0', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // `--json` prints one JSON document, over several lines.
  let text = '';
  for await (const line of createInterface({ input: child.stdout })) {
    text += line;
    if (line === '}') break;
  }
  return { child, url: (JSON.parse(text) as { url: string }).url };
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
  it('keeps all of a batch or none of it, and a retry stores it exactly once', async () => {
    const created = spawnSync(process.execPath, ['bin/segmint', '--db', db, 'keys', 'create', '--scopes', 'ingest:write', '--json'], { encoding: 'utf8', env });
    const key = (JSON.parse(created.stdout) as { key: string }).key;
    const send = (url: string, n: number) =>
      fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(batch(n)) });
    const afterKill: number[] = [];
    for (const [n, delayMs] of [[1, 0], [2, 40], [3, 120], [4, 250], [5, 600]] as const) {
      const { child, url } = await startServer();
      const request = send(url, n).catch(() => undefined);
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      await once(child, 'exit');
      await request;
      afterKill.push(await stored(n));
      expect([0, 1000]).toContain(afterKill.at(-1));
      // The client retries on a fresh server.
      const again = await startServer();
      const res = await send(again.url, n);
      expect(res.status).toBe(200);
      again.child.kill('SIGTERM');
      await once(again.child, 'exit');
      expect(await stored(n)).toBe(1000);
    }
    console.log(`events of each batch found after the kill (all or none): ${afterKill.join(', ')}`);
  }, 120_000);
});
