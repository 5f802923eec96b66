import { LUXURY_MATERIALS, SOFT_MATERIALS, type PriceTier, type Product } from './catalog.js';
import { WeightedTable } from './random.js';

/**
 * Hidden personas. Every customer gets exactly one; it drives what, how and how often they buy. The engine never
 * sees it (only ground_truth.csv does), so the parameters below are deliberately far apart on the features
 * segmentation is expected to use. Nominal values (before per-customer spread and sale seasons):
 *
 * | persona            | mix | orders/yr  | lines/order      | buys                                   | on discount     | new arrivals | web/app/store | web on phone | weekend | returns | opens/clicks | browse visits/yr        |
 * |--------------------|-----|------------|------------------|----------------------------------------|-----------------|--------------|---------------|--------------|---------|---------|--------------|-------------------------|
 * | comfort_seeker     | 15% | 10, steady | 2.6              | loungewear, knitwear, comfort, soft    | 20%             | rare         | 60/25/15      | 50%          | 50%     | 5%      | 30% / 15%    | 1                       |
 * | quality_enthusiast | 12% | 5.5        | 1.3              | premium brands, cashmere/wool/leather  | 4%              | rare         | 45/10/45      | 25%          | 30%     | 7%      | 30% / 15%    | 1.5, more views         |
 * | value_hunter       | 18% | 13         | 3.2              | budget brands, basics                  | 80%, 30-50% off | rare         | 60/30/10      | 55%          | 30%     | 12%     | 35% / 35%    | 2, mostly with searches |
 * | trend_follower     | 15% | 13         | 2.6              | trend tags, dresses, sneakers, party   | 20%             | 60%          | 30/65/5       | 85%          | 35%     | 30%     | 35% / 25%    | 2                       |
 * | loyal_regular      | 12% | 20, steady | 2.3              | mid-priced, classic, work              | 15%             | rare         | 40/40/20      | 50%          | 15%     | 8%      | 65% / 25%    | 1                       |
 * | bulk_shopper       | 8%  | 3.8        | 10, 2-4 units    | basics: tops, activewear, loungewear   | 30%             | rare         | 70/10/20      | 25%          | 55%     | 18%     | 20% / 15%    | 0.5                     |
 * | window_shopper     | 20% | 1.5        | 1.3              | trend and premium pieces, party        | 30%             | 15%          | 50/45/5       | 70%          | 40%     | 15%     | 30% / 20%    | 5, many views, carts    |
 *
 * Value hunters also come from email: 30% of their online orders follow a click on a campaign.
 */
export const PERSONAS = [
  'comfort_seeker',
  'quality_enthusiast',
  'value_hunter',
  'trend_follower',
  'loyal_regular',
  'bulk_shopper',
  'window_shopper',
] as const;
export type Persona = (typeof PERSONAS)[number];

/**
 * Hidden lifecycle states, independent of the persona:
 * - new: first order in the last 60 days;
 * - active: orders up to the end, the last within the final 5 weeks;
 * - lapsing: the last order 4 to 8 months before the end;
 * - churned: nothing for at least a year;
 * - registered: an account, maybe browsing and emails, never an order.
 */
export const LIFECYCLES = ['new', 'active', 'lapsing', 'churned', 'registered'] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];

export const PERSONA_MIX = WeightedTable.of<Persona>({
  comfort_seeker: 15,
  quality_enthusiast: 12,
  value_hunter: 18,
  trend_follower: 15,
  loyal_regular: 12,
  bulk_shopper: 8,
  window_shopper: 20,
});

export const LIFECYCLE_MIX = WeightedTable.of<Lifecycle>({ new: 12, active: 40, lapsing: 18, churned: 20, registered: 10 });

export type Channel = 'web' | 'app' | 'store';

export interface PersonaBehavior {
  /** Orders per year while the customer is buying (before a per-customer spread). */
  ordersPerYear: number;
  /** Orders on a regular cadence rather than at random moments. */
  steady: boolean;
  /** Mean order lines beyond the first; bulk shoppers also get a floor. */
  extraLines: number;
  minLines: number;
  /** Chance a line carries more than one unit, and how many extra units at most. */
  multiUnitChance: number;
  maxExtraUnits: number;
  /** Chance a line is bought on discount outside sale seasons; deep discounts are 30-50% instead of 10-30%. */
  discountChance: number;
  deepDiscounts: boolean;
  /** Chance a line is picked among products launched in the previous 30 days. */
  newArrivalChance: number;
  returnChance: number;
  channels: WeightedTable<Channel>;
  /** Share of web visits made on a phone (app visits are nearly all on phones). */
  webMobileShare: number;
  weekendShare: number;
  /** Visits without an order per year, while the customer is around. */
  browsePerYear: number;
  /** Mean product views beyond the first in a visit. */
  extraViews: number;
  searchChance: number;
  /** Chance a browse-only visit puts something in the cart (and leaves it there). */
  browseCartChance: number;
  emailConsent: number;
  emailOpen: number;
  /** Chance an opened email is clicked. */
  emailClick: number;
  /** Chance an order follows a click on a recent campaign email. */
  emailDrivenOrder: number;
  ageBands: WeightedTable<string>;
  /** Relative appeal of a product; the catalog is sampled in proportion to it. */
  affinity: (product: Product) => number;
}

