import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/index.js';
import { ident, raw, sql } from '../../src/sql/index.js';
import { identityMapping, importFile, removeImport, type Removal, type Store } from '../../src/store/index.js';
import { ALL_ENGINES, emptyStoreOn, type Engine } from '../engines.js';
import { tempDir } from '../helpers.js';

/**
 * Taking an import back (`segmint imports rm`, `import --replace`) on every engine: ClickHouse does not say how many
 * rows a DELETE removed, so each table's rows are counted first. The same imports taken back must say the same
 * counts and leave the same rows as on DuckDB.
 */

const dir = tempDir();
afterAll(() => dir.cleanup());

const HEADER = 'id,type,ts,customer_id,product_id,order_id,quantity,unit_price';
const CUSTOMERS = dir.file('customers.csv', ['id,email', 'c1,c1@example.org']);
const FIRST = dir.file('first.csv', [
  HEADER,
  'e1,order,2024-01-05 10:00:00,c1,p1,o1,1,10',
  'e2,order,2024-01-06 10:00:00,c2,p2,o2,2,10',
  'e3,order,2024-01-07 10:00:00,c3,p3,o3,3,10',
  'e4,order,not-a-date,c1,p1,o4,1,10',
]);
// c3 and p3 were created by the first import, and this one refers to them too: they stay when the first goes. No
// customer orders twice: the CLV models are not fitted (a degenerate fit binds a whole number beyond 2^53, see the report).
const SECOND = dir.file('second.csv', [HEADER, 'e5,order,2024-01-08 10:00:00,c4,p1,o5,1,10', 'e6,view,2024-01-09 10:00:00,c3,p3,,,']);
// The second file again under its name, its mapping changed: customer ids prefixed.
const PREFIXED = { ...identityMapping('events'), columns: { ...identityMapping('events').columns, customer_id: { column: 'customer_id', prefix: 'shop:' } } };

/** A removal as engines must agree on it: import ids are random. */
const comparable = ({ import_id: _, ...rest }: Removal) => rest;

interface TakenBack {
  removed: ReturnType<typeof comparable>;
  afterRm: Record<string, unknown[]>;
  replaced: Array<ReturnType<typeof comparable>>;
  afterReplace: Record<string, unknown[]>;
}
const results: Partial<Record<Engine, TakenBack>> = {};

async function tables(store: Store): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, columns] of Object.entries({ events: 'id, customer_id', customers: 'id', products: 'id', quarantine: 'source_file, line', imports: 'file, accepted' })) {
    out[table] = await store.all(sql`SELECT ${raw(columns)} FROM ${ident(table)} ORDER BY ${raw(columns)}`);
  }
  return out;
}

describe.each(ALL_ENGINES)('imports taken back on %s', (engine) => {
  let store: Store;
  let close: () => Promise<void>;
  const mine: Partial<TakenBack> = {};
  let first = '';
  beforeAll(async () => {
    ({ store, close } = await emptyStoreOn(engine));
    await importFile(store, CUSTOMERS, identityMapping('customers'));
    first = (await importFile(store, FIRST, identityMapping('events'))).import_id;
    await importFile(store, SECOND, identityMapping('events'));
    await runPipeline(store, '2024-02-01 00:00:00');
  });
  afterAll(async () => close());

  it('removes an import, counting what it removed, and says the latest run is stale', async () => {
    mine.removed = comparable(await removeImport(store, first));
    expect(mine.removed).toEqual({
      file: FIRST,
      removed: { events: 3, customers: 1, products: 1, quarantined: 1 },
      stale: { as_of: '2024-02-01 00:00:00', customers: 3, products: 3 },
    });
    mine.afterRm = await tables(store);
    expect(mine.afterRm.customers).toEqual([{ id: 'c1' }, { id: 'c3' }, { id: 'c4' }]);
    await expect(removeImport(store, first)).rejects.toThrow(`no import "${first}"`);
  });

  it('replaces the imports of a file name', async () => {
    const report = await importFile(store, SECOND, PREFIXED, { replace: true });
    mine.replaced = report.replaced.map(comparable);
    expect(mine.replaced.map((r) => r.removed)).toEqual([{ events: 2, customers: 1, products: 0, quarantined: 0 }]);
    expect(report).toMatchObject({ accepted: 2, duplicates: 0 });
    mine.afterReplace = await tables(store);
    expect(mine.afterReplace.imports).toEqual([
      { file: CUSTOMERS, accepted: 1 },
      { file: SECOND, accepted: 2 },
    ]);
    results[engine] = mine as TakenBack;
  });

  it.skipIf(engine === 'duckdb')('says the same counts and leaves the same rows as DuckDB', () => {
    expect(mine).toEqual(results.duckdb);
  });
});
