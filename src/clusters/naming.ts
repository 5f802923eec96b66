import type { ModelKind } from './model.js';

/**
 * Names from the clusters of one fit, each read against the others. Each archetype scores every centroid from its z
 * values (robust units against the fitted population: 0 = its median). A name goes only to the cluster that fits it
 * best among the clusters of the fit (for archetypes with a `top` feature, the cluster whose members have the highest,
 * or lowest, mean of it: High-Value is the richest cluster), and only where the score says the cluster leans that way
 * (above MIN_SCORE). Names go greedily, best score first, each name once.
 *
 * A name is refused, and the cluster gets a plain name with a warning saying why, when it would fit more than half
 * of the customers (the clusters it fits hold more than half: it tells nobody apart), or when a signal
 * it is named for has no data in this fit (every value missing or the same: no products, no browsing, no discounts).
 * A plain name says how the cluster differs from the others: its strongest deviations from the clusters' size-weighted
 * mean centroid.
 */

type Z = (feature: string) => number;

interface Archetype {
  name: string;
  description: string;
  action: string;
  score: (z: Z) => number;
  /** The signals the name stands for: without data for each of them the name is not given. */
  needs: readonly string[];
  /** Only the cluster whose members' mean of this feature is the highest (or the lowest) may take the name. */
  top?: { feature: string; lowest?: boolean };
}

const MIN_SCORE = 0.3;
/**
 * A name fits a cluster whose score passes MIN_SCORE and reaches FIT_SHARE of the best cluster's: a mild lean
 * (+0.5 on price beside a +1.5 cluster) is not the same kind of customer. A name that fits clusters holding more than
 * MAX_COVERAGE of the customers is refused.
 */
const FIT_SHARE = 0.5;
const MAX_COVERAGE = 0.5;
/** A plain name mentions deviations from the other clusters of at least this much (robust z units). */
const MIN_DEVIATION = 0.25;

