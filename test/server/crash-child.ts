// `segmint serve`, the CLI's own main() (run with tsx), with one probe: when the transaction that inserted
// events reaches its COMMIT, the process says so on file descriptor 3 (synchronously, so the parent has read it
// before anything else happens) and then, by CRASH_AT:
//   before-commit  waits, inserts done, COMMIT not yet sent, until the parent kills it;
//   during-commit  sends the COMMIT at once and says "committed" once DuckDB returns.
// Everything else is the real server on the real store.
import { writeSync } from 'node:fs';
import { main } from '../../src/cli/main.js';
import { compile, type Sql } from '../../src/sql/index.js';
import { Store, type RowColumns } from '../../src/store/index.js';

const mode = process.env.CRASH_AT;
// eslint-disable-next-line @typescript-eslint/unbound-method -- always called with .call(this, ...)
const original = Store.prototype.run;
let insertedEvents = false;
const insertsEvents = (text: string): boolean => /^INSERT INTO "?events"? /.test(text);
// A batch's events are appended (Store.insertRows); an import's go through a statement (Store.run), as the COMMIT does.
// eslint-disable-next-line @typescript-eslint/unbound-method -- always called with .call(this, ...)
const originalInsertRows = Store.prototype.insertRows;
Store.prototype.insertRows = function insertRows(this: Store, table: string, columns: RowColumns): Promise<void> {
  if (table === 'events') insertedEvents = true;
  return originalInsertRows.call(this, table, columns);
};
Store.prototype.run = async function run(this: Store, q: Sql): Promise<number> {
  const text = compile(q).text.trim();
  if (text === 'BEGIN TRANSACTION') insertedEvents = false;
  if (insertsEvents(text)) insertedEvents = true;
  if (text !== 'COMMIT' || !insertedEvents) return original.call(this, q);
  writeSync(3, 'in-commit\n');
  if (mode === 'before-commit') return new Promise<number>(() => undefined);
  const out = await original.call(this, q);
  writeSync(3, 'committed\n');
  return out;
};

process.exitCode = await main(process.argv);
