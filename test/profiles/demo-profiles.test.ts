import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, importDemoFiles, type DemoFiles } from '../../src/demo/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { makeProfile } from '../../src/profiles/profile.js';
import { checkEvidence } from '../../src/profiles/evidence.js';
import { profileSchema, type Profile } from '../../src/profiles/schema.js';
import { sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

/**
 * Profiles of every customer of a demo store (1,500 customers, seed 11, one run): they validate, their looks are real
 * and complete, and new_behavior finds the behavior shifts the generator injected (ground_truth.csv's `shift`).
 */
const dir = tempDir();
const RUN = '2026-11-01 00:00:00';
let store: Store;
let files: DemoFiles;
const profiles = new Map<string, Profile>();
let truth: Array<{ id: string; shift: string }>;

beforeAll(async () => {
  files = await generateDemo({ customers: 1_500, seed: 11, outDir: join(dir.path, 'demo') });
  store = await Store.open({ path: join(dir.path, 'shop.duckdb') });
  await importDemoFiles(store, files);
  await runPipeline(store, RUN);
  truth = readFileSync(files.truth, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [id, , , shift] = line.split(',');
      return { id: id!, shift: shift ?? '' };
    });
  for (const { id } of truth) profiles.set(id, await makeProfile(store, id));
}, 1_200_000);

afterAll(() => {
  store.close();
  dir.cleanup();
});

describe('demo profiles', () => {
  it('validate against the schema, with evidence for every statement citing facts of the profile, whose numbers match', () => {
    expect(profiles.size).toBe(1_500);
    let numbers = 0;
    const openings = new Set<string>();
    for (const [id, p] of profiles) {
      expect(profileSchema.safeParse(p).success, id).toBe(true);
      expect(new Set(p.facts.map((f) => f.id)).size, `${id}: fact ids are unique`).toBe(p.facts.length);
      const check = checkEvidence(p);
      expect(check.problems, id).toEqual([]);
      numbers += check.numbers;
      openings.add(p.general_style.split(' ')[0]!);
    }
    expect(numbers).toBeGreaterThan(5_000);
    // Seeded phrasings: more than one way to open the style statement across customers.
    expect(openings.size).toBeGreaterThan(1);
  });

  it('is the same text for the same customer, date and seed, and other text for another seed', async () => {
    const id = [...profiles.keys()].find((k) => profiles.get(k)!.occasions.length > 1)!;
    const again = await makeProfile(store, id);
    const strip = (p: Profile) => ({ ...p, generated_at: '' });
    expect(strip(again)).toEqual(strip(profiles.get(id)!));
    const other = await makeProfile(store, id, { seed: 99 });
    expect(other.generator.seed).toBe(99);
    expect(JSON.stringify(strip(other))).not.toEqual(JSON.stringify(strip(again)));
  });

  it('suggest looks of existing products launched before the date, one per slot, none bought by the customer, in the occasion', async () => {
    const catalog = new Map(
      (await store.all<{ id: string; tags: string[]; launched: string | null }>(sql`SELECT id, style_tags AS tags, CAST(launched_at AS VARCHAR) AS launched FROM products`)).map((r) => [r.id, r]),
    );
    const bought = await store.all<{ customer_id: string; product_id: string }>(sql`SELECT DISTINCT customer_id, product_id FROM events WHERE type = 'order' AND ts < CAST(${RUN} AS TIMESTAMP)`);
    const boughtBy = new Map<string, Set<string>>();
    for (const b of bought) boughtBy.set(b.customer_id, (boughtBy.get(b.customer_id) ?? new Set()).add(b.product_id));
    let items = 0;
    let looks = 0;
    for (const [id, p] of profiles) {
      for (const o of p.occasions) {
        const look = o.look_suggestion;
        if (look.length) looks++;
        items += look.length;
        const slots = look.map((i) => i.slot);
        expect(new Set(slots).size, `${id} ${o.occasion}: a slot twice`).toBe(slots.length);
        expect(slots.includes('dress') && (slots.includes('top') || slots.includes('bottom')), `${id} ${o.occasion}: a dress with separates`).toBe(false);
        for (const item of look) {
          const product = catalog.get(item.product_id);
          expect(product, `${id}: ${item.product_id} exists`).toBeDefined();
          expect(boughtBy.get(id)?.has(item.product_id) ?? false, `${id}: ${item.product_id} was bought`).toBe(false);
          expect(product!.launched === null || product!.launched < RUN, `${id}: ${item.product_id} launched after the date`).toBe(true);
          expect(product!.tags.includes(o.occasion.toLowerCase()) || ['Sport', 'Casual', 'Travel'].includes(o.occasion), `${id}: ${item.product_id} is for ${o.occasion}`).toBe(true);
        }
      }
    }
    // Buyers' profiles have looks, and most looks are complete outfits (more than 3 items).
    expect(looks).toBeGreaterThan(500);
    expect(items / looks).toBeGreaterThan(3);
  });

  it('flag new_behavior for the injected behavior shifts with precision and recall of at least 0.8', () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const { id, shift } of truth) {
      const flagged = profiles.get(id)!.current_purchase_moment.new_behavior;
      if (flagged && shift) tp++;
      else if (flagged) fp++;
      else if (shift) fn++;
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log(`new_behavior against ${tp + fn} injected shifts among ${truth.length} customers: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (tp ${tp}, fp ${fp}, fn ${fn})`);
    expect(tp + fn).toBeGreaterThan(50);
    expect(precision).toBeGreaterThanOrEqual(0.8);
    expect(recall).toBeGreaterThanOrEqual(0.8);
  });
});
