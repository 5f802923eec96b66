import { priceTiersQuery } from '../features/index.js';
import { OCCASIONS } from '../segments/index.js';
import { castTo, formatTimestamp, join, jsonText, listContains, listFilter, listLength, listOf, matches, sql, type Sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import type { LookSlot } from './schema.js';

/**
 * The catalog as profiles read it: per product its price tier, style tags, occasions and look slot, worked out once
 * per store connection and catalog state rather than per profile (the tiers rank every product of a category, which
 * costs more than the rest of a profile), and held in memory: the products for the facts, the look items for the looks.
 */
/** What a profile reads of a product. */
export interface CatalogProduct {
  category: string | null;
  brand: string | null;
  colors: string[];
  materials: string[];
  price_tier: string | null;
  /** Style tags other than occasions. */
  tags: string[];
  /** Occasion tags, else the category's occasion. */
  occasions: string[];
  /** Whom the product is made for (women, men, unisex ...), when the catalog says; see DEPARTMENT_WORDS. */
  department: string | null;
}

/** A product that can make a look item, for one occasion it is made for (a product of two occasions is two). */
export interface LookProduct {
  occasion: string;
  slot: LookSlot;
  id: string;
  title: string;
  /** Its first color. */
  color: string | null;
  colors: string[];
  price: number;
  price_tier: string | null;
  /** 'YYYY-MM-DD HH:MM:SS', as as-of dates are written. */
  launched_at: string | null;
  department: string | null;
}

export interface ProfileCatalog {
  products: Map<string, CatalogProduct>;
  /** The look items of each occasion. */
  looks: Map<string, LookProduct[]>;
}

/**
 * The product attributes a shop states whom a product is for in (`gender`, else `department`), and their common
 * spellings; another value (kids) is kept as written, lower case. The demo catalog states neither.
 */
const DEPARTMENT_ATTRIBUTES = ['gender', 'department'] as const;
export const DEPARTMENT_WORDS: Readonly<Record<string, string>> = {
  women: 'women', woman: 'women', womens: 'women', "women's": 'women', female: 'women', ladies: 'women', f: 'women', w: 'women',
  men: 'men', man: 'men', mens: 'men', "men's": 'men', male: 'men', m: 'men',
  unisex: 'unisex', u: 'unisex', all: 'unisex',
};

function departmentSql(): Sql {
  const stated = sql`nullif(lower(trim(coalesce(${join(DEPARTMENT_ATTRIBUTES.map((a) => jsonText(sql`p.attributes`, [a])))}))), '')`;
  const words = join(Object.entries(DEPARTMENT_WORDS).map(([word, department]) => sql`WHEN ${word} THEN ${department}`), ' ');
  return sql`CASE ${stated} ${words} ELSE ${stated} END`;
}

/** A product without an occasion tag still says something through its category (docs/profiles.md). */
const CATEGORY_OCCASIONS: Readonly<Record<string, string>> = { activewear: 'sport', sneakers: 'casual', loungewear: 'casual', swimwear: 'travel' };

/** Words of a title that decide the slot whatever the category (activewear and loungewear hold tops and bottoms). */
const TITLE_SLOTS: ReadonlyArray<readonly [string, LookSlot]> = [
  ['leggings|joggers|shorts', 'bottom'],
  ['sports bra|running top|hoodie|sweatshirt', 'top'],
  ['track jacket|blazer', 'outerwear'],
];

/** The slot of each category; a category left out (swimwear, pyjamas) makes no look item unless its title says. */
const CATEGORY_SLOTS: Readonly<Record<string, LookSlot>> = {
  tops: 'top',
  knitwear: 'top',
  jeans: 'bottom',
  trousers: 'bottom',
  skirts: 'bottom',
  dresses: 'dress',
  shoes: 'shoes',
  sneakers: 'shoes',
  outerwear: 'outerwear',
  bags: 'accessory',
  accessories: 'accessory',
};

function slotSql(): Sql {
  const byTitle = TITLE_SLOTS.map(([pattern, slot]) => sql`WHEN ${matches(sql`lower(p.title)`, `\\b(${pattern})\\b`)} THEN ${slot}`);
  const byCategory = Object.entries(CATEGORY_SLOTS).map(([category, slot]) => sql`WHEN p.category = ${category} THEN ${slot}`);
  return sql`CASE ${join([...byTitle, ...byCategory], ' ')} END`;
}

/** Every product, with what a profile reads of it: style tags apart from occasion tags, occasions, tier and slot. */
function catalogQuery(): Sql {
  const fallback = join(Object.entries(CATEGORY_OCCASIONS).map(([category, occasion]) => sql`WHEN ${category} THEN [${occasion}]`), ' ');
  const styles = sql`coalesce(p.style_tags, [])`;
  const occasions = listFilter(styles, (x) => listContains(listOf(OCCASIONS), x));
  return sql`SELECT p.id, p.category, p.brand, coalesce(p.colors, []) AS colors, coalesce(p.materials, []) AS materials, t.price_tier,
    ${listFilter(styles, (x) => sql`NOT ${listContains(listOf(OCCASIONS), x)}`)} AS tags,
    CASE WHEN ${listLength(occasions)} > 0 THEN ${occasions} ELSE CASE p.category ${fallback} ELSE ${castTo(sql`[]`, 'VARCHAR[]')} END END AS occasions,
    ${slotSql()} AS slot, p.title, CASE WHEN ${listLength(sql`p.colors`)} > 0 THEN p.colors[1] END AS color, p.price, p.launched_at, ${departmentSql()} AS department
  FROM products p LEFT JOIN (${priceTiersQuery()}) t ON t.id = p.id`;
}

/**
 * What the catalog table was made from. Products change only through imports (each recorded in `imports`, and
 * removed from it when taken back) and through events naming products the store lacks (which add rows), so the
 * product count and the imports' count and latest start tell a changed catalog without reading it.
 */
export const catalogStamp = (): Sql =>
  sql`(SELECT count(*) FROM products) || ' ' || (SELECT count(*) FROM imports) || ' ' || coalesce(CAST((SELECT max(started_at) FROM imports) AS VARCHAR), '')`;

const held = new WeakMap<Store, ProfileCatalog & { stamp: string }>();

/** The catalog as of `stamp` (catalogStamp(), read with the customers' data): the one held for this store when the stamp is the same, else read again. */
export async function profileCatalog(store: Store, stamp: string): Promise<ProfileCatalog> {
  const kept = held.get(store);
  if (kept?.stamp === stamp) return kept;
  // The stamp before the reads: a change during them makes the next profile read the catalog again, never miss it.
  const now = (await store.one<{ stamp: string }>(sql`SELECT ${catalogStamp()} AS stamp`))!.stamp;
  const rows = await store.all<CatalogProduct & { id: string; slot: LookSlot | null; title: string | null; color: string | null; price: number | null; launched_at: string | null }>(sql`
    SELECT id, category, brand, colors, materials, price_tier, tags, occasions, department, slot, title, color, price,
      ${formatTimestamp(sql`launched_at`)} AS launched_at FROM (${catalogQuery()})`);
  const products = new Map<string, CatalogProduct>();
  const looks = new Map<string, LookProduct[]>();
  for (const { id, slot, title, color, price, launched_at, ...product } of rows) {
    products.set(id, product);
    if (slot === null || title === null || price === null || !(price > 0)) continue;
    for (const occasion of product.occasions) {
      let items = looks.get(occasion);
      if (!items) looks.set(occasion, (items = []));
      items.push({ occasion, slot, id, title, color, colors: product.colors, price, price_tier: product.price_tier, launched_at, department: product.department });
    }
  }
  const catalog = { stamp: now, products, looks };
  held.set(store, catalog);
  return catalog;
}
