import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, type DemoFiles } from '../../src/demo/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import { importFile, presetMapping, PRESETS, Store, type ImportReport } from '../../src/store/index.js';
import { ONLINE_RETAIL, plainSql, tempDir } from '../helpers.js';
import { serveForTest, stopServer } from './harness.js';

const LIMIT = 1024 * 1024;
const dir = tempDir();
let files: DemoFiles;
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
const keys = { ingest: '', read: '', other: '' };

type Init = NonNullable<Parameters<typeof fetch>[1]>;

async function upload(query: string, body: Init['body'], key = keys.ingest, headers: Record<string, string> = {}) {
  // A stream body needs `duplex`, which Node's fetch takes though its type does not list it.
  const init = { method: 'POST', headers: { authorization: `Bearer ${key}`, ...headers }, body, duplex: 'half' } as Init;
  const res = await fetch(`${base}/v1/imports?${query}`, init);
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : null };
}

async function get(path: string, key = keys.ingest) {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : null };
}

const counts = (workspace: string) =>
  workspaces.use(workspace, async (store) =>
    (await store.one<{ customers: number; products: number; events: number; imports: number }>(sql`SELECT (SELECT count(*) FROM customers) AS customers,
      (SELECT count(*) FROM products) AS products, (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM imports) AS imports`))!,
  );

/** The same file through `importFile` into a fresh store: what the CLI would report. */
async function directly(file: string, preset: string): Promise<Omit<ImportReport, 'import_id' | 'file'>> {
  const store = await Store.open({ path: ':memory:' });
  try {
    const { import_id: _, file: __, ...report } = await importFile(store, file, presetMapping(preset));
    return report;
  } finally {
    store.close();
  }
}

const MALFORMED = [
  'id,type,ts,customer_id,product_id,order_id,quantity,unit_price',
  'm1,view,2026-03-01 10:00:00,C001,SKU-1,,,',
  'm2,order,yesterday,C001,SKU-1,o1,1,10',
  'm3,teleport,2026-03-01 10:00:00,C001,SKU-1,,,',
  'm4,order,2026-03-01 10:00:00,C001,SKU-1,o2,1',
  'm5,order,2026-03-01 10:00:00,C001,SKU-1,o3,-2,10',
  'm6,view,2026-03-01 11:00:00,C002,SKU-2,,,',
].join('\n');

