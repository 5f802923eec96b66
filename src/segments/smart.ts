import { ident, median, quantile, round, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';

/**
 * The ten smart segments (seed 001). No public source gives their thresholds, so they are defined openly here, as
 * rule templates whose numbers come from the store itself as of each run: its typical repurchase cycle and quantiles
 * of its buyers, never fixed currency amounts. `{name}` placeholders are filled from `storeThresholds`.
 */
export interface SmartSegment {
  name: string;
  description: string;
  action: string;
  template: string;
}

export const SMART_SEGMENTS: readonly SmartSegment[] = [
  {
    name: 'Active Loyals',
    description: 'Frequent buyers (top quarter by orders, at least 3) who bought within one repurchase cycle',
    action: 'Reward and keep close: early access, loyalty perks, referrals',
    template: 'orders >= {loyal_orders} and recency_days <= {cycle_days}',
  },
  {
    name: 'Big Spenders',
    description: 'Buyers whose average order is in the top fifth',
    action: 'Show premium ranges and bundles; protect margin rather than discount',
    template: 'orders >= 1 and aov >= {aov_p80}',
  },
  {
    name: 'Loyals at Risk',
    description: 'Frequent buyers now past their repurchase cycle, not yet lost',
    action: 'Win back before they lapse: personal reminder, loyalty bonus',
    template: 'orders >= {loyal_orders} and recency_days > {cycle_days} and recency_days <= {lost_days}',
  },
  {
    name: 'Richie Riches',
    description: 'The top 5% of buyers by lifetime revenue',
    action: 'VIP treatment: concierge service, exclusive previews',
    template: 'revenue >= {revenue_p95}',
  },
  {
    name: 'Bulk Shoppers',
    description: 'Buyers whose orders hold the most units (top tenth by items per order)',
    action: 'Volume offers, multipacks, free shipping thresholds',
    template: 'orders >= 1 and items_per_order >= {items_per_order_p90}',
  },
  {
    name: 'Sleeping Opportunists',
    description: 'Mostly discount buyers who have not bought for a repurchase cycle (needs discount data)',
    action: 'Wake with a time-limited offer on what they browsed',
    template: 'discount_share >= 0.5 and recency_days > {cycle_days}',
  },
  {
    name: 'Churn Candidates',
    description: 'Repeat buyers past twice the repurchase cycle, not yet lost',
    action: 'Re-engage now: survey, personalised incentive',
    template: 'orders >= 2 and recency_days > {churn_days} and recency_days <= {lost_days}',
  },
  {
    name: 'One Time Shoppers',
    description: 'Bought exactly once',
    action: 'Second-order incentive and onboarding series',
    template: 'orders = 1',
  },
  {
    name: 'Waiting First Order',
    // A customer whose only events are returns bought before the data begins (Online Retail has 33 of them).
    description: 'Registered customers with no order and no return yet (a return means an order the data does not hold)',
    action: 'Welcome offer, best-sellers, social proof',
    template: 'orders = 0 and returns = 0',
  },
  {
    name: 'Lost Customers',
    description: 'Buyers with no order for four repurchase cycles or more',
    action: 'Low-cost win-back or suppress from paid media',
    template: 'orders >= 1 and recency_days > {lost_days}',
  },
];

export type Thresholds = Record<string, number>;

/**
 * The store's own yardsticks, as of a run: the repurchase cycle is the median gap between orders of repeat buyers
 * (bounded to 7..365 days so a tiny store stays sensible); quantiles are over customers with an order.
 */
export async function storeThresholds(store: Store, featureTable: string): Promise<Thresholds> {
  const t = ident(featureTable);
  // median() and the quantiles keep a double a customer each (8 MB a million), not one an order line: the counted
  // medians of src/sql/medians.ts would save nothing beside the quantiles, which hold as many.
  const row = await store.one<Record<string, number | null>>(sql`SELECT
      ${round(sql`${median(sql`avg_days_between_orders`)} FILTER (WHERE orders >= 2)`, 0)} AS cycle_days,
      ${quantile(sql`orders`, 0.75)} FILTER (WHERE orders >= 1) AS orders_p75,
      ${round(sql`${quantile(sql`aov`, 0.8)} FILTER (WHERE orders >= 1)`, 2)} AS aov_p80,
      ${round(sql`${quantile(sql`revenue`, 0.95)} FILTER (WHERE orders >= 1)`, 2)} AS revenue_p95,
      ${round(sql`${quantile(sql`items_per_order`, 0.9)} FILTER (WHERE orders >= 1)`, 2)} AS items_per_order_p90
    FROM ${t}`);
  const cycle = Math.min(365, Math.max(7, row?.cycle_days ?? 30));
  return {
    cycle_days: cycle,
    churn_days: 2 * cycle,
    lost_days: 4 * cycle,
    loyal_orders: Math.max(3, Math.ceil(row?.orders_p75 ?? 3)),
    aov_p80: row?.aov_p80 ?? 0,
    revenue_p95: row?.revenue_p95 ?? 0,
    items_per_order_p90: row?.items_per_order_p90 ?? 0,
  };
}

/** The template with the store's numbers in: plain rule text a user can copy and edit. */
export function resolveTemplate(template: string, thresholds: Thresholds): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = thresholds[name];
    if (v === undefined) throw new Error(`smart segment template names an unknown threshold {${name}}`);
    return String(v);
  });
}