// Recency counts days since the last order, so a low (negative) z is recent. At-Risk is the longest lapsed;
// Occasional Buyers spend little and seldom but have not lapsed as far.
const ARCHETYPES: Record<ModelKind, Archetype[]> = {
  rfm: [
    { name: 'High-Value', description: 'Buy often and spend the most', action: 'VIP treatment: early access, premium offers', score: (z) => z('revenue') + 0.5 * z('orders') - 0.25 * z('recency_days'), needs: ['revenue'], top: { feature: 'revenue' } },
    // Moderate spend: far above the median belongs to High-Value, even when orders are high as well.
    { name: 'Frequent & Loyal', description: 'Buy regularly and recently, with moderate spend', action: 'Loyalty points and exclusive perks', score: (z) => z('orders') - z('recency_days') - 0.5 * Math.abs(z('revenue')), needs: ['orders', 'recency_days'] },
    { name: 'At-Risk', description: 'Have not bought for a long time; lower engagement and spend', action: 'Personalised re-engagement offers and reminders', score: (z) => 1.5 * z('recency_days') - 0.25 * z('orders'), needs: ['recency_days'], top: { feature: 'recency_days' } },
    // Lapsed, and with at least about the usual number of orders (unlike At-Risk, who seldom bought at all).
    { name: 'Lapsed Loyals', description: 'Bought as often as most or more, but not for a long time', action: 'Win-back offer built on what they used to buy', score: (z) => Math.min(z('recency_days'), 0.5 + z('orders')), needs: ['recency_days', 'orders'] },
    { name: 'Occasional Buyers', description: 'Low spend and infrequent purchases', action: 'Small discounts to encourage the next order', score: (z) => -z('orders') - z('revenue') - 0.5 * z('recency_days'), needs: ['orders', 'revenue'] },
    { name: 'New Customers', description: 'Bought recently, for the first times', action: 'Welcome series and a second-order incentive', score: (z) => -z('recency_days') - z('orders'), needs: ['recency_days', 'orders'] },
  ],
  behavior: [
    { name: 'Value Hunters', description: 'Buy mostly on discount, at low prices', action: 'Sale previews and bundle offers; keep margins in mind', score: (z) => z('discount_share') - 0.25 * z('premium_index'), needs: ['discount_share'] },
    { name: 'Quality Enthusiasts', description: 'Pay well above the category median, for premium pieces', action: 'Premium lines, craftsmanship stories, early access', score: (z) => z('premium_index') + 0.5 * z('premium_share'), needs: ['premium_index'] },
    { name: 'Trend Followers', description: 'Buy new arrivals and trend pieces soon after launch, often on the phone', action: 'New-in alerts and drops in the app', score: (z) => z('new_arrival_share') + 0.5 * z('trend_share') + 0.25 * z('mobile_share'), needs: ['new_arrival_share'] },
    // The suggested behavior of the same name (src/behaviors/specs.ts); "Bulk Shoppers" is a smart segment's name.
    { name: 'Stock-Up Shoppers', description: 'Fill large baskets order after order', action: 'Multi-buy offers and free shipping thresholds', score: (z) => z('items_per_order'), needs: ['items_per_order'] },
    { name: 'Comfort Seekers', description: 'Favour comfortable pieces: most of what they buy is tagged comfort', action: 'Cosy edits, loungewear and knitwear drops, easy-returns messaging', score: (z) => z('comfort_share'), needs: ['comfort_share'] },
    { name: 'Loyal Regulars', description: 'Order on a short, steady rhythm', action: 'Replenishment reminders and loyalty rewards', score: (z) => z('orders_per_year'), needs: ['orders_per_year'] },
    { name: 'Window Shoppers', description: 'Visit often, seldom order', action: 'Browse and cart reminders, a first-order or comeback incentive', score: (z) => -z('visit_conversion_rate'), needs: ['visit_conversion_rate'] },
    { name: 'Occasional Shoppers', description: 'Few orders a year', action: 'Reminders timed to their rhythm', score: (z) => -z('orders_per_year'), needs: ['orders_per_year'] },
    { name: 'Frequent Returners', description: 'Send back much of what they buy', action: 'Fit and sizing help before the order; leave them out of free-returns promotions', score: (z) => z('return_rate'), needs: ['return_rate'] },
    { name: 'Weekend Shoppers', description: 'Order mostly on Saturdays and Sundays', action: 'Time campaigns for Friday evening and the weekend', score: (z) => z('weekend_share'), needs: ['weekend_share'] },
  ],
  products: [
    { name: 'Bestsellers', description: 'Sell the most units to the most buyers', action: 'Keep in stock; feature in acquisition campaigns', score: (z) => z('units') + z('buyers'), needs: ['units', 'buyers'], top: { feature: 'units' } },
    { name: 'Premium Picks', description: 'Priced well above the rest', action: 'Show to Quality Enthusiasts and High-Value customers', score: (z) => z('price'), needs: ['price'], top: { feature: 'price' } },
    { name: 'Repeat Favourites', description: 'Bought again by the same customers', action: 'Replenishment reminders and subscriptions', score: (z) => z('repeat_buyer_rate'), needs: ['repeat_buyer_rate'] },
    { name: 'Browsed, Rarely Bought', description: 'Viewed often, seldom bought', action: 'Check price, photos and sizing; retarget viewers', score: (z) => z('views') - z('view_to_buy'), needs: ['views', 'view_to_buy'] },
    { name: 'Slow Movers', description: 'Few units and few buyers', action: 'Clearance or bundles with bestsellers', score: (z) => -z('units') - z('buyers'), needs: ['units', 'buyers'], top: { feature: 'units', lowest: true } },
    { name: 'Hidden Gems', description: 'Seldom seen, but bought by many who see them', action: 'More visibility: home page, search ranking, recommendations', score: (z) => z('view_to_buy') - 0.5 * z('views'), needs: ['view_to_buy', 'views'] },
    { name: 'Entry Prices', description: 'Priced below the rest', action: 'Traffic drivers and bundle fillers; show to Value Hunters', score: (z) => -z('price'), needs: ['price'], top: { feature: 'price', lowest: true } },
  ],
};

/** One cluster of a fit as naming sees it. */
export interface ClusterFacts {
  /** The centroid in robust z units against the fitted population (0 = its median). */
  z: Z;
  /** The members' mean in the feature's own units; null for a cluster nobody is nearest to. */
  mean: (feature: string) => number | null;
  size: number;
  /** The name of the previous fit's cluster this one was matched to, kept only if it still fits (checked here). */
  kept?: string | undefined;
}

export interface Named {
  name: string;
  description: string;
  action: string;
  /** The previous fit's name still fits: the caller keeps that cluster's id, description and history. */
  kept: boolean;
  /** Why a plain name stands where an archetype's would have: the name refused and the reason. */
  warnings: string[];
}

interface NamingContext {
  /** The numeric features, in order: what a plain name may mention. */
  features: readonly string[];
  /** Whether the fitted rows carry any information on the feature: some value, not all the same. */
  hasData: (feature: string) => boolean;
}

const words = (feature: string): string => feature.replace(/_/g, ' ');
const percent = (share: number): string => `${Math.round(share * 100)}%`;

/** The cluster an archetype may name: the one it fits best, or the one first on its `top` feature. */
function candidate(a: Archetype, clusters: readonly ClusterFacts[], scores: readonly number[]): number {
  let best = -1;
  const key = (i: number): number => {
    if (!a.top) return scores[i]!;
    const m = clusters[i]!.mean(a.top.feature);
    return m === null ? -Infinity : a.top.lowest ? -m : m;
  };
  clusters.forEach((_, i) => {
    if (best < 0 || key(i) > key(best)) best = i;
  });
  return best;
}