const byTier = (weights: Record<PriceTier, number>) => (product: Product) => weights[product.tier];
const byCategory = (weights: Record<string, number>) => (product: Product) => weights[product.category] ?? 1;
const when = (condition: boolean, factor: number): number => (condition ? factor : 1);
const hasTag = (product: Product, tag: string): boolean =>
  (product.styleTags as readonly string[]).includes(tag) || (product.occasions as readonly string[]).includes(tag);

const ages = (young: number, twenties: number, thirties: number, forties: number, older: number) =>
  new WeightedTable([
    ['18-24', young],
    ['25-34', twenties],
    ['35-44', thirties],
    ['45-54', forties],
    ['55+', older],
  ] as const);

const comfortCategories = byCategory({
  loungewear: 4,
  knitwear: 2.5,
  activewear: 2,
  sneakers: 2,
  tops: 1.5,
  jeans: 0.8,
  outerwear: 0.7,
  dresses: 0.5,
  accessories: 0.5,
  swimwear: 0.5,
  bags: 0.3,
  shoes: 0.3,
  skirts: 0.3,
});
const comfortTiers = byTier({ budget: 1, mid: 1.5, premium: 0.5 });
const qualityCategories = byCategory({ outerwear: 1.5, shoes: 1.5, bags: 1.5, knitwear: 1.5, activewear: 0.4, loungewear: 0.6, swimwear: 0.4 });
const qualityTiers = byTier({ budget: 0.03, mid: 0.6, premium: 10 });
const valueTiers = byTier({ budget: 8, mid: 1, premium: 0.08 });
const trendCategories = byCategory({ dresses: 1.5, sneakers: 1.5, accessories: 1.3, bags: 1.2, tops: 1.2, knitwear: 0.7, loungewear: 0.5 });
const trendTiers = byTier({ budget: 1.5, mid: 1, premium: 0.5 });
const loyalTiers = byTier({ budget: 1, mid: 4, premium: 0.6 });
const bulkCategories = byCategory({ tops: 2.5, activewear: 2, loungewear: 2, accessories: 1.5, jeans: 1.2, outerwear: 0.5, shoes: 0.5, bags: 0.5, dresses: 0.6 });
const bulkTiers = byTier({ budget: 2, mid: 1.5, premium: 0.15 });
const windowCategories = byCategory({ dresses: 1.5, bags: 1.5, shoes: 1.3 });

const material = (product: Product, set: ReadonlySet<string>): boolean => product.materials.some((m) => set.has(m));

