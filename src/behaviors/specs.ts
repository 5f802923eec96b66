/**
 * A suggested behavior is a scoring spec, kept as data: weighted signals, each standardised against the store as of
 * the run (robust z: distance from the median in units of the interquartile range / 1.349, which is one standard
 * deviation for normal data; the standard deviation where the IQR is 0; clipped to ±3 so one extreme value cannot
 * carry a score alone; 0 where the value is missing). The weighted mean of the z values, `lean`, is how far the
 * customer (or product) leans towards the behavior; the score squashes it into 0..1 as
 * 1 / (1 + exp(-2 (lean - cutoff))), so a member (score >= 0.5) leans at least `cutoff` standard units that way.
 * Reasons are the signals contributing most to the lean; lift compares members' mean of each signal with the store's.
 */
export interface Signal {
  /** A customer feature of the catalog (src/features/catalog.ts), or a product signal (product-signals.ts). */
  signal: string;
  /** Its share of the lean; a negative weight reads the signal the other way (low prices make a value product). */
  weight: number;
}

/** The specs are the project's own data, not input: typed here, and checked against the catalog by the behaviors' tests. */
export interface BehaviorSpec {
  /** lower_snake_case: it names the spec's columns in the scoring SQL. */
  id: string;
  name: string;
  description: string;
  action: string;
  signals: Signal[];
  /** The lean, in standard units, from which a customer or product is a member. */
  cutoff: number;
  /**
   * Customers only: the fewest orders a customer needs to be scored at all. A ratio over one order is mostly chance
   * (its weekend share is 0 or 1); behaviors about browsing take customers with no order.
   */
  min_orders?: number;
}

/** Without a `min_orders`, a customer behavior reads habits, which show from the second order. */
export const DEFAULT_MIN_ORDERS = 2;

/*
 * The names the behavioral clusters share (src/clusters/naming.ts) mean the same here: the same signals lead, so the
 * cluster named X is mostly made of customers who score high on behavior X (agreement.ts measures it).
 */
export const CUSTOMER_BEHAVIORS: readonly BehaviorSpec[] = [
  {
    id: 'comfort_seekers',
    name: 'Comfort Seekers',
    description: 'Favour comfortable pieces: most of what they buy is tagged comfort',
    action: 'Cosy edits, loungewear and knitwear drops, easy-returns messaging',
    signals: [{ signal: 'comfort_share', weight: 1 }],
    cutoff: 1.4,
  },
  {
    id: 'quality_enthusiasts',
    name: 'Quality Enthusiasts',
    description: 'Pay well above the category median, for premium pieces, and keep what they buy',
    action: 'Premium lines, craftsmanship stories, early access',
    signals: [
      { signal: 'premium_index', weight: 1 },
      { signal: 'premium_share', weight: 0.5 },
      { signal: 'visit_conversion_rate', weight: 0.5 },
    ],
    cutoff: 1.2,
  },
  {
    id: 'value_hunters',
    name: 'Value Hunters',
    description: 'Buy mostly on discount, at low prices',
    action: 'Sale previews and bundle offers; keep margins in mind',
    signals: [
      { signal: 'discount_share', weight: 1 },
      { signal: 'premium_index', weight: -0.25 },
    ],
    cutoff: 1.1,
  },
  {
    id: 'trend_followers',
    name: 'Trend Followers',
    description: 'Buy new arrivals and trend pieces soon after launch, often on the phone',
    action: 'New-in alerts and drops in the app',
    signals: [
      { signal: 'new_arrival_share', weight: 1 },
      { signal: 'trend_share', weight: 0.5 },
      { signal: 'mobile_share', weight: 0.25 },
    ],
    cutoff: 1.2,
  },
  {
    id: 'loyal_regulars',
    name: 'Loyal Regulars',
    description: 'Order on a short, steady rhythm, mostly on weekdays: classic, mid-priced pieces at full price rather than new, premium or discounted ones',
    action: 'Replenishment reminders and loyalty rewards',
    signals: [
      { signal: 'avg_days_between_orders', weight: -1 },
      { signal: 'classic_share', weight: 1 },
      { signal: 'premium_share', weight: -1 },
      { signal: 'weekend_share', weight: -0.8 },
      { signal: 'discount_share', weight: -0.8 },
      { signal: 'new_arrival_share', weight: -0.6 },
    ],
    cutoff: 0.15,
  },
  {
    // Not "Bulk Shoppers": that name is seed 001's smart segment (any buyer in the top tenth by items per order, one
    // order enough), a wider set than this habit (this behavior's members are a subset of it on the demo store).
    id: 'stock_up_shoppers',
    name: 'Stock-Up Shoppers',
    description: 'Fill large baskets order after order, often with basics',
    action: 'Multi-buy offers and free shipping thresholds',
    signals: [
      { signal: 'items_per_order', weight: 1 },
      { signal: 'basics_share', weight: 0.25 },
    ],
    cutoff: 2,
  },
  {
    id: 'window_shoppers',
    name: 'Window Shoppers',
    description: 'Visit often, seldom order',
    action: 'Browse and cart reminders, a first-order or comeback incentive',
    signals: [
      { signal: 'visit_conversion_rate', weight: -1 },
      { signal: 'cart_abandon_rate', weight: 0.3 },
      { signal: 'orders_per_year', weight: -0.3 },
    ],
    cutoff: 1.4,
    min_orders: 0,
  },
  {
    id: 'cart_abandoners',
    name: 'Cart Abandoners',
    description: 'Put things in the cart and leave without ordering',
    action: 'Cart reminders within a day; check shipping costs and sizing at checkout',
    signals: [
      { signal: 'cart_abandon_rate', weight: 1 },
      { signal: 'carts_30d', weight: 0.3 },
    ],
    cutoff: 1,
    min_orders: 0,
  },
  {
    id: 'weekend_shoppers',
    name: 'Weekend Shoppers',
    description: 'Order mostly on Saturdays and Sundays',
    action: 'Time campaigns for Friday evening and the weekend',
    signals: [{ signal: 'weekend_share', weight: 1 }],
    cutoff: 1,
    min_orders: 3,
  },
  {
    id: 'mobile_first',
    name: 'Mobile-First',
    description: 'Browse and buy almost only on the phone',
    action: 'App pushes and mobile-first creatives',
    signals: [{ signal: 'mobile_share', weight: 1 }],
    cutoff: 0.6,
    min_orders: 1,
  },
  {
    id: 'category_explorers',
    name: 'Category Explorers',
    description: 'Buy across many product categories',
    action: 'Cross-category recommendations and complete-the-look edits',
    signals: [
      { signal: 'distinct_categories', weight: 1 },
      { signal: 'items_per_order', weight: -0.2 },
    ],
    cutoff: 1,
  },
  {
    id: 'frequent_returners',
    name: 'Frequent Returners',
    description: 'Send back much of what they buy',
    action: 'Fit and sizing help before the order; leave them out of free-returns promotions',
    signals: [
      { signal: 'return_rate', weight: 1 },
      { signal: 'returns', weight: 0.2 },
    ],
    cutoff: 1.2,
  },
  {
    id: 'sustainable_shoppers',
    name: 'Sustainable Shoppers',
    description: 'Choose pieces tagged sustainable far more than the store does',
    action: 'Sustainable edits, material and sourcing stories',
    signals: [{ signal: 'sustainable_share', weight: 1 }],
    cutoff: 1.2,
  },
  {
    id: 'email_engaged',
    name: 'Email Engaged',
    description: 'Open most of the emails they get',
    action: 'Newsletters and email-first launches',
    signals: [{ signal: 'email_open_rate', weight: 1 }],
    cutoff: 0.6,
    min_orders: 0,
  },
];