beforeAll(async () => {
  files = await generateDemo({ customers: 300, seed: 4, outDir: join(dir.path, 'demo') });
  workspaces = await Workspaces.open({ dbPath: join(dir.path, 'shop.duckdb') });
  keys.ingest = (await createKey(workspaces.control, 'default', ['ingest:write'], 'test')).key;
  keys.read = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
  keys.other = (await createKey(workspaces.control, 'other', ['ingest:write'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces, { importBodyLimit: LIMIT }));
}, 120_000);

afterAll(() => stopServer(app, workspaces, dir));

describe('POST /v1/imports', () => {
  it('imports the demo files as the CLI does, gzipped or not, and counts a re-sent file as duplicates', async () => {
    const customers = await upload('preset=segmint-customers&name=customers.csv', readFileSync(files.customers), keys.ingest, { 'content-type': 'text/csv' });
    expect(customers.status).toBe(201);
    expect(customers.json).toMatchObject({ file: 'customers.csv', entity: 'customers', format: 'csv', accepted: 300, rejected: 0 });
    const products = await upload('entity=products', readFileSync(files.products));
    expect(products.json).toMatchObject({ file: 'upload.csv', entity: 'products', accepted: 200 });
    const gz = gzipSync(readFileSync(files.events));
    expect(gz.length).toBeLessThan(LIMIT);
    const events = await upload('preset=segmint-events', gz, keys.ingest, { 'content-type': 'application/gzip' });
    expect(events.status).toBe(201);
    expect(events.json.file).toBe('upload.csv.gz');
    const { import_id: _, file: __, ...report } = events.json as ImportReport;
    expect(report).toEqual(await directly(files.events, 'segmint-events'));
    expect(report.accepted).toBe(files.counts.events);
    expect(await counts('default')).toMatchObject({ customers: 300, products: 200, events: files.counts.events });
    const again = await upload('preset=segmint-events', gz);
    expect(again.json).toMatchObject({ accepted: 0, duplicates: files.counts.events, rejected: 0 });
  });

  it('reads JSONL and Parquet', async () => {
    const jsonl = ['{"id":"j1","type":"view","ts":"2026-04-01T09:00:00Z","customer_id":"J1"}', '{"id":"j2","type":"view"', '[1]', ''].join('\n');
    const j = await upload('format=jsonl&name=web.jsonl', jsonl);
    expect(j.json).toMatchObject({ format: 'jsonl', accepted: 1, rejected: 2, quarantined: [{ line: 2, reason: 'not valid JSON' }, { line: 3, reason: 'expected a JSON object, got array' }] });
    const parquet = join(dir.path, 'products.parquet');
    await plainSql(`COPY (SELECT * REPLACE ('P-' || id AS id) FROM read_csv('${files.products}', all_varchar = true)) TO '${parquet}' (FORMAT parquet)`);
    const p = await upload('preset=segmint-products&format=parquet', readFileSync(parquet));
    expect(p.status).toBe(201);
    expect(p.json).toMatchObject({ format: 'parquet', accepted: 200, rejected: 0 });
  });

  it('quarantines the bad rows of a malformed file with their line, column and reason, a page at a time', async () => {
    const r = await upload('entity=events&name=broken.csv', MALFORMED);
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ file: 'broken.csv', rows: 6, accepted: 2, rejected: 4 });
    const id = (r.json as ImportReport).import_id;
    const first = await get(`/v1/imports/${id}/quarantine?limit=2`);
    expect(first.json).toMatchObject({ import_id: id, total: 4, limit: 2, offset: 0 });
    const second = await get(`/v1/imports/${id}/quarantine?limit=2&offset=2`);
    const rows = [...first.json.rows, ...second.json.rows] as Array<{ line: number; column: string; reason: string; raw: string }>;
    expect(rows.map((q) => [q.line, q.column])).toEqual([[3, 'ts'], [4, 'type'], [5, 'unit_price'], [6, 'quantity']]);
    expect(rows[0]!.reason).toBe('cannot read as a timestamp (ts): yesterday');
    expect(rows[1]!.reason).toMatch(/^unknown event type "teleport"/);
    expect(rows[0]!.raw).toContain('yesterday');
    const listed = await get('/v1/imports?limit=1');
    expect(listed.json).toMatchObject({ limit: 1, imports: [{ id, file: 'broken.csv', rows: 6, accepted: 2, rejected: 4 }] });
    expect(listed.json.total).toBeGreaterThanOrEqual(5);
    expect((await get('/v1/imports/nope/quarantine')).status).toBe(404);
    expect((await get(`/v1/imports/${id}/quarantine?limit=0`)).status).toBe(400);
  });

  it('answers a file that cannot be imported at all with 422, and a bad choice of mapping with 400', async () => {
    const missing = await upload('preset=online-retail', readFileSync(files.customers));
    expect(missing.status).toBe(422);
    expect(missing.json.error).toMatchObject({ code: 'import_failed', details: { file: 'upload.csv' } });
    expect(missing.json.error.message).toMatch(/^upload.csv: columns .*"InvoiceNo" \(mapped to order_id\).* are not in the file/);
    // With a mapping drafted from the file, which imports it: the demo's customers file, by its own column names.
    const draft = missing.json.error.details.draft as { entity: string; columns: Record<string, unknown> };
    expect(draft).toMatchObject({ entity: 'customers', columns: { id: 'id', email: 'email', phone: 'phone', created_at: 'created_at', consent_email: 'consent_email' } });
    const drafted = await upload(`mapping=${encodeURIComponent(JSON.stringify(draft))}&name=drafted.csv`, readFileSync(files.customers));
    expect(drafted.status).toBe(201);
    expect(drafted.json).toMatchObject({ entity: 'customers', rejected: 0, rows: 300 });
    expect((await upload('format=parquet', 'not,parquet\n1,2\n')).json.error.code).toBe('import_failed');
    const bad = async (query: string) => (await upload(query, 'id\nx\n')).json.error as { code: string; message: string };
    expect(await bad('mapping=%7Bnope')).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^mapping: not valid JSON/) });
    expect((await bad(`mapping=${encodeURIComponent(JSON.stringify({ entity: 'customers', columns: { nope: 'id' } }))}`)).message).toMatch(/"nope" is not a field of customers/);
    const typo = { entity: 'events', columns: { ts: { column: 'ts', fromat: '%d/%m/%Y' } } };
    expect((await bad(`mapping=${encodeURIComponent(JSON.stringify(typo))}`)).message).toBe('mapping: columns.ts.fromat: unknown key; keys here: column, format, split, prefix, values, divide, path, level, fallback');
    const idOnly = encodeURIComponent(JSON.stringify({ entity: 'customers', columns: { id: 'id' } }));
    expect((await bad(`preset=segmint-events&mapping=${idOnly}`)).message).toBe('give either preset or mapping, not both');
    const csvOnly = encodeURIComponent(JSON.stringify({ entity: 'customers', format: 'csv', columns: { id: 'id' } }));
    expect((await bad(`mapping=${csvOnly}&format=jsonl`)).message).toBe('format jsonl does not match the mapping, which reads csv');
    expect((await bad('preset=segmint-events&entity=customers')).message).toBe('entity customers does not match the mapping, which is for events');
    expect((await bad('preset=nope')).message).toMatch(/^unknown preset "nope"/);
    expect((await bad('entity=people')).code).toBe('invalid_input');
    expect((await upload('entity=customers', undefined)).json.error.message).toMatch(/request body is empty/);
    expect((await upload('entity=customers', '')).json.error.message).toMatch(/request body is empty/);
  });

  it('takes a mapping with a value map, cents and a currency, and lists the values it lacks with their counts, as the CLI does', async () => {
    const file = ['kind,at,who,sku,qty,cents', 'buy,2026-05-01 10:00:00,W1,SKU-1,2,1250', 'look,2026-05-01 09:00:00,W1,SKU-1,,', 'wish,2026-05-01 09:30:00,W1,SKU-1,,', 'wish,2026-05-01 09:31:00,W2,SKU-2,,'].join('\n');
    const mapping = {
      entity: 'events',
      columns: { type: { column: 'kind', values: { buy: 'order', look: 'view' } }, ts: 'at', customer_id: 'who', product_id: 'sku', quantity: 'qty', unit_price: { column: 'cents', divide: 100 } },
      currency: 'EUR',
    };
    const r = await upload(`mapping=${encodeURIComponent(JSON.stringify(mapping))}&name=wishes.csv`, file);
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ rows: 4, accepted: 2, rejected: 2, unmapped: [{ field: 'type', column: 'kind', value: 'wish', rows: 2 }], currencies: { EUR: 1 } });
    const stored = await workspaces.use('default', (store) => store.all(sql`SELECT type, unit_price, currency FROM events WHERE import_id = ${r.json.import_id as string} ORDER BY ts`));
    expect(stored).toEqual([{ type: 'view', unit_price: null, currency: 'EUR' }, { type: 'order', unit_price: 12.5, currency: 'EUR' }]);
  });

  it('refuses a body over the import limit with 413, announced or streamed, and stores nothing', async () => {
    const uploads = () => new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('segmint-upload-')));
    const leftBefore = uploads();
    const before = await counts('default');
    const plain = readFileSync(files.events);
    expect(plain.length).toBeGreaterThan(LIMIT);
    const announced = await upload('preset=segmint-events', plain);
    expect(announced.status).toBe(413);
    expect(announced.json.error).toMatchObject({ code: 'payload_too_large', details: { limit_bytes: LIMIT } });
    const chunks = [plain.subarray(0, LIMIT / 2), plain.subarray(LIMIT / 2)];
    // Sent in chunks without a length: the server finds out only while reading.
    const body = new ReadableStream<Uint8Array>({
      pull: (c) => {
        const next = chunks.shift();
        if (next) c.enqueue(next);
        else c.close();
      },
    });
    const streamed = await upload('preset=segmint-events', body);
    expect(streamed.status).toBe(413);
    // The rest of the refused body was drained, so the connection serves the next requests.
    for (let i = 0; i < 3; i++) {
      expect((await get('/v1/imports')).status).toBe(200);
      expect((await fetch(`${base}/v1/imports?entity=customers`, { method: 'POST', body: 'id\nx\n' })).status).toBe(401);
    }
    expect(await counts('default')).toEqual(before);
    // The partial upload is gone with the refusal.
    expect([...uploads()].filter((f) => !leftBefore.has(f))).toEqual([]);
  });
});

