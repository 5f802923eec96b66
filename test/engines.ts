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

export const ENGINES: Engine[] = chdb ? ['duckdb', 'chdb'] : ['duckdb'];
/** Every engine, the server reached over HTTP too: for the tests that check engines agree, not for every suite. */
export const ALL_ENGINES: Engine[] = chdb ? ['duckdb', 'chdb', 'clickhouse'] : ['duckdb'];

/**
 * A store on `engine` holding what `load` imports: on DuckDB the loader itself, on ClickHouse a store in a temporary
 * directory that the loader's tables are copied into (DuckDB stays the importer). `close` closes both.
 */
export async function storeOn(engine: Engine, load: (store: Store) => Promise<unknown>): Promise<{ store: Store; loader: Store; close: () => void | Promise<void> }> {
  const loader = await memoryStore();
  await load(loader);
  if (engine === 'duckdb') return { store: loader, loader, close: () => loader.close() };
  const dir = tempDir('segmint-chdb-');
  const server = engine === 'clickhouse' ? await clickhouseServer(dir.path) : undefined;
  const store = await Store.open({ path: server ? `clickhouse://127.0.0.1:${server.port}/shop` : `chdb:${dir.path}` });
  await copyTables(loader, store);
  return {
    store,
    loader,
    close: async () => {
      store.close();
      await server?.close();
      loader.close();
      dir.cleanup();
    },
  };
}
