import { writeFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { customerFeatures } from '../../src/features/index.js';
import { compile, ident, join, raw, sql } from '../../src/sql/index.js';
import { identityMapping, importFile, parseMapping } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.cleanup());

describe('sql builder', () => {
  it('binds every interpolated value and numbers placeholders in order', () => {
    const inner = sql`b = ${2}`;
    const q = sql`SELECT * FROM ${ident('t"x')} WHERE a = ${'1'} AND ${inner} AND c IN (${join([sql`${3}`, sql`${null}`])}) ${raw('LIMIT 1')}`;
    expect(compile(q)).toEqual({ text: 'SELECT * FROM "t""x" WHERE a = $1 AND b = $2 AND c IN ($3, $4) LIMIT 1', values: ['1', 2, 3, null] });
  });

  it('keeps strings that look like SQL as values on a real DuckDB', async () => {
    const store = await memoryStore();
    const evil = "x'; DROP TABLE events; --";
    const file = joinPath(dir.path, 'evil.csv');
    writeFileSync(file, `id,type,ts,customer_id,query\n"${evil}",search,2024-01-01 00:00:00,"${evil}","${evil}"\n`);
    expect((await importFile(store, file, identityMapping('events'))).accepted).toBe(1);
    const f = await customerFeatures(store, '2024-02-01', evil);
    expect(f?.customer_id).toBe(evil);
    expect(await customerFeatures(store, '2024-02-01', "' OR 1=1 --")).toBeUndefined();
    const rows = await store.all(sql`SELECT id, query FROM events`);
    expect(rows).toEqual([{ id: evil, query: evil }]);
    store.close();
  });

  it('treats a column name in a mapping as a name, never as SQL', async () => {
    const store = await memoryStore();
    const file = joinPath(dir.path, 'plain.csv');
    writeFileSync(file, 'type,ts,customer_id\nview,2024-01-01,c1\n');
    const mapping = parseMapping({ entity: 'events', columns: { type: 'type', ts: 'ts', customer_id: 'customer_id", 1); DROP TABLE events; --' } }, 'test');
    await expect(importFile(store, file, mapping)).rejects.toThrow(/column "customer_id", 1\); DROP TABLE events; --" \(mapped to customer_id\) is not in the file/);
    expect(await store.all(sql`SELECT count(*) AS n FROM events`)).toEqual([{ n: 0 }]);
    store.close();
  });

  it('rejects a mapping to a field the entity does not have', () => {
    expect(() => parseMapping({ entity: 'events', columns: { colour: 'c' } }, 'map.json')).toThrow(/map.json: columns.colour: "colour" is not a field of events/);
  });
});