describe('DELETE /v1/imports/:id', () => {
  const remove = async (id: string, key = keys.ingest) => {
    const res = await fetch(`${base}/v1/imports/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
  };
  const file = ['id,type,ts,customer_id,product_id,order_id,quantity,unit_price', 'tb1,order,2026-05-01 10:00:00,TB1,TB-SKU,tbo1,1,10', 'tb2,view,bad,TB1,TB-SKU,,,'].join('\n');

  it('takes back an import as `segmint imports rm` does, and only in its own workspace', async () => {
    const before = await counts('default');
    const added = await upload('entity=events&name=takeback.csv', file);
    expect(added.json).toMatchObject({ accepted: 1, rejected: 1 });
    const id = (added.json as ImportReport).import_id;
    expect((await remove(id, keys.read)).status).toBe(403);
    expect((await remove(id, keys.other)).status).toBe(404);
    const removed = await remove(id);
    expect(removed.status).toBe(200);
    expect(removed.json).toEqual({ import_id: id, file: 'takeback.csv', removed: { events: 1, customers: 1, products: 1, quarantined: 1 }, stale: null });
    expect(await counts('default')).toEqual(before);
    expect((await get(`/v1/imports/${id}/quarantine`)).status).toBe(404);
    expect((await remove(id)).json.error?.code).toBe('not_found');
  });

  it('replaces an earlier import of the same name, and fails above max_rejected storing nothing', async () => {
    const before = await counts('default');
    const over = await upload('entity=events&name=limited.csv&max_rejected=0', file);
    expect(over.status).toBe(422);
    expect(over.json.error.message).toBe('limited.csv: 1 of 2 rows rejected, more than the limit of 0; nothing imported. Top reasons: 1 × cannot read as a timestamp (ts): bad (line 3)');
    expect(await counts('default')).toEqual(before);
    expect((await upload('entity=events&max_rejected=lots', file)).json.error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^max_rejected: "lots" is not/) });
    const first = await upload('entity=events&name=limited.csv&max_rejected=50%25', file);
    expect(first.status).toBe(201);
    const again = await upload('entity=events&name=limited.csv&replace=true', file);
    expect(again.json).toMatchObject({ accepted: 1, duplicates: 0, replaced: [{ import_id: first.json.import_id, removed: { events: 1 } }] });
    expect((await counts('default')).imports).toBe(before.imports + 1);
  });
});

describe('GET /v1/imports/:id', () => {
  it('answers one import as the listing has it, and 404 naming an unknown id', async () => {
    const listed = (await get('/v1/imports?limit=1000')).json.imports as Array<{ id: string; rejected: number }>;
    expect(listed.length).toBeGreaterThan(2);
    for (const record of [listed[0]!, listed.at(-1)!, listed.find((i) => i.rejected > 0)!]) {
      const one = await get(`/v1/imports/${record.id}`);
      expect(one.status).toBe(200);
      expect(one.json).toEqual(record);
    }
    const unknown = await get('/v1/imports/0123456789abcdef0123456789abcdef');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toBe('no import "0123456789abcdef0123456789abcdef"');
  });
});

describe('GET /v1/imports/presets', () => {
  it('lists every preset with a description and the columns it reads, which a file in that layout has', async () => {
    const res = await get('/v1/imports/presets');
    expect(res.status).toBe(200);
    const presets = res.json as Array<{ name: string; entity: string; description: string; columns: string[] }>;
    expect(presets.map((p) => p.name)).toEqual(Object.keys(PRESETS));
    for (const p of presets) {
      expect(p.description.length, p.name).toBeGreaterThan(20);
      expect(p.entity, p.name).toBe(PRESETS[p.name]!.entity);
    }
    // The real file's header holds every column the preset reads, and the demo's events file those of segmint-events.
    const header = (await plainSql<{ name: string }>(`SELECT column_name AS name FROM (DESCRIBE SELECT * FROM read_csv('${ONLINE_RETAIL}'))`)).map((c) => c.name);
    expect(presets.find((p) => p.name === 'online-retail')!.columns.sort()).toEqual(
      ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'].sort(),
    );
    expect(header).toEqual(expect.arrayContaining(presets.find((p) => p.name === 'online-retail')!.columns));
    const demoHeader = readFileSync(files.events, 'utf8').slice(0, 2000).split('\n')[0]!.split(',');
    expect(demoHeader).toEqual(expect.arrayContaining(presets.find((p) => p.name === 'segmint-events')!.columns));
    expect(presets.find((p) => p.name === 'shopify-orders')!.columns).toEqual(expect.arrayContaining(['Lineitem sku', 'Lineitem name']));
  });
});

describe('auth and workspaces', () => {
  it('needs ingest:write for every import route and keeps workspaces apart', async () => {
    const body = 'id,email\nW1,w1@example.org\n';
    for (const [method, path] of [['POST', '/v1/imports?entity=customers'], ['GET', '/v1/imports'], ['GET', '/v1/imports/presets'], ['GET', '/v1/imports/x'], ['GET', '/v1/imports/x/quarantine'], ['DELETE', '/v1/imports/x']] as const) {
      const none = await fetch(`${base}${path}`, { method, body: method === 'POST' ? body : undefined });
      expect(none.status, `${method} ${path}`).toBe(401);
      const read = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${keys.read}` }, body: method === 'POST' ? body : undefined });
      expect(read.status, `${method} ${path}`).toBe(403);
    }
    const mine = (await get('/v1/imports?limit=1000')).json.imports as Array<{ id: string }>;
    const before = await counts('default');
    const theirs = await upload('entity=customers&name=theirs.csv', body, keys.other);
    expect(theirs.json).toMatchObject({ accepted: 1 });
    expect(await counts('default')).toEqual(before);
    expect((await counts('other')).customers).toBe(1);
    const listed = (await get('/v1/imports', keys.other)).json as { total: number; imports: Array<{ file: string }> };
    expect(listed).toMatchObject({ total: 1, imports: [{ file: 'theirs.csv' }] });
    expect((await get(`/v1/imports/${mine[0]!.id}/quarantine`, keys.other)).status).toBe(404);
    expect((await get(`/v1/imports/${mine[0]!.id}`, keys.other)).status).toBe(404);
  });

  it('documents the routes in OpenAPI, with the file as a binary body', async () => {
    const doc = (await get('/docs/json')).json as { paths: Record<string, Record<string, { description: string; requestBody?: { content: Record<string, { schema: { format: string } }> } }>> };
    expect(doc.paths['/v1/imports']?.post?.description).toContain('ingest:write');
    expect(doc.paths['/v1/imports']?.post?.requestBody?.content['text/csv']?.schema.format).toBe('binary');
    expect(doc.paths['/v1/imports']?.get?.description).toContain('ingest:write');
    expect(doc.paths['/v1/imports/{id}/quarantine']?.get?.description).toContain('ingest:write');
    expect(doc.paths['/v1/imports/{id}']?.delete?.description).toContain('ingest:write');
    const removal = (doc.paths['/v1/imports/{id}']?.delete as unknown as { responses: Record<string, { content: Record<string, { schema: { required: string[] } }> }> }).responses['200'];
    expect(removal?.content['application/json']?.schema.required).toEqual(['import_id', 'file', 'removed', 'stale']);
  });
});