export const PERSONA_BEHAVIOR: Record<Persona, PersonaBehavior> = {
  comfort_seeker: {
    ordersPerYear: 10,
    steady: true,
    extraLines: 1.6,
    minLines: 1,
    multiUnitChance: 0.08,
    maxExtraUnits: 1,
    discountChance: 0.2,
    deepDiscounts: false,
    newArrivalChance: 0.03,
    returnChance: 0.05,
    channels: WeightedTable.of<Channel>({ web: 0.6, app: 0.25, store: 0.15 }),
    webMobileShare: 0.5,
    weekendShare: 0.5,
    browsePerYear: 1,
    extraViews: 0.3,
    searchChance: 0.2,
    browseCartChance: 0.15,
    emailConsent: 0.7,
    emailOpen: 0.3,
    emailClick: 0.15,
    emailDrivenOrder: 0.05,
    ageBands: ages(0.1, 0.25, 0.3, 0.25, 0.1),
    affinity: (p) =>
      comfortCategories(p) * comfortTiers(p) * when(hasTag(p, 'comfort'), 4) * when(hasTag(p, 'basics'), 2) * when(material(p, SOFT_MATERIALS), 2),
  },
  quality_enthusiast: {
    ordersPerYear: 5.5,
    steady: false,
    extraLines: 0.3,
    minLines: 1,
    multiUnitChance: 0.02,
    maxExtraUnits: 1,
    discountChance: 0.04,
    deepDiscounts: false,
    newArrivalChance: 0.05,
    returnChance: 0.07,
    channels: WeightedTable.of<Channel>({ web: 0.45, app: 0.1, store: 0.45 }),
    webMobileShare: 0.25,
    weekendShare: 0.3,
    browsePerYear: 1.5,
    extraViews: 1.5,
    searchChance: 0.3,
    browseCartChance: 0.15,
    emailConsent: 0.6,
    emailOpen: 0.3,
    emailClick: 0.15,
    emailDrivenOrder: 0.03,
    ageBands: ages(0.03, 0.17, 0.3, 0.3, 0.2),
    affinity: (p) =>
      qualityCategories(p) *
      qualityTiers(p) *
      when(material(p, LUXURY_MATERIALS), 3) *
      when(hasTag(p, 'classic'), 2) *
      when(hasTag(p, 'trend'), 0.6),
  },
  value_hunter: {
    ordersPerYear: 13,
    steady: false,
    extraLines: 2.2,
    minLines: 1,
    multiUnitChance: 0.1,
    maxExtraUnits: 1,
    discountChance: 0.8,
    deepDiscounts: true,
    newArrivalChance: 0.02,
    returnChance: 0.12,
    channels: WeightedTable.of<Channel>({ web: 0.6, app: 0.3, store: 0.1 }),
    webMobileShare: 0.55,
    weekendShare: 0.3,
    browsePerYear: 2,
    extraViews: 1,
    searchChance: 0.6,
    browseCartChance: 0.25,
    emailConsent: 0.9,
    emailOpen: 0.35,
    emailClick: 0.35,
    emailDrivenOrder: 0.3,
    ageBands: ages(0.25, 0.3, 0.2, 0.15, 0.1),
    affinity: (p) => valueTiers(p) * when(hasTag(p, 'basics'), 1.5),
  },
  trend_follower: {
    ordersPerYear: 13,
    steady: false,
    extraLines: 1.6,
    minLines: 1,
    multiUnitChance: 0.04,
    maxExtraUnits: 1,
    discountChance: 0.2,
    deepDiscounts: false,
    newArrivalChance: 0.6,
    returnChance: 0.3,
    channels: WeightedTable.of<Channel>({ web: 0.3, app: 0.65, store: 0.05 }),
    webMobileShare: 0.85,
    weekendShare: 0.35,
    browsePerYear: 2,
    extraViews: 1,
    searchChance: 0.3,
    browseCartChance: 0.25,
    emailConsent: 0.7,
    emailOpen: 0.35,
    emailClick: 0.25,
    emailDrivenOrder: 0.1,
    ageBands: ages(0.45, 0.4, 0.1, 0.04, 0.01),
    affinity: (p) =>
      trendCategories(p) * trendTiers(p) * when(hasTag(p, 'trend'), 6) * when(hasTag(p, 'party'), 1.5) * when(hasTag(p, 'classic'), 0.5),
  },
  loyal_regular: {
    ordersPerYear: 20,
    steady: true,
    extraLines: 1.3,
    minLines: 1,
    multiUnitChance: 0.05,
    maxExtraUnits: 1,
    discountChance: 0.15,
    deepDiscounts: false,
    newArrivalChance: 0.05,
    returnChance: 0.08,
    channels: WeightedTable.of<Channel>({ web: 0.4, app: 0.4, store: 0.2 }),
    webMobileShare: 0.5,
    weekendShare: 0.15,
    browsePerYear: 1,
    extraViews: 0.3,
    searchChance: 0.1,
    browseCartChance: 0.1,
    emailConsent: 0.9,
    emailOpen: 0.65,
    emailClick: 0.25,
    emailDrivenOrder: 0.15,
    ageBands: ages(0.1, 0.25, 0.3, 0.2, 0.15),
    affinity: (p) => loyalTiers(p) * when(hasTag(p, 'classic'), 1.5) * when(hasTag(p, 'work'), 1.5),
  },
  bulk_shopper: {
    ordersPerYear: 3.8,
    steady: false,
    extraLines: 4,
    minLines: 6,
    multiUnitChance: 0.65,
    maxExtraUnits: 3,
    discountChance: 0.3,
    deepDiscounts: false,
    newArrivalChance: 0.02,
    returnChance: 0.18,
    channels: WeightedTable.of<Channel>({ web: 0.7, app: 0.1, store: 0.2 }),
    webMobileShare: 0.25,
    weekendShare: 0.55,
    browsePerYear: 0.5,
    extraViews: 0.5,
    searchChance: 0.2,
    browseCartChance: 0.2,
    emailConsent: 0.6,
    emailOpen: 0.2,
    emailClick: 0.15,
    emailDrivenOrder: 0.05,
    ageBands: ages(0.1, 0.3, 0.35, 0.2, 0.05),
    affinity: (p) => bulkCategories(p) * bulkTiers(p) * when(hasTag(p, 'basics'), 4),
  },
  window_shopper: {
    ordersPerYear: 1.5,
    steady: false,
    extraLines: 0.3,
    minLines: 1,
    multiUnitChance: 0.03,
    maxExtraUnits: 1,
    discountChance: 0.3,
    deepDiscounts: false,
    newArrivalChance: 0.15,
    returnChance: 0.15,
    channels: WeightedTable.of<Channel>({ web: 0.5, app: 0.45, store: 0.05 }),
    webMobileShare: 0.7,
    weekendShare: 0.4,
    browsePerYear: 5,
    extraViews: 2,
    searchChance: 0.3,
    browseCartChance: 0.5,
    emailConsent: 0.7,
    emailOpen: 0.3,
    emailClick: 0.2,
    emailDrivenOrder: 0.05,
    ageBands: ages(0.35, 0.35, 0.15, 0.1, 0.05),
    affinity: (p) => windowCategories(p) * when(hasTag(p, 'trend'), 2) * when(hasTag(p, 'premium'), 2) * when(hasTag(p, 'party'), 1.5),
  },
};
