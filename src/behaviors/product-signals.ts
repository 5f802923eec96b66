import { STYLE_TAGS, productFeaturesQuery, type FeatureUnit } from '../features/index.js';
import { ident, join, listContains, listHasAny, listLower, sql, type Sql } from '../sql/index.js';
import type { BehaviorSpec } from './specs.js';

/**
 * Materials as shoppers read them, in the words product catalogs use: what feels soft, what reads as luxurious, what
 * is sold as sustainable.
 */
export const SOFT_MATERIALS = ['cotton', 'organic cotton', 'modal', 'fleece', 'merino wool', 'cashmere', 'jersey', 'bamboo'];
export const LUXURY_MATERIALS = ['cashmere', 'wool', 'merino wool', 'silk', 'leather', 'suede'];
const SUSTAINABLE_MATERIALS = ['organic cotton', 'recycled polyester', 'linen', 'hemp', 'lyocell', 'tencel'];

export interface ProductSignal {
  name: string;
  unit: FeatureUnit;
  description: string;
  /** Over the aliases of `productSignalsQuery`: p (products), f (product features), w (recent sales), cm (category median price); `asOf` is the bound as-of timestamp. */
  expr: (asOf: Sql) => Sql;
}

const anyMaterial = (set: readonly string[]) => (): Sql => sql`CASE WHEN ${listHasAny(listLower(sql`p.materials`), set)} THEN 1.0 ELSE 0.0 END`;

const PRODUCT_SIGNALS: readonly ProductSignal[] = [
  ...STYLE_TAGS.map((tag) => ({
    name: `tag_${tag}`,
    unit: 'ratio' as const,
    description: `1 when the product carries the style tag '${tag}', else 0`,
    expr: () => sql`CASE WHEN ${listContains(listLower(sql`p.style_tags`), tag)} THEN 1.0 ELSE 0.0 END`,
  })),
  { name: 'soft_material', unit: 'ratio', description: `1 when made of a soft material (${SOFT_MATERIALS.join(', ')})`, expr: anyMaterial(SOFT_MATERIALS) },
  { name: 'luxury_material', unit: 'ratio', description: `1 when made of a luxury material (${LUXURY_MATERIALS.join(', ')})`, expr: anyMaterial(LUXURY_MATERIALS) },
  { name: 'sustainable_material', unit: 'ratio', description: `1 when made of a sustainable material (${SUSTAINABLE_MATERIALS.join(', ')})`, expr: anyMaterial(SUSTAINABLE_MATERIALS) },
  { name: 'price_vs_category', unit: 'index', description: "List price relative to its category's median list price (1 = typical)", expr: () => sql`p.price / NULLIF(cm.med, 0)` },
  { name: 'discount_sales_share', unit: 'ratio', description: 'Share of its order lines sold with a discount', expr: () => sql`CAST(w.discounted_lines AS DOUBLE) / NULLIF(w.lines, 0)` },
  {
    name: 'sales_momentum',
    unit: 'index',
    description: 'Units sold in the last 30 days against the 30-day average of the 60 days before (log ratio, 0 = steady)',
    expr: () => sql`ln((coalesce(w.units_30d, 0) + 1) / (coalesce(w.units_prior_60d, 0) / 2.0 + 1))`,
  },
  { name: 'views_30d', unit: 'count', description: 'Product views in the last 30 days', expr: () => sql`coalesce(w.views_30d, 0)` },
  { name: 'days_since_launch', unit: 'days', description: 'Days from the launch to the as-of date', expr: (asOf) => sql`date_diff('day', p.launched_at, ${asOf})` },
  { name: 'repeat_buyer_rate', unit: 'ratio', description: 'Share of buyers who bought it in two orders or more', expr: () => sql`f.repeat_buyer_rate` },
  { name: 'units', unit: 'count', description: 'Units sold minus units returned', expr: () => sql`f.units` },
];

export function findProductSignal(name: string): ProductSignal | undefined {
  return PRODUCT_SIGNALS.find((s) => s.name === name);
}

/**
 * One row per product with the signals the specs read, as of a date: the product features (product-sql.ts) and the
 * recent sales and views they lack, from one scan of the events before the date.
 */
export function productSignalsQuery(asOf: string, specs: readonly BehaviorSpec[]): Sql {
  const at = sql`CAST(${asOf} AS TIMESTAMP)`;
  const names = [...new Set(specs.flatMap((s) => s.signals.map((x) => x.signal)))];
  const columns = join(names.map((n) => sql`CAST(${findProductSignal(n)!.expr(at)} AS DOUBLE) AS ${ident(n)}`));
  return sql`WITH f AS (${productFeaturesQuery({ asOf })}),
cm AS (SELECT coalesce(category, '') AS cat, median(price) AS med FROM products WHERE price > 0 GROUP BY ALL),
w AS (
  SELECT product_id, count(*) FILTER (WHERE type = 'order') AS lines,
    count(*) FILTER (WHERE type = 'order' AND discount > 0) AS discounted_lines,
    sum(quantity) FILTER (WHERE type = 'order' AND ts >= ${at} - INTERVAL 30 DAY) AS units_30d,
    sum(quantity) FILTER (WHERE type = 'order' AND ts < ${at} - INTERVAL 30 DAY AND ts >= ${at} - INTERVAL 90 DAY) AS units_prior_60d,
    count(*) FILTER (WHERE type = 'view' AND ts >= ${at} - INTERVAL 30 DAY) AS views_30d
  FROM events WHERE ts < ${at} AND product_id IS NOT NULL AND type IN ('order', 'view') GROUP BY product_id
)
SELECT p.id AS product_id, ${columns}
FROM products p LEFT JOIN f ON f.product_id = p.id LEFT JOIN w ON w.product_id = p.id
LEFT JOIN cm ON cm.cat = coalesce(p.category, '')`;
}