interface Verdict {
  cluster: number;
  score: number;
  /** Why the name may not be used in this fit at all; undefined when it may. */
  refused: string | undefined;
}

function judge(a: Archetype, clusters: readonly ClusterFacts[], context: NamingContext): Verdict {
  const scores = clusters.map((c) => a.score(c.z));
  const cluster = candidate(a, clusters, scores);
  const total = clusters.reduce((s, c) => s + c.size, 0);
  const fits = (score: number): boolean => score >= MIN_SCORE && score >= FIT_SHARE * scores[cluster]!;
  const covered = clusters.reduce((s, c, i) => s + (fits(scores[i]!) ? c.size : 0), 0);
  const missing = a.needs.filter((f) => !context.hasData(f));
  const refused = missing.length
    ? `not named ${a.name}: ${missing.map(words).join(' and ')} ${missing.length > 1 ? 'have' : 'has'} no data in this fit (every value missing or the same)`
    : total > 0 && covered / total > MAX_COVERAGE
      ? `not named ${a.name}: the name would fit ${percent(covered / total)} of the ${total} customers, so it tells nobody apart`
      : undefined;
  return { cluster, score: scores[cluster]!, refused };
}

/** A plain name: the cluster's strongest deviations from the size-weighted mean centroid of the fit. */
function plainName(i: number, clusters: readonly ClusterFacts[], context: NamingContext): Omit<Named, 'kept' | 'warnings'> {
  const total = clusters.reduce((s, c) => s + c.size, 0) || 1;
  const deviations = context.features
    .map((f) => ({ f, d: clusters[i]!.z(f) - clusters.reduce((s, c) => s + (c.size / total) * c.z(f), 0) }))
    .filter((x) => Math.abs(x.d) >= MIN_DEVIATION)
    .sort((x, y) => Math.abs(y.d) - Math.abs(x.d))
    .slice(0, 2)
    .map((x) => `${x.d > 0 ? 'higher' : 'lower'} ${words(x.f)}`);
  if (!deviations.length) return { name: 'Typical', description: 'Close to the other clusters on every feature', action: 'Look at the members before targeting' };
  return {
    name: deviations.join(', ').replace(/^./, (c) => c.toUpperCase()),
    description: `Stand out from the other clusters by ${deviations.join(' and ')}`,
    action: 'Look at the members before targeting',
  };
}

const baseName = (name: string): string => name.replace(/ \d+$/, '');

/**
 * One name per cluster of a fit. A kept name (from the previous fit's matched cluster) stays if it still fits: an
 * archetype's name on its candidate cluster, not refused, is reserved before the others are given out; a plain name
 * stays if this fit would give the cluster the same plain name.
 */
export function nameClusters(kind: ModelKind, clusters: readonly ClusterFacts[], context: NamingContext): Named[] {
  const archetypes = ARCHETYPES[kind];
  const verdicts = new Map(archetypes.map((a) => [a.name, judge(a, clusters, context)]));
  const out: Array<Named | undefined> = clusters.map((c, i) => {
    const a = archetypes.find((x) => x.name === c.kept);
    const v = a && verdicts.get(a.name);
    return a && v && v.cluster === i && v.score >= MIN_SCORE && !v.refused ? { name: a.name, description: a.description, action: a.action, kept: true, warnings: [] } : undefined;
  });
  const used = new Set(out.flatMap((n) => (n ? [n.name] : [])));
  const warnings = clusters.map((): string[] => []);
  const pairs = archetypes.map((a) => ({ a, v: verdicts.get(a.name)! })).sort((x, y) => y.v.score - x.v.score);
  for (const { a, v } of pairs) {
    if (v.score < MIN_SCORE || out[v.cluster] || used.has(a.name)) continue;
    if (v.refused) {
      warnings[v.cluster]!.push(v.refused);
      continue;
    }
    out[v.cluster] = { name: a.name, description: a.description, action: a.action, kept: false, warnings: [] };
    used.add(a.name);
  }
  const plain = clusters.map((_, i) => (out[i] ? undefined : plainName(i, clusters, context)));
  // Plain names kept from the previous fit first, so a fresh cluster with the same description takes the suffix.
  clusters.forEach((c, i) => {
    const p = plain[i];
    if (!p || c.kept === undefined || baseName(c.kept) !== p.name || used.has(c.kept)) return;
    out[i] = { ...p, name: c.kept, kept: true, warnings: warnings[i]! };
    used.add(c.kept);
  });
  return out.map((n, i) => {
    if (n) return n;
    const p = plain[i]!;
    let name = p.name;
    for (let suffix = 2; used.has(name); suffix++) name = `${p.name} ${suffix}`;
    used.add(name);
    return { ...p, name, kept: false, warnings: warnings[i]! };
  });
}
