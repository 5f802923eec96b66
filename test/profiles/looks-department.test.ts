import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField } from '../../src/demo/csv-writer.js';
import { generateDemo, importDemoFiles, type DemoFiles } from '../../src/demo/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { DEPARTMENT_WORDS } from '../../src/profiles/catalog.js';
import { makeProfile } from '../../src/profiles/profile.js';
import type { Profile } from '../../src/profiles/schema.js';
import { sql } from '../../src/sql/index.js';
import { importFile, presetMapping, Store } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

/**
 * Looks keep to the department a customer buys from where the catalog states whom products are for (docs/profiles.md).
 * The demo catalog states it for no product; here it is imported again with a `gender` attribute: everything one
 * buyer bought is men's, and every product of their looks before then is women's. Another buyer bought from both.
 */
const dir = tempDir();
const RUN = '2026-11-01 00:00:00';
let store: Store;
let files: DemoFiles;
/** The two buyers with the most orders: the first buys men's only, the second men's and women's. */
let only = '';
let mixed = '';
const before = new Map<string, Profile>();

const lookIds = (p: Profile): string[] => p.occasions.flatMap((o) => o.look_suggestion.map((i) => i.product_id));
const boughtBy = async (id: string): Promise<string[]> =>
  (await store.all<{ id: string }>(sql`SELECT DISTINCT product_id AS id FROM events WHERE customer_id = ${id} AND type = 'order' AND product_id IS NOT NULL ORDER BY 1`)).map((r) => r.id);

beforeAll(async () => {
  files = await generateDemo({ customers: 300, seed: 5, outDir: join(dir.path, 'demo') });
  store = await Store.open({ path: join(dir.path, 'shop.duckdb') });
  await importDemoFiles(store, files);
  await runPipeline(store, RUN);
  [only, mixed] = (await store.all<{ id: string }>(sql`SELECT customer_id AS id FROM customer_features ORDER BY orders DESC, customer_id LIMIT 2`)).map((r) => r.id) as [string, string];
  for (const id of [only, mixed]) before.set(id, await makeProfile(store, id));

  // Whom each product is for, spelt as shops do; products neither buyer touched alternate between the three.
  const gender = new Map<string, string>();
  const mixedBought = await boughtBy(mixed);
  mixedBought.forEach((id, i) => gender.set(id, i % 2 ? "Women's" : 'male'));
  for (const id of lookIds(before.get(only)!)) gender.set(id, 'Women');
  for (const id of await boughtBy(only)) gender.set(id, 'Men');
  const [header, ...lines] = readFileSync(files.products, 'utf8').trimEnd().split('\n');
  const rows = lines.map((line, i) => {
    const id = line.slice(0, line.indexOf(','));
    const at = line.lastIndexOf(',"{');
    const attributes = JSON.parse(line.slice(at + 2, -1).replaceAll('""', '"')) as Record<string, string>;
    return `${line.slice(0, at)},${csvField(JSON.stringify({ ...attributes, gender: gender.get(id) ?? ['women', 'men', 'unisex'][i % 3] }))}`;
  });
  const file = join(dir.path, 'products-with-gender.csv');
  writeFileSync(file, `${header}\n${rows.join('\n')}\n`);
  await importFile(store, file, presetMapping('segmint-products'), { name: 'products-with-gender.csv' });
}, 300_000);

afterAll(() => {
  store.close();
  dir.cleanup();
});

describe('looks where the catalog states departments', () => {
  it('keep a customer who buys only men’s items to men’s and unisex products, on the same store connection', async () => {
    const p = await makeProfile(store, only);
    const units = p.facts.find((f) => f.id === 'history.units')!.value;
    expect(p.facts.find((f) => f.id === 'style.departments')?.value).toEqual([{ value: 'men', units, share: 1 }]);
    const looks = lookIds(p);
    expect(looks.length).toBeGreaterThan(2);
    const stated = await store.all<{ gender: string }>(sql`SELECT attributes->>'gender' AS gender FROM products
      WHERE id IN (SELECT unnest(string_split(${looks.join(',')}, ',')))`);
    expect(stated).toHaveLength(looks.length);
    expect(stated.map((s) => DEPARTMENT_WORDS[s.gender.toLowerCase()]).filter((d) => d !== 'men' && d !== 'unisex')).toEqual([]);
    // Before the catalog said, their looks were made of what is now women's.
    expect(lookIds(before.get(only)!).length).toBeGreaterThan(2);
    expect(looks.filter((id) => lookIds(before.get(only)!).includes(id))).toEqual([]);
  });

  it('leave a customer who buys from both departments as they were', async () => {
    const p = await makeProfile(store, mixed);
    const shares = p.facts.find((f) => f.id === 'style.departments')?.value as Array<{ value: string }>;
    expect(shares.map((s) => s.value).sort()).toEqual(['men', 'women']);
    expect(p.occasions).toEqual(before.get(mixed)!.occasions);
  });

  it('state no departments for a catalog without them (the demo’s)', () => {
    for (const p of before.values()) expect(p.facts.map((f) => f.id)).not.toContain('style.departments');
  });
});
