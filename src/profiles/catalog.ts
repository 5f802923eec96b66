import { priceTiersQuery } from '../features/index.js';
import { OCCASIONS } from '../segments/ast.js';
import { ident, join, sql, type Sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import type { LookSlot } from './schema.js';

/**
 * The catalog as profiles read it: per product its price tier, occasions and look slot, worked out once per store
 * connection and catalog state rather than per profile (the tiers rank every product of a category, which costs more
 * than the rest of a profile). Kept in a temporary table of the store's connection, named by CATALOG.
 */
export const CATALOG = ident('profile_catalog');

/** A product without an occasion tag still says something through its category (docs/profiles.md). */
export const CATEGORY_OCCASIONS: Readonly<Record<string, string>> = { activewear: 'sport', sneakers: 'casual', loungewear: 'casual', swimwear: 'travel' };

/** Words of a title that decide the slot whatever the category (activewear and loungewear hold tops and bottoms). */
export const TITLE_SLOTS: ReadonlyArray<readonly [string, LookSlot]> = [
  ['leggings|joggers|shorts', 'bottom'],
  ['sports bra|running top|hoodie|sweatshirt', 'top'],
  ['track jacket|blazer', 'outerwear'],
];

/** The slot of each category; a category left out (swimwear, pyjamas) makes no look item unless its title says. */
export const CATEGORY_SLOTS: Readonly<Record<string, LookSlot>> = {
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

export const values = (items: readonly string[]): Sql => sql`[${join(items.map((v) => sql`${v}`))}]`;

function slotSql(): Sql {
  const byTitle = TITLE_SLOTS.map(([pattern, slot]) => sql`WHEN regexp_matches(lower(p.title), ${`\\b(${pattern})\\b`}) THEN ${slot}`);
  const byCategory = Object.entries(CATEGORY_SLOTS).map(([category, slot]) => sql`WHEN p.category = ${category} THEN ${slot}`);
  return sql`CASE ${join([...byTitle, ...byCategory], ' ')} END`;
}

/** Every product, with what a profile reads of it: style tags apart from occasion tags, occasions, tier and slot. */
function catalogQuery(): Sql {
  const fallback = join(Object.entries(CATEGORY_OCCASIONS).map(([category, occasion]) => sql`WHEN ${category} THEN [${occasion}]`), ' ');
  return sql`SELECT p.id, p.category, p.brand, coalesce(p.colors, []) AS colors, coalesce(p.materials, []) AS materials, t.price_tier,
    list_filter(coalesce(p.style_tags, []), x -> NOT list_contains(${values(OCCASIONS)}, x)) AS tags,
    coalesce(nullif(list_filter(coalesce(p.style_tags, []), x -> list_contains(${values(OCCASIONS)}, x)), []),
      CASE p.category ${fallback} ELSE [] END) AS occasions,
    ${slotSql()} AS slot, p.title, p.colors[1] AS color, p.price, p.launched_at
  FROM products p LEFT JOIN (${priceTiersQuery()}) t ON t.id = p.id`;
}

/**
 * What the catalog table was made from. Products change only through imports (each recorded in `imports`, and
 * removed from it when taken back) and through events naming products the store lacks (which add rows), so the
 * product count and the imports' count and latest start tell a changed catalog without reading it.
 */
export const catalogStamp = (): Sql =>
  sql`(SELECT count(*) FROM products) || ' ' || (SELECT count(*) FROM imports) || ' ' || coalesce(CAST((SELECT max(started_at) FROM imports) AS VARCHAR), '')`;

const built = new WeakMap<Store, string>();

/**
 * Runs `read` (a query over CATALOG that also answers catalogStamp() as `stamp`) against a catalog table as fresh as
 * the products: made at the first read on this store, made again when the stamp says the products changed since.
 */
export async function withCatalog<T extends { stamp: string }>(store: Store, read: () => Promise<T | undefined>): Promise<T | undefined> {
  if (built.has(store)) {
    const row = await read();
    if (row === undefined || row.stamp === built.get(store)) return row;
  }
  // Outside any other caller's transaction, whose rollback would take the table with it.
  await store.exclusive(async () => {
    const stamp = await store.one<{ stamp: string }>(sql`SELECT ${catalogStamp()} AS stamp`);
    await store.run(sql`CREATE OR REPLACE TEMP TABLE ${CATALOG} AS ${catalogQuery()}`);
    built.set(store, stamp!.stamp);
  });
  return read();
}
