import { describe, expect, it } from 'vitest';
import type { LookProduct, ProfileCatalog } from '../../src/profiles/catalog.js';
import type { ProfileFacts } from '../../src/profiles/facts.js';
import { buildLooks } from '../../src/profiles/looks.js';

/**
 * How a look picks among the products that could fill a slot (docs/profiles.md): the customer's price tier, then the
 * next one (never two tiers away), then the share of the customer's colors a product carries, then a seeded hash.
 */
const AS_OF = '2026-11-01 00:00:00';
const item = (id: string, over: Partial<LookProduct>): LookProduct => ({
  occasion: 'work', slot: 'top', id, title: 'Silk blouse', color: null, colors: [], price: 50, price_tier: 'mid', launched_at: null, department: null, ...over,
});
const catalogOf = (items: LookProduct[]): ProfileCatalog => ({ products: new Map(), looks: new Map([['work', items]]) });
// Only what a look reads of the facts; the rest of a profile's facts do not enter the choice.
const facts = (over: Partial<ProfileFacts>): ProfileFacts =>
  ({ customerId: 'C1', asOf: AS_OF, priceTiers: [{ value: 'high', units: 3, share: 1 }], colors: [], bought: [], departments: [], ...over }) as ProfileFacts;
const topOf = (items: LookProduct[], f: ProfileFacts, seed = 1): string | undefined =>
  buildLooks(catalogOf(items), f, ['work'], seed).get('work')!.find((i) => i.slot === 'top')?.product_id;

describe('look ranking', () => {
  it("prefers the customer's tier, then the next one, and never a tier two away", () => {
    const tiers = [item('low', { price_tier: 'low', colors: ['black'] }), item('mid', { price_tier: 'mid' }), item('high', { price_tier: 'high' })];
    expect(topOf(tiers, facts({}))).toBe('high');
    expect(topOf(tiers.slice(0, 2), facts({}))).toBe('mid');
    expect(topOf(tiers.slice(0, 1), facts({}))).toBeUndefined();
  });

  it("within a tier, prefers the product carrying more of the customer's colors", () => {
    const f = facts({ colors: [{ value: 'black', units: 6, share: 0.6 }, { value: 'beige', units: 4, share: 0.4 }] });
    const items = [item('beige', { price_tier: 'high', colors: ['beige'] }), item('both', { price_tier: 'high', colors: ['beige', 'black'] }), item('black', { price_tier: 'high', colors: ['black'] })];
    expect(topOf(items, f)).toBe('both');
    expect(topOf(items.filter((i) => i.id !== 'both'), f)).toBe('black');
  });

  it('leaves out what the customer bought and what launched after the date; ties break by the seed, the same each time', () => {
    const same = Array.from({ length: 20 }, (_, i) => item(`P${i}`, { price_tier: 'high' }));
    expect(topOf(same, facts({ bought: ['P3'] }))).not.toBe('P3');
    expect(topOf([item('new', { price_tier: 'high', launched_at: AS_OF }), item('old', { price_tier: 'mid' })], facts({}))).toBe('old');
    const picks = Array.from({ length: 8 }, (_, seed) => topOf(same, facts({}), seed));
    expect(picks).toEqual(Array.from({ length: 8 }, (_, seed) => topOf(same, facts({}), seed)));
    expect(new Set(picks).size).toBeGreaterThan(1);
  });
});
