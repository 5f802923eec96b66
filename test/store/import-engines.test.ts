import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/index.js';
import { ident, raw, sql } from '../../src/sql/index.js';
import { ENTITY_COLUMNS, identityMapping, importFile, presetMapping, type ImportReport, type Mapping, type Row, type Store } from '../../src/store/index.js';
import { ALL_ENGINES, emptyStoreOn, ENGINES, type Engine } from '../engines.js';
import { runCli } from '../helpers/cli.js';
import { ONLINE_RETAIL, tempDir } from '../helpers.js';

/**
 * `segmint import` into every engine: on ClickHouse, DuckDB in memory parses, checks and quarantines the file and
 * the rows it stored are written into ClickHouse. The same files imported in the same order must leave the same
 * events, quarantine, customers and products, give the same reports (duplicates against events stored by an earlier
 * import included) and, after a run, the same memberships.
 */

const dir = tempDir();
afterAll(() => dir.cleanup());

const HEADER = 'id,type,ts,customer_id,product_id,order_id,quantity,unit_price,currency,refunded';
const FIRST = dir.file('first.csv', [
  HEADER,
  'e1,order,2024-01-05 10:00:00,c1,p1,o1,2,10,GBP,',
  'e1,order,2024-01-05 10:00:00,c1,p1,o1,2,10,GBP,', // the same line twice: one event, one duplicate
  ',order,2024-01-06 10:00:00,c1,p2,o1,1,5.5,GBP,8', // the order says 8 was refunded: a return beside its lines
  ',order,not-a-date,c2,p1,o2,1,10,GBP,', // quarantined
  ',order,2024-02-01 10:00:00,c2,p3,o3,3,4,GBP,',
  ',order,2024-02-01 10:00:00,c2,p3,o3,3,4,GBP,', // the same content twice: two events (ids from content, -2)
  ',view,2024-02-02 10:00:00,c3,p1,,,,,',
]);
const SECOND = dir.file('second.csv', [
  HEADER,
  'e1,order,2024-01-05 10:00:00,c1,p1,o1,2,10,GBP,', // stored by the first import
  ',order,2024-02-01 10:00:00,c2,p3,o3,3,4,GBP,', // so is this content
  ',order,2024-03-01 10:00:00,c4,p1,o9,1,10,GBP,',
  ',order,2024-03-02 10:00:00,c4,,o9,x,10,GBP,', // quarantined
]);
const PRODUCTS = dir.file('products.csv', ['id,title,price,style_tags', 'p1,Mug,10,', 'p9,Coat,80,warm|wool']);
const CUSTOMERS = dir.file('customers.csv', ['id,email,created_at,consent_email', 'c1,c1@example.com,2023-12-01,true', 'c5,c5@example.com,2024-01-01,']);
const EVENTS: Mapping = { ...identityMapping('events'), columns: { ...identityMapping('events').columns, order_refunded: 'refunded' } };

/** A report as engines must agree on it: its import id is random. */
const comparable = ({ import_id: _, ...rest }: ImportReport) => rest;

interface Imported {
  reports: ReturnType<typeof comparable>[];
  tables: Record<string, Row[]>;
  memberships: Row[];
}

/**
 * Rows in a fixed order, without the columns that differ by nature: the import's id (random), times of writing. A
 * list ClickHouse stores is never NULL (an empty Array): NULL lists read as empty.
 */
async function rows(store: Store, table: string, order: string, unlike: string[] = []): Promise<Row[]> {
  const all = await store.all(sql`SELECT * FROM ${ident(table)} ORDER BY ${raw(order)}`);
  return all.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'import_id' && !unlike.includes(k)).map(([k, v]) => [k, LISTS.has(k) ? (v ?? []) : v])));
}

const LISTS = new Set(Object.values(ENTITY_COLUMNS).flat().filter((c) => c.type === 'string_list').map((c) => c.name));

async function importAll(engine: Engine): Promise<Imported> {
  const { store, close } = await emptyStoreOn(engine);
  try {
    const reports = [
      await importFile(store, FIRST, EVENTS),
      await importFile(store, SECOND, EVENTS),
      await importFile(store, CUSTOMERS, identityMapping('customers')),
      await importFile(store, FIRST, EVENTS),
      await importFile(store, PRODUCTS, identityMapping('products')),
      await importFile(store, PRODUCTS, identityMapping('products')),
    ].map(comparable);
    const tables = {
      events: await rows(store, 'events', 'id'),
      quarantine: await rows(store, 'quarantine', 'source_file, line', ['created_at']),
      customers: await rows(store, 'customers', 'id'),
      products: await rows(store, 'products', 'id'),
      imports: await rows(store, 'imports', 'file, started_at', ['id', 'started_at']),
    };
    await runPipeline(store, '2024-04-01 00:00:00');
    const memberships = await store.all(sql`SELECT a.name, m.customer_id FROM memberships m JOIN audiences a ON a.id = m.audience_id ORDER BY a.name, m.customer_id`);
    return { reports, tables, memberships };
  } finally {
    await close();
  }
}

