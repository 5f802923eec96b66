import { fmix32, fnv1a } from '../shared/hash.js';
import type { LookProduct, ProfileCatalog } from './catalog.js';
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
const DEPARTMENT_SHARE = 0.8;

/**
 * The department a customer buys from, when the catalog states departments and one has at least DEPARTMENT_SHARE of
 * the units bought from any but unisex: their looks keep to it (and unisex and unstated products). A customer who
 * buys from several (for others too) gets no such limit.
 */
function lookDepartment(f: ProfileFacts): string | null {
  const stated = f.departments.filter((d) => d.value !== 'unisex');
  const total = stated.reduce((sum, d) => sum + d.units, 0);
  const top = stated[0];
  return top && top.units / total >= DEPARTMENT_SHARE ? top.value : null;
}

interface Candidate {
  item: LookProduct;
  tierGap: number;
  colorFit: number;
  shuffle: number;
}

const byFit = (a: Candidate, b: Candidate): number =>
  a.tierGap - b.tierGap || b.colorFit - a.colorFit || a.shuffle - b.shuffle || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0);

/**
 * The best PER_SLOT products per slot for an occasion: a tier match first (the customer's main tier, then the next
 * one; an unknown tier counts as mid), then how much of the customer's color mix the product carries, then a seeded
 * hash, so two customers with the same tastes do not get the very same looks.
 */
function candidates(items: readonly LookProduct[], f: ProfileFacts, seed: number): Map<LookSlot, Candidate[]> {
  const mainTier = TIER_ORDER.indexOf(f.priceTiers[0]?.value ?? 'mid');
  const department = lookDepartment(f);
  const bought = new Set(f.bought);
  const customer = fnv1a(`${f.customerId}\u0000${seed}`);
  const bySlot = new Map<LookSlot, Candidate[]>();
  for (const item of items) {
    if ((item.launched_at !== null && item.launched_at >= f.asOf) || bought.has(item.id)) continue;
    if (department && item.department !== null && item.department !== 'unisex' && item.department !== department) continue;
    const tier = item.price_tier === null ? -1 : TIER_ORDER.indexOf(item.price_tier);
    const tierGap = Math.abs((tier < 0 ? 1 : tier) - mainTier);
    if (tierGap > 1) continue;
    let colorFit = 0;
    for (const c of f.colors) if (item.colors.includes(c.value)) colorFit += c.share;
    let slot = bySlot.get(item.slot);
    if (!slot) bySlot.set(item.slot, (slot = []));
    // Mixed after the xor, so products with neighbouring ids do not keep their order for every customer.
    slot.push({ item, tierGap, colorFit, shuffle: fmix32(customer ^ fnv1a(item.id)) });
  }
  for (const [slot, list] of bySlot) bySlot.set(slot, list.sort(byFit).slice(0, PER_SLOT));
  return bySlot;
}

/** "Beige tailored wool blazer": the product's first color and its title, as the seed writes an item. */
function describeItem(title: string, color: string | null): string {
  const words = title.toLowerCase();
  const text = color && !words.includes(color.toLowerCase()) ? `${color} ${words}` : words;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** One look per occasion, in the order given, from the catalog's look items; an occasion the catalog cannot dress gets an empty look. */
export function buildLooks(catalog: ProfileCatalog, f: ProfileFacts, occasions: readonly string[], seed: number): Map<string, LookItem[]> {
  const looks = new Map<string, LookItem[]>();
  const used = new Set<string>();
  for (const occasion of occasions) {
    const ranked = candidates(catalog.looks.get(occasion) ?? [], f, seed);
    const best = (slot: LookSlot): LookProduct | undefined => ranked.get(slot)?.find((c) => !used.has(c.item.id))?.item;
    const dress = best('dress');
    const separates = best('top') && best('bottom');
    const wantsDress = dress && (DRESS_OCCASIONS.has(occasion) || !separates);
    const slots: LookSlot[] = [...(wantsDress ? (['dress'] as const) : (['top', 'bottom'] as const)), 'outerwear', 'shoes', 'accessory'];
    const items: LookItem[] = [];
    for (const slot of slots) {
      const pick = best(slot);
      if (!pick) continue;
      used.add(pick.id);
      items.push({ description: describeItem(pick.title, pick.color), product_id: pick.id, slot, price: pick.price });
    }
    looks.set(occasion, items);
  }
  return looks;
}
