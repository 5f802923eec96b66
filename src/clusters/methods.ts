/**
 * The customer clusterings Segmint fits. Both assign buyers only (customers with an order): someone who never bought
 * has no frequency or spend to place, and the smart segment Waiting First Order already holds them.
 *
 * - rfm: recency, frequency and money (seed 004's clusters: Occasional, At-Risk, Loyal, High-Value).
 * - behavior: how and what people buy rather than how much or how lately: basket size, discounts, price level, new
 *   arrivals, returns, device, weekday, buying rhythm, how often a visit ends in an order, and style (the shares of
 *   units tagged comfort, premium, trend, basics, classic). These ratios do not grow with tenure or fade with
 *   lapsing, so a cluster describes a kind of shopper, not a stage of their life with the shop.
 *
 * `fitFrom` is the fewest orders a customer needs to shape the centroids. A ratio over one order is mostly chance
 * (its weekend share is 0 or 1), so the behavioral clusters are fitted on customers with a few orders, whose habits
 * show, and every buyer is then assigned to the nearest of them. On the demo store, fitting on every buyer blurs the
 * groups enough that no k separates the personas as well (docs/clusters.md has the figures).
 *
 * `plot` is what the scatter of a sample of customers (sample.ts) puts on its axes: two features a marketer reads
 * directly, or, where fourteen ratios have no two that show the clusters apart, the first two principal components
 * of the scaled inputs, named by the features they weigh most.
 */
export const CLUSTER_METHODS = {
  rfm: { label: 'RFM', features: ['recency_days', 'orders', 'revenue'], fitFrom: 1, plot: { x: 'recency_days', y: 'revenue' } },
  behavior: {
    label: 'Behavior',
    features: [
      'items_per_order',
      'discount_share',
      'premium_index',
      'new_arrival_share',
      'return_rate',
      'mobile_share',
      'weekend_share',
      'orders_per_year',
      'visit_conversion_rate',
      'comfort_share',
      'premium_share',
      'trend_share',
      'basics_share',
      'classic_share',
    ],
    fitFrom: 3,
    plot: 'components',
  },
} as const satisfies Record<string, { label: string; features: readonly string[]; fitFrom: number; plot: { x: string; y: string } | 'components' }>;

export type ClusterMethod = keyof typeof CLUSTER_METHODS;
export const CLUSTER_METHOD_NAMES = ['rfm', 'behavior'] as const satisfies readonly ClusterMethod[];
