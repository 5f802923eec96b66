import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

/**
 * The demo shop the API and CLI tests start from, as `segmint demo --customers 400 --seed 5 --no-serve` leaves it:
 * generated, imported, run once as of its last day, both customer clusterings fitted. The global setup builds it once
 * per test run (test/global-setup.ts).
 */
export const DEMO_STORE = { customers: 400, seed: 5 } as const;

/**
 * A copy of the demo store in `dir`, the test's own to write to (a file copy, where a demo run takes seconds of CPU):
 * the store `db` (dir/shop.duckdb) and the folder of generated files `files` (dir/demo).
 */
export function copyDemoStore(dir: string): { db: string; files: string } {
  cpSync(inject('demoStore'), dir, { recursive: true });
  return { db: join(dir, 'shop.duckdb'), files: join(dir, 'demo') };
}
