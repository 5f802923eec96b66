/**
 * The customer clusterings Segmint fits. Both cluster buyers only (customers with an order): someone who never bought
 * has no frequency or spend to place, and the smart segment Waiting First Order already holds them.
 *
 * - rfm: recency, frequency and money (seed 004's clusters: Occasional, At-Risk, Loyal, High-Value).
 * - behavior: how people buy rather than how much or how lately: basket size, discounts, price level, new arrivals,
 *   returns, device, weekday, email engagement and rhythm. These ratios do not grow with tenure or fade with lapsing,
 *   so a cluster describes a kind of shopper, not a stage of their life with the shop.
 */
export const CLUSTER_METHODS = {
  rfm: { label: 'RFM', features: ['recency_days', 'orders', 'revenue'] },
  behavior: {
    label: 'Behavior',
    features: ['items_per_order', 'discount_share', 'premium_index', 'new_arrival_share', 'mobile_share', 'weekend_share', 'avg_days_between_orders'],
  },
} as const;

export type ClusterMethod = keyof typeof CLUSTER_METHODS;
export const CLUSTER_METHOD_NAMES = ['rfm', 'behavior'] as const satisfies readonly ClusterMethod[];