/** Product behaviors read product attributes (tags, materials, price) and sales (product-signals.ts). */
export const PRODUCT_BEHAVIORS: readonly BehaviorSpec[] = [
  {
    id: 'comfort',
    name: 'Comfort',
    description: 'Comfortable pieces: tagged comfort, often in soft materials',
    action: 'Show to Comfort Seekers; cosy edits',
    signals: [
      { signal: 'tag_comfort', weight: 1 },
      { signal: 'soft_material', weight: 0.3 },
    ],
    cutoff: 0.7,
  },
  {
    id: 'premium',
    name: 'Premium',
    description: "Premium pieces: tagged premium, priced above their category's median, in fine materials",
    action: 'Show to Quality Enthusiasts; craftsmanship stories',
    signals: [
      { signal: 'tag_premium', weight: 1 },
      { signal: 'price_vs_category', weight: 0.6 },
      { signal: 'luxury_material', weight: 0.2 },
    ],
    cutoff: 0.8,
  },
  {
    id: 'trending',
    name: 'Trending',
    description: 'Trend pieces that draw views now',
    action: 'Show to Trend Followers; new-in and social creatives',
    signals: [
      { signal: 'tag_trend', weight: 1 },
      { signal: 'views_30d', weight: 0.3 },
    ],
    cutoff: 0.7,
  },
  {
    id: 'value',
    name: 'Value',
    description: "Priced below their category's median and often sold on discount",
    action: 'Show to Value Hunters; bundles and sale edits',
    signals: [
      { signal: 'price_vs_category', weight: -1 },
      { signal: 'discount_sales_share', weight: 0.3 },
    ],
    cutoff: 0.6,
  },
  {
    id: 'basics',
    name: 'Basics',
    description: 'Everyday basics, bought again by the same customers',
    action: 'Replenishment reminders and multi-buys',
    signals: [
      { signal: 'tag_basics', weight: 1 },
      { signal: 'repeat_buyer_rate', weight: 0.2 },
    ],
    cutoff: 0.7,
  },
  {
    id: 'rising',
    name: 'Rising',
    description: 'Selling faster in the last 30 days than before, often recently launched',
    action: 'More visibility before they peak; keep in stock',
    signals: [
      { signal: 'sales_momentum', weight: 1 },
      { signal: 'days_since_launch', weight: -0.3 },
    ],
    cutoff: 1,
  },
  {
    id: 'sustainable',
    name: 'Sustainable',
    description: 'Tagged sustainable, often in organic or recycled materials',
    action: 'Show to Sustainable Shoppers; sourcing stories',
    signals: [
      { signal: 'tag_sustainable', weight: 1 },
      { signal: 'sustainable_material', weight: 0.3 },
    ],
    cutoff: 0.7,
  },
  {
    id: 'classic',
    name: 'Classic',
    description: 'Timeless pieces tagged classic',
    action: 'Show to Loyal Regulars and Quality Enthusiasts; wardrobe staples',
    signals: [{ signal: 'tag_classic', weight: 1 }],
    cutoff: 0.7,
  },
];

export const BEHAVIOR_ENTITIES = ['customers', 'products'] as const;
export type BehaviorEntity = (typeof BEHAVIOR_ENTITIES)[number];
export const BEHAVIOR_SPECS: Record<BehaviorEntity, readonly BehaviorSpec[]> = { customers: CUSTOMER_BEHAVIORS, products: PRODUCT_BEHAVIORS };
