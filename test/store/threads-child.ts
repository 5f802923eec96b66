/** Prints the DuckDB threads of a store opened as Store.open does, with `--threads N` given or not (threads.test.ts). */
import { sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';

const given = process.argv.indexOf('--threads');
const store = await Store.open({ path: ':memory:', threads: given > 0 ? Number(process.argv[given + 1]) : undefined });
console.log((await store.one<{ t: number }>(sql`SELECT current_setting('threads') AS t`))!.t);
store.close();
