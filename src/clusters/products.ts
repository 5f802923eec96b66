import { defaultAsOf, featureTableAsOf, productFeaturesQuery } from '../features/index.js';
import { sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { columnsOf, fitDataset, type ClusteringReport } from './fit.js';

/** Numeric product features clustered on; category and style tags join them as 0/1 columns. */
const NUMERIC = ['price', 'units', 'buyers', 'repeat_buyer_rate', 'views', 'view_to_buy'];
/** At most this many categories and tags get a column each: the long tail adds dimensions, not structure. */
const MAX_INDICATORS = 20;

interface ProductRow {
  id: string;
  revenue: number;
  category: string | null;
  style_tags: string[] | null;
  [feature: string]: unknown;
}

/**
 * Clusters the products on their sales features, price, category and style tags, as of the latest run (or the day
 * after the last event without one), and names each cluster (Bestsellers, Premium Picks, ...); the report adds its
 * leading categories and tags to the description. The model is stored apart from the customer clusterings, which
 * runs refit.
 */
export async function fitProductClustering(store: Store, options: { k?: number | undefined; seed?: number | undefined } = {}): Promise<ClusteringReport> {
  const asOf = (await featureTableAsOf(store)) ?? (await defaultAsOf(store));
  const products = await store.all<ProductRow>(sql`
    SELECT f.*, p.price, p.category, p.style_tags FROM (${productFeaturesQuery({ asOf })}) f JOIN products p ON p.id = f.product_id
    ORDER BY f.product_id`);
  const common = (values: Array<string | null>): string[] => {
    const counts = new Map<string, number>();
    for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, MAX_INDICATORS).map(([v]) => v);
  };
  const categories = common(products.map((p) => p.category));
  const tags = common(products.flatMap((p) => p.style_tags ?? []));
  const indicators = [...categories.map((c) => `category=${c}`), ...tags.map((t) => `tag=${t}`)];
  const rows = products.map((p) => {
    const row: Record<string, number | null> = {};
    for (const f of NUMERIC) row[f] = typeof p[f] === 'number' ? (p[f]) : null;
    for (const c of categories) row[`category=${c}`] = p.category === c ? 1 : 0;
    for (const t of tags) row[`tag=${t}`] = p.style_tags?.includes(t) ? 1 : 0;
    return row;
  });
  const features = [...NUMERIC, ...indicators];
  const { report } = await fitDataset(
    store,
    { kind: 'products', features, binary: indicators.length, columns: columnsOf(rows, features), revenue: products.map((p) => p.revenue), noun: 'products', idPrefix: 'product-cluster-' },
    { asOf, k: options.k, seed: options.seed },
  );
  return report;
}
