import { join, sql, type Sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { LOOK_ITEMS, values } from './catalog.js';
import type { ProfileFacts } from './facts.js';
import type { LookItem, LookSlot } from './schema.js';

/**
 * Complete looks of real catalog products: for an occasion, at most one product per slot, made for the occasion,
 * launched before the as-of date, in the customer's price tier and colors where the catalog has them, and never a
 * product the customer bought. docs/profiles.md documents the slot map (catalog.ts).
 */

/** Occasions dressed with a dress when the catalog has one; the others with a top and a bottom. */
const DRESS_OCCASIONS: ReadonlySet<string> = new Set(['party', 'wedding', 'evening', 'date', 'formal']);
/** Candidates kept per occasion and slot, so one product is not suggested for two occasions. */
const PER_SLOT = 3;
const TIER_ORDER = ['low', 'mid', 'high'];
/** The share of the units bought (of a stated department other than unisex) that makes a department the customer's. */
export const DEPARTMENT_SHARE = 0.8;

/**
 * The department a customer buys from, when the catalog states departments and one has at least DEPARTMENT_SHARE of
 * the units bought from any but unisex: their looks keep to it (and unisex and unstated products). A customer who
 * buys from several (for others too) gets no such limit.
 */
export function lookDepartment(f: ProfileFacts): string | null {
  const stated = f.departments.filter((d) => d.value !== 'unisex');
  const total = stated.reduce((sum, d) => sum + d.units, 0);
  const top = stated[0];
  return top && top.units / total >= DEPARTMENT_SHARE ? top.value : null;
}

interface Candidate {
  occasion: string;
  slot: LookSlot;
  product_id: string;
  title: string;
  color: string | null;
  price: number;
  rank: number;
}

/**
 * The best PER_SLOT products per occasion and slot: a tier match first (the customer's main tier, then the next one),
 * then how much of the customer's color mix the product carries, then a seeded hash, so two customers with the same
 * tastes do not get the very same looks.
 */
function candidatesQuery(f: ProfileFacts, occasions: readonly string[], seed: number): Sql {
  const at = sql`CAST(${f.asOf} AS TIMESTAMP)`;
  const mainTier = f.priceTiers[0]?.value ?? 'mid';
  const colorWeights = f.colors.length
    ? join(f.colors.map((c) => sql`CASE WHEN list_contains(p.colors, ${c.value}) THEN ${c.share} ELSE 0 END`), ' + ')
    : sql`0`;
  const tierIndex = sql`list_position(${values(TIER_ORDER)}, p.price_tier)`;
  const department = lookDepartment(f);
  return sql`WITH
c AS (
  SELECT p.occasion, p.slot, p.id AS product_id, p.title, p.color, p.price,
    abs(coalesce(${tierIndex}, 2) - ${TIER_ORDER.indexOf(mainTier) + 1}) AS tier_gap, ${colorWeights} AS color_fit,
    hash(${f.customerId}, ${seed}, p.id) AS shuffle
  FROM ${LOOK_ITEMS} p
  WHERE list_contains(${values(occasions)}, p.occasion) AND (p.launched_at IS NULL OR p.launched_at < ${at})
    ${f.bought.length ? sql`AND p.id NOT IN (${join(f.bought.map((id) => sql`${id}`))})` : sql``}
    ${department ? sql`AND (p.department IS NULL OR p.department IN ('unisex', ${department}))` : sql``}
)
SELECT occasion, slot, product_id, title, color, price, CAST(rank AS INTEGER) AS rank FROM (
  SELECT *, row_number() OVER (PARTITION BY occasion, slot ORDER BY tier_gap, color_fit DESC, shuffle, product_id) AS rank FROM c WHERE slot IS NOT NULL
) WHERE rank <= ${PER_SLOT} AND tier_gap <= 1
ORDER BY occasion, slot, rank`;
}

/** "Beige tailored wool blazer": the product's first color and its title, as the seed writes an item. */
export function describeItem(title: string, color: string | null): string {
  const words = title.toLowerCase();
  const text = color && !words.includes(color.toLowerCase()) ? `${color} ${words}` : words;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** One look per occasion, in the order given; an occasion the catalog cannot dress gets an empty look. */
export async function buildLooks(store: Store, f: ProfileFacts, occasions: readonly string[], seed: number): Promise<Map<string, LookItem[]>> {
  const looks = new Map<string, LookItem[]>();
  if (occasions.length === 0) return looks;
  const rows = await store.all<Candidate>(candidatesQuery(f, occasions, seed));
  const used = new Set<string>();
  for (const occasion of occasions) {
    const best = (slot: LookSlot): Candidate | undefined => rows.find((r) => r.occasion === occasion && r.slot === slot && !used.has(r.product_id));
    const dress = best('dress');
    const separates = best('top') && best('bottom');
    const wantsDress = dress && (DRESS_OCCASIONS.has(occasion) || !separates);
    const slots: LookSlot[] = [...(wantsDress ? (['dress'] as const) : (['top', 'bottom'] as const)), 'outerwear', 'shoes', 'accessory'];
    const items: LookItem[] = [];
    for (const slot of slots) {
      const pick = best(slot);
      if (!pick) continue;
      used.add(pick.product_id);
      items.push({ description: describeItem(pick.title, pick.color), product_id: pick.product_id, slot, price: pick.price });
    }
    looks.set(occasion, items);
  }
  return looks;
}
