import MiniSearch from 'minisearch';
import { OCCASIONS, levenshtein } from '../../segments/index.js';
import { ident, listJoin, sql, unnestList } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import { forms } from './tokens.js';
import { COUNTRIES, PHRASES, SYNONYMS, type Meaning, type ProductField } from './vocabulary.js';

/**
 * The interpreter's vocabulary for one store: the fixed phrases (vocabulary.ts), the store's own catalog words
 * (categories, brands, colors, materials, style tags and occasions of its products, its channels and devices) with
 * synonyms that point at them, and a BM25 index over product titles and attributes for words none of these know.
 */
export interface Lexicon {
  /** Phrase key (normalised words joined by a space) -> what it may mean, the first being the choice. */
  meanings: ReadonlyMap<string, readonly Meaning[]>;
  /** Longest phrase, in words. */
  longest: number;
  /** Catalog values by field, as the store spells them. */
  catalog: Readonly<Record<ProductField, readonly string[]>>;
  search: MiniSearch<ProductDoc>;
  products: ReadonlyMap<string, ProductDoc>;
}

export interface ProductDoc {
  id: string;
  title: string;
  category: string;
  brand: string;
  colors: string;
  materials: string;
  tags: string;
}

/** Lower case, words of letters and digits separated by one space: how phrases and text are compared. */
export function phraseKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'-]+/gu, ' ')
    .trim();
}

/** Keys a catalog value is found by: itself, and its last word singular or plural (dresses, dress). */
function keysOf(value: string): string[] {
  const words = phraseKey(value).split(' ');
  const last = words.pop() ?? '';
  return forms({ normal: last, root: last }).map((f) => [...words, f].join(' '));
}

const productFields = async (store: Store, column: 'category' | 'brand'): Promise<string[]> =>
  (await store.all<{ v: string }>(sql`SELECT DISTINCT ${ident(column)} AS v FROM products WHERE v IS NOT NULL AND v <> '' ORDER BY 1`)).map((r) => r.v);

const listValues = async (store: Store, column: 'colors' | 'materials' | 'style_tags'): Promise<string[]> =>
  (await store.all<{ v: string }>(sql`SELECT DISTINCT v FROM (SELECT ${unnestList(ident(column))} AS v FROM products) WHERE v IS NOT NULL AND v <> '' ORDER BY 1`)).map((r) => r.v);

const eventValues = async (store: Store, column: 'channel' | 'device'): Promise<Set<string>> =>
  new Set((await store.all<{ v: string }>(sql`SELECT DISTINCT ${ident(column)} AS v FROM events WHERE v IS NOT NULL`)).map((r) => r.v));

export async function loadLexicon(store: Store): Promise<Lexicon> {
  const tags = await listValues(store, 'style_tags');
  const occasionWords: readonly string[] = OCCASIONS;
  const catalog: Record<ProductField, string[]> = {
    category: await productFields(store, 'category'),
    brand: await productFields(store, 'brand'),
    color: await listValues(store, 'colors'),
    material: await listValues(store, 'materials'),
    occasion: tags.filter((t) => occasionWords.includes(t)),
    tag: tags.filter((t) => !occasionWords.includes(t)),
  };
  const channels = await eventValues(store, 'channel');
  const devices = await eventValues(store, 'device');
  const meanings = new Map<string, Meaning[]>();
  const add = (key: string, meaning: Meaning): void => {
    const list = meanings.get(key) ?? [];
    if (!list.some((x) => JSON.stringify(x) === JSON.stringify(meaning))) list.push(meaning);
    meanings.set(key, list);
  };
  // Catalog words first: in this store, "black" is a color before anything else.
  for (const [field, values] of Object.entries(catalog) as Array<[ProductField, string[]]>) {
    for (const value of values) for (const key of keysOf(value)) add(key, { kind: 'product', field, value });
  }
  for (const [key, meaning] of PHRASES) {
    // A channel or device the store never records would select nobody; such words are left not understood.
    if (meaning.kind === 'channel' && !channels.has(meaning.value)) continue;
    if (meaning.kind === 'device' && !devices.has(meaning.value)) continue;
    add(key, meaning);
  }
  for (const { field, value, words } of SYNONYMS) {
    if (!catalog[field].includes(value)) continue;
    for (const word of words) for (const key of keysOf(word)) add(key, { kind: 'product', field, value });
  }
  for (const [name, code] of COUNTRIES) add(name, { kind: 'country', code });

  const rows = await store.all<ProductDoc>(sql`SELECT id, coalesce(title, '') AS title, coalesce(category, '') AS category, coalesce(brand, '') AS brand,
    ${listJoin(sql`coalesce(colors, [])`, ' ')} AS colors, ${listJoin(sql`coalesce(materials, [])`, ' ')} AS materials,
    ${listJoin(sql`coalesce(style_tags, [])`, ' ')} AS tags FROM products ORDER BY id`);
  const search = new MiniSearch<ProductDoc>({ fields: ['title', 'category', 'brand', 'colors', 'materials', 'tags'], storeFields: ['category'] });
  search.addAll(rows);
  const longest = Math.max(...[...meanings.keys()].map((k) => k.split(' ').length));
  return { meanings, longest, catalog, search, products: new Map(rows.map((r) => [r.id, r])) };
}

/**
 * The closest known single word to a misspelt one, if it is close enough to be a typo: one edit for words of four to
 * six letters, two for longer ones. Ties go to the alphabetically first, so the answer is the same every time.
 */
export function closestWord(lexicon: Lexicon, word: string): string | undefined {
  if (word.length < 4) return undefined;
  const reach = word.length >= 7 ? 2 : 1;
  let best: { key: string; distance: number } | undefined;
  for (const key of lexicon.meanings.keys()) {
    if (key.includes(' ') || key.includes('#') || Math.abs(key.length - word.length) > reach) continue;
    // A typo of "for" or "the" would say nothing; only words with a meaning are worth guessing.
    if (['filler', 'boundary', 'join'].includes(lexicon.meanings.get(key)![0]!.kind)) continue;
    const distance = levenshtein(word, key);
    if (distance <= reach && (!best || distance < best.distance || (distance === best.distance && key < best.key))) best = { key, distance };
  }
  return best?.key;
}

/** Products whose title or attributes match a word, best first (BM25, with prefixes and small typos). */
export function searchProducts(lexicon: Lexicon, word: string, limit = 50): Array<{ id: string; category: string; score: number }> {
  return lexicon.search
    .search(word, { prefix: true, fuzzy: 0.2, boost: { title: 2 } })
    .slice(0, limit)
    .map((r) => ({ id: String(r.id), category: String(r.category), score: r.score }));
}
