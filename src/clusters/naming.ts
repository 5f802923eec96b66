import type { ModelKind } from './model.js';

/**
 * Names from centroids. Each archetype scores a centroid from its z values (robust units against the population);
 * names go to clusters greedily, best score first, each name once, and only where the score says the cluster leans
 * that way (above MIN_SCORE). A cluster no archetype fits is named after its strongest leanings.
 */

type Z = (feature: string) => number;

interface Archetype {
  name: string;
  description: string;
  action: string;
  score: (z: Z) => number;
}

const MIN_SCORE = 0.3;

// Recency counts days since the last order, so a low (negative) z is recent. At-Risk is the longest lapsed;
// Occasional Buyers spend little and seldom but have not lapsed as far.
const ARCHETYPES: Record<ModelKind, Archetype[]> = {
  rfm: [
    { name: 'High-Value', description: 'Buy often and spend the most', action: 'VIP treatment: early access, premium offers', score: (z) => z('revenue') + 0.5 * z('orders') - 0.25 * z('recency_days') },
    // Moderate spend: far above the median belongs to High-Value, even when orders are high as well.
    { name: 'Frequent & Loyal', description: 'Buy regularly and recently, with moderate spend', action: 'Loyalty points and exclusive perks', score: (z) => z('orders') - z('recency_days') - 0.5 * Math.abs(z('revenue')) },
    { name: 'At-Risk', description: 'Have not bought for a long time; lower engagement and spend', action: 'Personalised re-engagement offers and reminders', score: (z) => 1.5 * z('recency_days') - 0.25 * z('orders') },
    // Lapsed, and with at least about the usual number of orders (unlike At-Risk, who seldom bought at all).
    { name: 'Lapsed Loyals', description: 'Bought as often as most or more, but not for a long time', action: 'Win-back offer built on what they used to buy', score: (z) => Math.min(z('recency_days'), 0.5 + z('orders')) },
    { name: 'Occasional Buyers', description: 'Low spend and infrequent purchases', action: 'Small discounts to encourage the next order', score: (z) => -z('orders') - z('revenue') - 0.5 * z('recency_days') },
    { name: 'New Customers', description: 'Bought recently, for the first times', action: 'Welcome series and a second-order incentive', score: (z) => -z('recency_days') - z('orders') },
  ],
  behavior: [
    { name: 'Value Hunters', description: 'Buy mostly on discount, at low prices', action: 'Sale previews and bundle offers; keep margins in mind', score: (z) => z('discount_share') - 0.25 * z('premium_index') },
    { name: 'Quality Enthusiasts', description: 'Pay well above the category median, for premium pieces', action: 'Premium lines, craftsmanship stories, early access', score: (z) => z('premium_index') + 0.5 * z('premium_share') },
    { name: 'Trend Followers', description: 'Buy new arrivals and trend pieces soon after launch, often on the phone', action: 'New-in alerts and drops in the app', score: (z) => z('new_arrival_share') + 0.5 * z('trend_share') + 0.25 * z('mobile_share') },
    { name: 'Bulk Shoppers', description: 'Fill large baskets per order', action: 'Multi-buy offers and free shipping thresholds', score: (z) => z('items_per_order') },
    { name: 'Comfort Seekers', description: 'Favour comfortable pieces: most of what they buy is tagged comfort', action: 'Cosy edits, loungewear and knitwear drops, easy-returns messaging', score: (z) => z('comfort_share') },
    { name: 'Loyal Regulars', description: 'Order on a short, steady rhythm', action: 'Replenishment reminders and loyalty rewards', score: (z) => z('orders_per_year') },
    { name: 'Window Shoppers', description: 'Visit often, seldom order', action: 'Browse and cart reminders, a first-order or comeback incentive', score: (z) => -z('visit_conversion_rate') },
    { name: 'Occasional Shoppers', description: 'Few orders a year', action: 'Reminders timed to their rhythm', score: (z) => -z('orders_per_year') },
    { name: 'Frequent Returners', description: 'Send back much of what they buy', action: 'Fit and sizing help before the order; leave them out of free-returns promotions', score: (z) => z('return_rate') },
    { name: 'Weekend Shoppers', description: 'Order mostly on Saturdays and Sundays', action: 'Time campaigns for Friday evening and the weekend', score: (z) => z('weekend_share') },
  ],
  products: [
    { name: 'Bestsellers', description: 'Sell the most units to the most buyers', action: 'Keep in stock; feature in acquisition campaigns', score: (z) => z('units') + z('buyers') },
    { name: 'Premium Picks', description: 'Priced well above the rest', action: 'Show to Quality Enthusiasts and High-Value customers', score: (z) => z('price') },
    { name: 'Repeat Favourites', description: 'Bought again by the same customers', action: 'Replenishment reminders and subscriptions', score: (z) => z('repeat_buyer_rate') },
    { name: 'Browsed, Rarely Bought', description: 'Viewed often, seldom bought', action: 'Check price, photos and sizing; retarget viewers', score: (z) => z('views') - z('view_to_buy') },
    { name: 'Slow Movers', description: 'Few units and few buyers', action: 'Clearance or bundles with bestsellers', score: (z) => -z('units') - z('buyers') },
    { name: 'Hidden Gems', description: 'Seldom seen, but bought by many who see them', action: 'More visibility: home page, search ranking, recommendations', score: (z) => z('view_to_buy') - 0.5 * z('views') },
    { name: 'Entry Prices', description: 'Priced below the rest', action: 'Traffic drivers and bundle fillers; show to Value Hunters', score: (z) => -z('price') },
  ],
};

export interface Named {
  name: string;
  description: string;
  action: string;
}

const words = (feature: string): string => feature.replace(/_/g, ' ');

function fallback(leans: ReadonlyArray<{ feature: string; z: number }>): Named {
  const top = leans.slice(0, 2).map((l) => `${l.z >= 0 ? 'high' : 'low'} ${words(l.feature)}`);
  const name = top.length ? top.join(', ').replace(/^./, (c) => c.toUpperCase()) : 'Typical';
  return { name, description: `Stand out by ${top.join(' and ') || 'nothing: close to the median on every feature'}`, action: 'Look at the members before targeting' };
}

/** One name per centroid; `taken` holds names kept from an earlier fit, which new clusters must not reuse. */
export function nameClusters(
  method: ModelKind,
  centroids: ReadonlyArray<{ z: Z; leans: ReadonlyArray<{ feature: string; z: number }> }>,
  taken: ReadonlySet<string> = new Set(),
): Named[] {
  const pairs = centroids.flatMap((c, i) => ARCHETYPES[method].map((a) => ({ i, a, score: a.score(c.z) })));
  pairs.sort((x, y) => y.score - x.score);
  const out: Array<Named | undefined> = centroids.map(() => undefined);
  const used = new Set(taken);
  for (const { i, a, score } of pairs) {
    if (score < MIN_SCORE || out[i] || used.has(a.name)) continue;
    out[i] = { name: a.name, description: a.description, action: a.action };
    used.add(a.name);
  }
  return out.map((n, i) => {
    if (n) return n;
    let named = fallback(centroids[i]!.leans);
    for (let suffix = 2; used.has(named.name); suffix++) named = { ...named, name: `${fallback(centroids[i]!.leans).name} ${suffix}` };
    used.add(named.name);
    return named;
  });
}
