import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '../../src/sql/index.js';
import { identityMapping, importFile, presetMapping, type Store } from '../../src/store/index.js';
import { ONLINE_RETAIL, memoryStore, plainSql, tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.cleanup());

const HEADER = 'id,type,ts,customer_id,product_id,order_id,quantity,unit_price';
const good = (i: number) => `e${i},order,2024-01-0${(i % 9) + 1} 10:00:00,c${i % 7},p${i % 5},o${i},${(i % 3) + 1},${(i % 4) + 9.5}`;

function quarantine(store: Store) {
  return store.all<{ line: number; column_name: string | null; reason: string }>(
    sql`SELECT line, column_name, reason FROM quarantine ORDER BY line`,
  );
}

describe('malformed inputs', () => {
  let store: Store;
  beforeEach(async () => (store = await memoryStore()));
  afterEach(() => store.close());

  it('quarantines bad CSV rows with line, column and reason and loads the good ones', async () => {
    const lines = [
      HEADER,
      good(1), // line 2
      'e2,order,not-a-date,c1,p1,o2,1,9.5', // 3: unparseable date
      good(3), // 4
      'e4,order,2024-01-02 10:00:00,c1,p1,o4,1,abc', // 5: non-numeric price
      'e5,order,,c1,p1,o5,1,9.5', // 6: missing required ts
      'e6,teleport,2024-01-02 10:00:00,c1,p1,o6,1,9.5', // 7: unknown event type
      'e7,order,2024-01-02 10:00:00,c1,p1,o7,1,9.5,extra', // 8: too many columns
      good(8), // 9
      'e9,order,2024-01-02 10:00:00,c1,,o9,1,9.5', // 10: order line without product
      good(10), // 11
    ];
    const file = join(dir.path, 'bad.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const report = await importFile(store, file, identityMapping('events'));
    expect(report).toMatchObject({ rows: 10, accepted: 4, duplicates: 0, rejected: 6 });
    const q = await quarantine(store);
    expect(q.map((r) => [r.line, r.column_name])).toEqual([
      [3, 'ts'],
      [5, 'unit_price'],
      [6, 'ts'],
      [7, 'type'],
      [8, null],
      [10, 'product_id'],
    ]);
    expect(q[0]!.reason).toMatch(/cannot read as a timestamp.*not-a-date/);
    expect(q[1]!.reason).toMatch(/cannot read as a number.*abc/);
    expect(q[2]!.reason).toMatch(/missing required field ts/);
    expect(q[3]!.reason).toMatch(/unknown event type "teleport"/);
    expect(q[4]!.reason).toMatch(/Expected Number of Columns: 8 Found: 9/);
    const ids = await store.all<{ id: string }>(sql`SELECT id FROM events ORDER BY id`);
    expect(ids.map((r) => r.id)).toEqual(['e1', 'e10', 'e3', 'e8']);
    expect(report.quarantined).toHaveLength(6);
  });

  it('loads the complete lines of a truncated .gz and reports where it broke', async () => {
    const body = [HEADER, ...Array.from({ length: 5000 }, (_, i) => good(i + 1))].join('\n') + '\n';
    const gz = gzipSync(Buffer.from(body));
    const file = join(dir.path, 'cut.csv.gz');
    writeFileSync(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const report = await importFile(store, file, identityMapping('events'));
    const q = await quarantine(store);
    expect(q).toHaveLength(1);
    expect(q[0]!.reason).toMatch(/truncated gzip/);
    const lastComplete = q[0]!.line - 1;
    // Every complete data line loaded, nothing after the break, and the row count includes the broken line.
    expect(report.accepted).toBe(lastComplete - 1);
    expect(report.rows).toBe(lastComplete);
    const ids = await store.all<{ max: number }>(sql`SELECT max(CAST(substr(id, 2) AS INTEGER)) AS max FROM events`);
    expect(ids[0]!.max).toBe(lastComplete - 1);
  });

  it('quarantines a broken JSONL line and loads the rest', async () => {
    const file = join(dir.path, 'events.jsonl');
    writeFileSync(
      file,
      [
        '{"id":"j1","type":"view","ts":"2024-03-01T10:00:00Z","customer_id":"c1","product_id":"p1","device":"mobile"}',
        '{"id":"j2","type":"view","ts":"2024-03-01T10:01:00+02:00","customer_id":"c1"',
        '',
        '[1,2,3]',
        '{"id":"j3","type":"search","ts":"2024-03-01T10:02:00Z","customer_id":"c2","query":"linen dress","properties":{"page":2}}',
      ].join('\n') + '\n',
    );
    const report = await importFile(store, file, identityMapping('events'));
    expect(report).toMatchObject({ format: 'jsonl', rows: 4, accepted: 2, rejected: 2 });
    const q = await quarantine(store);
    expect(q.map((r) => [r.line, r.reason])).toEqual([
      [2, 'not valid JSON'],
      [4, 'expected a JSON object, got array'],
    ]);
    const rows = await store.all(sql`SELECT id, strftime(ts, '%H:%M') AS t, query, properties::VARCHAR AS p FROM events ORDER BY id`);
    expect(rows).toEqual([
      { id: 'j1', t: '10:00', query: null, p: null },
      { id: 'j3', t: '10:02', query: 'linen dress', p: '{"page":2}' },
    ]);
  });

  it('quarantines the rows of a wrong-typed Parquet column by row number', async () => {
    const file = join(dir.path, 'lines.parquet');
    await plainSql(`COPY (SELECT 'p' || i AS id, 'order' AS type, TIMESTAMP '2024-01-01' + INTERVAL (i) HOUR AS ts, 'c1' AS customer_id,
        'sku' || i AS product_id, 'o' || i AS order_id, 1 AS quantity,
        CASE WHEN i % 4 = 0 THEN 'n/a' ELSE (i * 2.5)::VARCHAR END AS unit_price
      FROM range(1, 11) t(i)) TO '${file}' (FORMAT parquet)`);
    const report = await importFile(store, file, identityMapping('events'));
    expect(report).toMatchObject({ format: 'parquet', rows: 10, accepted: 8, rejected: 2 });
    const q = await quarantine(store);
    expect(q.map((r) => [r.line, r.column_name])).toEqual([
      [4, 'unit_price'],
      [8, 'unit_price'],
    ]);
    expect(q[0]!.reason).toContain('n/a');
  });

  it('stores typed Parquet columns as they are, empty ones as NULL, and still quarantines a row that fails a check', async () => {
    const file = join(dir.path, 'typed.parquet');
    await plainSql(`COPY (SELECT 't' || i AS id, CASE WHEN i = 3 THEN 'teleport' ELSE 'order' END AS type,
        TIMESTAMP '2024-01-01' + INTERVAL (i) HOUR AS ts, 'c1' AS customer_id, 'sku' || i AS product_id, 'o' || i AS order_id,
        i::INTEGER AS quantity, i * 2.5 AS unit_price, CASE WHEN i % 2 = 0 THEN 0.5 END AS discount
      FROM range(1, 6) t(i)) TO '${file}' (FORMAT parquet)`);
    const report = await importFile(store, file, identityMapping('events'));
    expect(report).toMatchObject({ format: 'parquet', rows: 5, accepted: 4, rejected: 1 });
    expect((await quarantine(store)).map((r) => [r.line, r.column_name, r.reason.slice(0, 22)])).toEqual([[3, 'type', 'unknown event type "te']]);
    const rows = await store.all<{ id: string; t: string; quantity: number; unit_price: number; discount: number | null }>(
      sql`SELECT id, strftime(ts, '%H:%M') AS t, quantity, unit_price, discount FROM events ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 't1', t: '01:00', quantity: 1, unit_price: 2.5, discount: null },
      { id: 't2', t: '02:00', quantity: 2, unit_price: 5, discount: 0.5 },
      { id: 't4', t: '04:00', quantity: 4, unit_price: 10, discount: 0.5 },
      { id: 't5', t: '05:00', quantity: 5, unit_price: 12.5, discount: null },
    ]);
  });

  it('fails a file whose mapped column is missing, naming it, and changes nothing', async () => {
    const file = join(dir.path, 'no-customer.csv');
    const rows = await plainSql<{ line: string }>(
      `SELECT InvoiceNo || ',' || StockCode || ',' || Quantity || ',' || InvoiceDate || ',' || UnitPrice || ',' || Country AS line
       FROM read_csv('${ONLINE_RETAIL}', all_varchar = true) WHERE Description NOT LIKE '%,%' LIMIT 20`,
    );
    writeFileSync(file, ['InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,Country', ...rows.map((r) => r.line)].join('\n'));
    await expect(importFile(store, file, presetMapping('online-retail'))).rejects.toThrow(
      /columns "CustomerID" \(mapped to customer_id\), "Description" \(mapped to product_title\) are not in the file; its columns are: InvoiceNo, StockCode/,
    );
    const n = await store.one<{ n: number }>(sql`SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM quarantine) AS n`);
    expect(n!.n).toBe(0);
  });

  it('reads a gz file the same as the plain file', async () => {
    const plain = join(dir.path, 'plain.csv');
    const body = [HEADER, ...Array.from({ length: 50 }, (_, i) => good(i + 1))].join('\n') + '\n';
    writeFileSync(plain, body);
    writeFileSync(`${plain}.gz`, gzipSync(readFileSync(plain)));
    const a = await importFile(store, plain, identityMapping('events'));
    const b = await importFile(store, `${plain}.gz`, identityMapping('events'));
    expect(a.accepted).toBe(50);
    expect(b).toMatchObject({ accepted: 0, duplicates: 50, rejected: 0 });
  });
});

describe('a badly quoted CSV line', () => {
  let store: Store;
  beforeEach(async () => (store = await memoryStore()));
  afterEach(() => store.close());
  const BAD_QUOTE = '536366,85123A,"bad "quote" here,6,12/1/2010 8:26,2.55,17850,United Kingdom';

  it('is quarantined with its line, and the rest of the file is imported', async () => {
    const lines = [
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
      '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom',
      BAD_QUOTE, // line 3
      '536365,71053,"WHITE METAL LANTERN, LARGE",6,2010-12-01 08:26:00,3.39,17850,United Kingdom',
      '536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,2010-12-01 08:34:00,1.69,13047,United Kingdom',
    ];
    const file = join(dir.path, 'bad-quote.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const report = await importFile(store, file, presetMapping('online-retail'));
    expect(report).toMatchObject({ rows: 4, accepted: 3, rejected: 1 });
    const q = await quarantine(store);
    expect(q.map((r) => r.line)).toEqual([3]);
    expect(q[0]!.reason).toMatch(/quote/i);
    const raw = await store.one<{ raw: string }>(sql`SELECT raw FROM quarantine`);
    expect(raw!.raw).toBe(BAD_QUOTE);
    const titles = await store.all<{ title: string }>(sql`SELECT title FROM products ORDER BY id`);
    expect(titles.map((t) => t.title)).toEqual(['WHITE METAL LANTERN, LARGE', 'ASSORTED COLOUR BIRD ORNAMENT', 'WHITE HANGING HEART T-LIGHT HOLDER']);
  });

  it('among the 541,909 lines of Online Retail (.gz) costs that line only', async () => {
    const text = gunzipSync(readFileSync(ONLINE_RETAIL)).toString('utf8');
    const at = 100_000;
    let cut = -1;
    for (let i = 0; i < at; i++) cut = text.indexOf('\n', cut + 1);
    const file = join(dir.path, 'online-retail-bad-quote.csv.gz');
    writeFileSync(file, gzipSync(`${text.slice(0, cut + 1)}${BAD_QUOTE}\n${text.slice(cut + 1)}`));
    const original = await importFile(store, ONLINE_RETAIL, presetMapping('online-retail'));
    const other = await memoryStore();
    try {
      const report = await importFile(other, file, presetMapping('online-retail'));
      expect(report).toMatchObject({ rows: original.rows + 1, accepted: original.accepted, rejected: original.rejected + 1 });
      const q = await other.all<{ line: number; raw: string }>(sql`SELECT line, raw FROM quarantine WHERE reason ILIKE '%quote%'`);
      expect(q).toEqual([{ line: at + 1, raw: BAD_QUOTE }]);
      const revenue = (s: Store) => s.one<{ r: number }>(sql`SELECT round(sum(quantity * unit_price), 2) AS r FROM events WHERE type = 'order'`);
      expect(await revenue(other)).toEqual(await revenue(store));
    } finally {
      other.close();
    }
  }, 120_000);
});
