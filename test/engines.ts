import { join } from 'node:path';
import { expect } from 'vitest';
import { generateDemo, importDemoFiles } from '../src/demo/index.js';
import { runPipeline } from '../src/pipeline/index.js';
import { copyTables, chdbAvailable, Store } from '../src/store/index.js';
import { clickhouseServer } from './clickhouse-server.js';
import { memoryStore, tempDir } from './helpers.js';

/**
 * The engines a store runs on, for tests that must give the same answers on each. DuckDB always; embedded ClickHouse
 * (chdb) where the chdb package is installed, which `npm install` leaves out: CI installs it and sets
 * SEGMINT_REQUIRE_CHDB=1, so that there a missing package fails the ClickHouse tests instead of skipping them.
 * `clickhouse` is a ClickHouse server reached through `@clickhouse/client` (clickhouse-server.ts: chdb behind
 * ClickHouse's HTTP interface).
 */
export type Engine = 'duckdb' | 'chdb' | 'clickhouse';

const required = process.env.SEGMINT_REQUIRE_CHDB === '1';
const chdb = required || chdbAvailable();
if (!chdb) console.log('ClickHouse (chdb) tests skipped: the chdb package is not installed (npm install --no-save chdb@3.4.0)');

/** The embedded engines (no server to reach). */
export type EmbeddedEngine = Exclude<Engine, 'clickhouse'>;
export const ENGINES: EmbeddedEngine[] = chdb ? ['duckdb', 'chdb'] : ['duckdb'];
/** Every engine, the server reached over HTTP too: for the tests that check engines agree, not for every suite. */
export const ALL_ENGINES: Engine[] = chdb ? ['duckdb', 'chdb', 'clickhouse'] : ['duckdb'];

/**
 * The store path a server's workspaces are opened at (`Workspaces.open({ dbPath })`) on an embedded engine, in `dir`:
 * a DuckDB file, or a chdb directory whose databases are the workspaces.
 */
export function workspacesPath(engine: EmbeddedEngine, dir: string): string {
  return engine === 'duckdb' ? join(dir, 'shop.duckdb') : `chdb:${join(dir, 'shop')}`;
}

/**
 * A store on `engine` holding what `load` imports: on DuckDB the loader itself, on ClickHouse a store in a temporary
 * directory that the loader's tables are copied into (DuckDB stays the importer). `close` closes both.
 */
export async function storeOn(engine: Engine, load: (store: Store) => Promise<unknown>): Promise<{ store: Store; loader: Store; close: () => void | Promise<void> }> {
  const loader = await memoryStore();
  await load(loader);
  if (engine === 'duckdb') return { store: loader, loader, close: () => loader.close() };
  const { store, close } = await emptyStoreOn(engine);
  await copyTables(loader, store);
  return {
    store,
    loader,
    close: async () => {
      await close();
      loader.close();
    },
  };
}

/**
 * Where a store on `engine` lives in `dir`, for tests that open it again as another process would: a DuckDB file, a
 * chdb directory, or a database of a server started for it (`close` stops the server).
 */
export async function storePathOn(engine: Engine, dir: string): Promise<{ path: string; close: () => Promise<void> }> {
  if (engine === 'duckdb') return { path: join(dir, 'shop.duckdb'), close: () => Promise.resolve() };
  if (engine === 'chdb') return { path: `chdb:${dir}`, close: () => Promise.resolve() };
  const server = await clickhouseServer(dir);
  return { path: `clickhouse://127.0.0.1:${server.port}/shop`, close: server.close };
}

/** An empty store on `engine`, for tests that import into it (on ClickHouse through the DuckDB loader). */
export async function emptyStoreOn(engine: Engine): Promise<{ store: Store; close: () => Promise<void> }> {
  if (engine === 'duckdb') {
    const store = await memoryStore();
    return { store, close: () => Promise.resolve(store.close()) };
  }
  const dir = tempDir('segmint-chdb-');
  const at = await storePathOn(engine, dir.path);
  const store = await Store.open({ path: at.path });
  return {
    store,
    close: async () => {
      store.close();
      await at.close();
      dir.cleanup();
    },
  };
}

/**
 * `actual` equal to `expected` however deep, numbers to 1e-9 relative (sums of doubles differ in their last bits with
 * the order the engines add them in): for answers of one module on two engines.
 */
export function expectClose(actual: unknown, expected: unknown, what: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    expect(Math.abs(actual - expected), `${what}: ${actual} against ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  } else if (Array.isArray(expected) && Array.isArray(actual)) {
    expect(actual.length, `${what}: length`).toBe(expected.length);
    expected.forEach((e, i) => expectClose(actual[i], e, `${what}[${i}]`));
  } else if (expected !== null && typeof expected === 'object' && actual !== null && typeof actual === 'object') {
    expect(Object.keys(actual).sort(), `${what}: keys`).toEqual(Object.keys(expected).sort());
    for (const [k, e] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[k], e, `${what}.${k}`);
  } else {
    expect(actual, what).toEqual(expected);
  }
}

/**
 * A demo shop (generated, imported by DuckDB, copied to ClickHouse) on `engine`, run as of `asOf` after `prepare`
 * (audiences to create, say).
 */
export async function demoStoreOn(
  engine: Engine,
  demo: { customers: number; seed: number },
  asOf: string,
  prepare: (store: Store) => Promise<unknown> = () => Promise.resolve(),
): Promise<{ store: Store; close: () => void | Promise<void> }> {
  const dir = tempDir('segmint-demo-');
  const files = await generateDemo({ ...demo, outDir: dir.path });
  const { store, close } = await storeOn(engine, (loader) => importDemoFiles(loader, files));
  await prepare(store);
  await runPipeline(store, asOf);
  return {
    store,
    close: async () => {
      await close();
      dir.cleanup();
    },
  };
}