const results = new Map<Engine, Imported>();

describe('import into every engine', () => {
  beforeAll(async () => {
    for (const engine of ALL_ENGINES) results.set(engine, await importAll(engine));
  });

  it('reports, on DuckDB, what each file held', () => {
    const [first, second, customers, again, products, productsAgain] = results.get('duckdb')!.reports;
    expect(first).toMatchObject({ rows: 7, accepted: 5, duplicates: 1, rejected: 1, order_returns: 1 });
    expect(second).toMatchObject({ rows: 4, accepted: 1, duplicates: 2, rejected: 1 });
    expect(customers).toMatchObject({ rows: 2, accepted: 2 });
    expect(again).toMatchObject({ rows: 7, accepted: 0, duplicates: 6, rejected: 1, order_returns: 0 });
    expect(products).toMatchObject({ rows: 2, accepted: 2 });
    expect(productsAgain).toMatchObject({ rows: 2, accepted: 0, duplicates: 2 });
  });

  it.each(ALL_ENGINES.filter((e) => e !== 'duckdb'))('gives the same reports, tables and memberships on %s', (engine) => {
    const duck = results.get('duckdb')!;
    const other = results.get(engine)!;
    expect(other.reports).toEqual(duck.reports);
    for (const table of Object.keys(duck.tables)) expect(other.tables[table], table).toEqual(duck.tables[table]);
    expect(duck.memberships.length).toBeGreaterThan(0);
    expect(other.memberships).toEqual(duck.memberships);
  });
});

/** A real export (541,909 lines, with unreadable and rejected lines) into DuckDB and chdb: the same report and events. */
describe('the online-retail file into every engine', () => {
  const seen = new Map<Engine, { report: ReturnType<typeof comparable>; events: Row | undefined; quarantined: Row | undefined }>();
  beforeAll(async () => {
    for (const engine of ENGINES) {
      const { store, close } = await emptyStoreOn(engine);
      try {
        const report = comparable(await importFile(store, ONLINE_RETAIL, presetMapping('online-retail')));
        const events = await store.one(sql`SELECT count(*) AS n, count(DISTINCT id) AS ids, round(sum(quantity * unit_price), 2) AS revenue,
          count(DISTINCT customer_id) AS customers, min(ts) AS first, max(ts) AS last FROM events`);
        const quarantined = await store.one(sql`SELECT count(*) AS n, sum(line) AS lines FROM quarantine`);
        seen.set(engine, { report, events, quarantined });
      } finally {
        await close();
      }
    }
  });

  it.each(ENGINES.filter((e) => e !== 'duckdb'))('stores the same on %s', (engine) => {
    const duck = seen.get('duckdb')!;
    expect(duck.report.accepted).toBeGreaterThan(500_000);
    expect(seen.get(engine)).toEqual(duck);
  });
});

/** The CLI on ClickHouse stores: an import as on DuckDB, and a server it cannot reach named in one line. */
describe('segmint import into ClickHouse', () => {
  const segmint = (db: string, ...args: string[]) => runCli(['--db', db, ...args]);

  it.runIf(ENGINES.includes('chdb'))('imports a file into chdb, duplicates counted against what it holds, and with --replace takes the earlier import back first', () => {
    const store = join(dir.path, 'cli-chdb');
    const first = segmint(`chdb:${store}`, 'import', FIRST, '--mapping', mappingFile(), '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ rows: 7, accepted: 5, duplicates: 1, rejected: 1, order_returns: 1 });
    expect(JSON.parse(segmint(`chdb:${store}`, 'import', SECOND, '--mapping', mappingFile(), '--json').stdout)).toMatchObject({ accepted: 1, duplicates: 2, rejected: 1 });
    const replace = segmint(`chdb:${store}`, 'import', FIRST, '--mapping', mappingFile(), '--replace', '--json');
    expect(replace.code, replace.stderr).toBe(0);
    const report = JSON.parse(replace.stdout) as { replaced: Array<{ removed: { events: number } }> };
    expect(report).toMatchObject({ accepted: 5, duplicates: 1, rejected: 1 });
    // The first import's five events and its order's return.
    expect(report.replaced.map((r) => r.removed.events)).toEqual([6]);
  });

  it('fails in one line naming the URL when the ClickHouse server cannot be reached', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const r = segmint(`clickhouse://127.0.0.1:${port}/shop`, 'import', FIRST, '--mapping', mappingFile());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`clickhouse://127.0.0.1:${port}/shop`);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

function mappingFile(): string {
  const path = join(dir.path, 'events-mapping.json');
  writeFileSync(path, JSON.stringify(EVENTS));
  return path;
}
