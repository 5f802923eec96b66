import { csvField } from './csv-writer.js';
import { formatId } from './ids.js';
import { WeightedTable, type Random } from './random.js';
import { DAY, HOUR, dayOf, type TimeWindow, type TimestampFormatter } from './timestamps.js';

/**
 * The synthetic fashion catalog: categories with a mid-market price, brands with a price positioning, materials,
 * colors, style and occasion tags. Personas are defined against these attributes, so the vocabulary here is what makes
 * them tell apart in the data.
 */

const PRICE_TIERS = ['budget', 'mid', 'premium'] as const;
export type PriceTier = (typeof PRICE_TIERS)[number];

export type StyleTag = 'comfort' | 'premium' | 'trend' | 'sustainable' | 'basics' | 'classic';
type OccasionTag = 'work' | 'party' | 'casual' | 'sport' | 'travel' | 'wedding';

type Material =
  | 'cotton'
  | 'organic cotton'
  | 'linen'
  | 'wool'
  | 'merino wool'
  | 'cashmere'
  | 'silk'
  | 'leather'
  | 'suede'
  | 'denim'
  | 'polyester'
  | 'recycled polyester'
  | 'viscose'
  | 'elastane'
  | 'nylon'
  | 'fleece'
  | 'modal'
  | 'canvas';

/** Materials that read as soft against the skin (comfort seekers) and as luxurious (quality enthusiasts). */
export const SOFT_MATERIALS: ReadonlySet<Material> = new Set(['cotton', 'organic cotton', 'modal', 'fleece', 'merino wool', 'cashmere']);
export const LUXURY_MATERIALS: ReadonlySet<Material> = new Set(['cashmere', 'wool', 'merino wool', 'silk', 'leather', 'suede']);

interface CategorySpec {
  name: string;
  nouns: readonly string[];
  /** Typical mid-tier price; budget and premium tiers scale from it. */
  midPrice: number;
  /** Relative share of the catalog. */
  share: number;
  materials: Partial<Record<Material, number>>;
  /** A second material some products blend in (elastane in jeans). */
  blend?: Material;
  occasions: readonly OccasionTag[];
  comfortChance: number;
  basicsChance: number;
}

const CATEGORIES: readonly CategorySpec[] = [
  {
    name: 'dresses',
    nouns: ['dress', 'midi dress', 'maxi dress', 'shirt dress', 'slip dress'],
    midPrice: 79,
    share: 10,
    materials: { cotton: 3, linen: 2, viscose: 3, silk: 1.5, polyester: 2, 'recycled polyester': 1, 'organic cotton': 1 },
    occasions: ['party', 'wedding', 'work', 'casual'],
    comfortChance: 0.1,
    basicsChance: 0.05,
  },
  {
    name: 'tops',
    nouns: ['t-shirt', 'blouse', 'shirt', 'tank top', 'polo'],
    midPrice: 35,
    share: 15,
    materials: { cotton: 5, 'organic cotton': 2, linen: 1.5, silk: 1, viscose: 2, polyester: 1, modal: 1 },
    occasions: ['casual', 'work', 'party', 'travel'],
    comfortChance: 0.3,
    basicsChance: 0.45,
  },
  {
    name: 'jeans',
    nouns: ['jeans', 'straight jeans', 'wide-leg jeans', 'skinny jeans'],
    midPrice: 79,
    share: 7,
    materials: { denim: 6, 'organic cotton': 2 },
    blend: 'elastane',
    occasions: ['casual', 'travel'],
    comfortChance: 0.15,
    basicsChance: 0.4,
  },
  {
    name: 'trousers',
    nouns: ['trousers', 'chinos', 'wide-leg trousers', 'cargo trousers'],
    midPrice: 65,
    share: 7,
    materials: { cotton: 3, linen: 2, wool: 1.5, viscose: 1, polyester: 1.5 },
    occasions: ['work', 'casual', 'travel'],
    comfortChance: 0.2,
    basicsChance: 0.25,
  },
  {
    name: 'skirts',
    nouns: ['skirt', 'midi skirt', 'mini skirt', 'pleated skirt'],
    midPrice: 49,
    share: 4,
    materials: { cotton: 2, viscose: 2, polyester: 2, silk: 1, leather: 0.5, denim: 1 },
    occasions: ['work', 'party', 'casual'],
    comfortChance: 0.05,
    basicsChance: 0.1,
  },
  {
    name: 'knitwear',
    nouns: ['sweater', 'cardigan', 'jumper', 'turtleneck'],
    midPrice: 75,
    share: 9,
    materials: { wool: 3, 'merino wool': 3, cashmere: 1.5, cotton: 2, 'organic cotton': 1, polyester: 1 },
    occasions: ['casual', 'work', 'travel'],
    comfortChance: 0.55,
    basicsChance: 0.3,
  },
  {
    name: 'outerwear',
    nouns: ['jacket', 'coat', 'trench coat', 'puffer jacket', 'blazer'],
    midPrice: 149,
    share: 7,
    materials: { wool: 3, cotton: 2, polyester: 2, 'recycled polyester': 1.5, nylon: 1.5, leather: 1, suede: 0.5 },
    occasions: ['work', 'casual', 'travel'],
    comfortChance: 0.1,
    basicsChance: 0.1,
  },
  {
    name: 'shoes',
    nouns: ['boots', 'loafers', 'heels', 'sandals', 'ballet flats'],
    midPrice: 99,
    share: 7,
    materials: { leather: 5, suede: 2, canvas: 1, polyester: 1 },
    occasions: ['work', 'party', 'wedding', 'casual'],
    comfortChance: 0.1,
    basicsChance: 0.1,
  },
  {
    name: 'sneakers',
    nouns: ['sneakers', 'running shoes', 'trainers'],
    midPrice: 89,
    share: 6,
    materials: { leather: 2, canvas: 2, 'recycled polyester': 1.5, nylon: 1.5, suede: 1 },
    occasions: ['casual', 'sport', 'travel'],
    comfortChance: 0.5,
    basicsChance: 0.25,
  },
  {
    name: 'bags',
    nouns: ['tote bag', 'crossbody bag', 'backpack', 'clutch'],
    midPrice: 89,
    share: 5,
    materials: { leather: 4, canvas: 2, nylon: 1.5, 'recycled polyester': 1, suede: 0.5 },
    occasions: ['work', 'travel', 'party'],
    comfortChance: 0.02,
    basicsChance: 0.15,
  },
  {
    name: 'accessories',
    nouns: ['scarf', 'belt', 'hat', 'beanie', 'gloves'],
    midPrice: 29,
    share: 8,
    materials: { wool: 2, cashmere: 1, leather: 2, cotton: 2, silk: 1, polyester: 1 },
    occasions: ['party', 'wedding', 'casual', 'travel'],
    comfortChance: 0.15,
    basicsChance: 0.3,
  },
  {
    name: 'activewear',
    nouns: ['leggings', 'sports bra', 'running top', 'track jacket'],
    midPrice: 45,
    share: 6,
    materials: { polyester: 3, 'recycled polyester': 2, nylon: 2, cotton: 1 },
    blend: 'elastane',
    occasions: ['sport'],
    comfortChance: 0.7,
    basicsChance: 0.35,
  },
  {
    name: 'loungewear',
    nouns: ['joggers', 'hoodie', 'pyjamas', 'sweatshirt', 'lounge set'],
    midPrice: 39,
    share: 6,
    materials: { cotton: 3, 'organic cotton': 2, fleece: 2, modal: 2, cashmere: 0.3 },
    occasions: ['casual', 'travel'],
    comfortChance: 0.9,
    basicsChance: 0.4,
  },
  {
    name: 'swimwear',
    nouns: ['swimsuit', 'bikini', 'swim shorts'],
    midPrice: 39,
    share: 3,
    materials: { nylon: 2, 'recycled polyester': 2, polyester: 1 },
    blend: 'elastane',
    occasions: ['travel'],
    comfortChance: 0.1,
    basicsChance: 0.1,
  },
];

interface BrandSpec {
  name: string;
  tier: PriceTier;
  /** The style tag the brand is known for; its products carry it far more often. */
  leaning?: StyleTag;
  /** Categories a specialist brand makes; generalists make everything. */
  focus?: readonly string[];
}

const BRANDS: readonly BrandSpec[] = [
  { name: 'Basico', tier: 'budget', leaning: 'basics' },
  { name: 'Daily Thread', tier: 'budget', leaning: 'basics' },
  { name: 'Urban Loop', tier: 'budget', leaning: 'trend' },
  { name: 'Neon Alley', tier: 'budget', leaning: 'trend' },
  { name: 'Stride Sport', tier: 'budget', leaning: 'comfort', focus: ['activewear', 'sneakers', 'swimwear'] },
  { name: 'Cosy Club', tier: 'budget', leaning: 'comfort', focus: ['loungewear', 'knitwear', 'tops'] },
  { name: 'Northline', tier: 'mid', leaning: 'classic' },
  { name: 'Marlow & Finch', tier: 'mid', leaning: 'classic' },
  { name: 'Fieldhouse', tier: 'mid' },
  { name: 'Luma Studio', tier: 'mid', leaning: 'trend' },
  { name: 'Verde Loom', tier: 'mid', leaning: 'sustainable' },
  { name: 'Tempo Athletics', tier: 'mid', leaning: 'comfort', focus: ['activewear', 'sneakers', 'swimwear'] },
  { name: 'Hearth & Hollow', tier: 'mid', leaning: 'comfort', focus: ['loungewear', 'knitwear', 'tops'] },
  { name: 'Atelier Sorel', tier: 'premium', leaning: 'trend' },
  { name: 'Maison Verre', tier: 'premium', leaning: 'classic' },
  { name: 'Hale & Hart', tier: 'premium', leaning: 'classic' },
  { name: 'Elsworth', tier: 'premium' },
  { name: 'Terra Nova', tier: 'premium', leaning: 'sustainable' },
  { name: 'Cordova Leather', tier: 'premium', focus: ['bags', 'shoes', 'accessories', 'outerwear'] },
  { name: 'Isola Cashmere', tier: 'premium', focus: ['knitwear', 'accessories', 'loungewear'] },
];

const COLORS = new WeightedTable<string>([
  ['black', 5],
  ['white', 4],
  ['navy', 3],
  ['grey', 3],
  ['beige', 3],
  ['cream', 2],
  ['ecru', 1.5],
  ['camel', 1.5],
  ['brown', 1.5],
  ['charcoal', 1.5],
  ['olive', 1.5],
  ['khaki', 1],
  ['sage', 1],
  ['green', 1],
  ['burgundy', 1],
  ['red', 1.5],
  ['pink', 1.5],
  ['lilac', 1],
  ['sky blue', 1],
  ['cobalt', 1],
  ['mustard', 0.8],
]);

const TITLE_STYLES = ['Relaxed', 'Cropped', 'Oversized', 'Slim', 'Essential', 'Wrap', 'Pleated', 'Tailored', 'Soft', 'Everyday', 'Statement', 'Fitted'];

const TIER_SHARE = WeightedTable.of<PriceTier>({ budget: 0.35, mid: 0.4, premium: 0.25 });
const TIER_PRICE_FACTOR: Record<PriceTier, number> = { budget: 0.5, mid: 1, premium: 2.4 };

/** How each tier shifts the odds of a material: premium lines use fine fibres, budget lines synthetics. */
const TIER_MATERIAL_FACTOR: Record<PriceTier, Partial<Record<Material, number>>> = {
  budget: { cashmere: 0.02, silk: 0.1, leather: 0.2, suede: 0.2, wool: 0.3, 'merino wool': 0.3, polyester: 3, viscose: 2, nylon: 1.5 },
  mid: {},
  premium: { cashmere: 5, silk: 3, wool: 3, 'merino wool': 3, leather: 4, suede: 3, polyester: 0.15, viscose: 0.5, nylon: 0.5, fleece: 0.3 },
};
const SUSTAINABLE_MATERIAL_FACTOR: Partial<Record<Material, number>> = { 'organic cotton': 8, 'recycled polyester': 8, linen: 3 };

export interface Product {
  /** Position in the catalog, which is sorted by launch time; lets per-product tables be plain arrays. */
  readonly index: number;
  readonly id: string;
  readonly title: string;
  readonly category: string;
  readonly brand: string;
  readonly tier: PriceTier;
  readonly priceCents: number;
  readonly colors: readonly string[];
  readonly materials: readonly Material[];
  readonly styleTags: readonly StyleTag[];
  readonly occasions: readonly OccasionTag[];
  /** Seconds since the epoch. */
  readonly launchedAt: number;
  /** Search phrases that find this product ("linen dress"), already CSV-escaped. */
  readonly searchQueries: readonly string[];
}

/** About 300 products per 10,000 customers, never a toy catalog and never an unwieldy one. */
export function catalogSizeFor(customers: number): number {
  return Math.min(20_000, Math.max(200, Math.round(customers * 0.03)));
}

/** Shares of the catalog launched before the event window (the carried-over range) and in its last 60 days. */
const CARRIED_OVER_SHARE = 0.22;
const NEW_ARRIVAL_SHARE = 0.08;
const NEW_ARRIVAL_DAYS = 60;

/**
 * Products sorted by launch time, ids assigned in that order. Part of the range launched before the event window so
 * that the very first orders have something to buy; the rest launch across the two years, with a batch of new
 * arrivals in the last 60 days.
 */
export function buildCatalog(rng: Random, count: number, window: TimeWindow): Product[] {
  const categories = new WeightedTable(CATEGORIES.map((c) => [c, c.share] as const));
  const brandTables = brandTablesByCategoryAndTier();
  const firstDay = dayOf(window.start);
  const lastDay = dayOf(window.end - 1);
  const drafts: { product: Omit<Product, 'id' | 'index'>; order: number }[] = [];
  for (let i = 0; i < count; i++) {
    let launchDay: number;
    if (i < Math.round(count * CARRIED_OVER_SHARE)) launchDay = rng.intBetween(firstDay - 365, firstDay - 1);
    else if (i < Math.round(count * (CARRIED_OVER_SHARE + NEW_ARRIVAL_SHARE))) launchDay = rng.intBetween(lastDay - NEW_ARRIVAL_DAYS + 1, lastDay);
    else launchDay = rng.intBetween(firstDay, lastDay);
    // Drops go live early in the morning; the clamp only matters when the window ends before 06:00.
    const launchedAt = Math.min(launchDay * DAY + 6 * HOUR, window.end - 1);
    const category = categories.pick(rng);
    const tier = TIER_SHARE.pick(rng);
    const brand = brandTables.get(`${category.name}/${tier}`)?.pick(rng);
    if (!brand) throw new Error(`no brand makes ${tier} ${category.name}`);
    drafts.push({ product: draftProduct(rng, category, brand, launchedAt), order: i });
  }
  drafts.sort((x, y) => x.product.launchedAt - y.product.launchedAt || x.order - y.order);
  const width = Math.max(5, String(count).length);
  return drafts.map(({ product }, i) => ({ index: i, id: formatId('P', i + 1, width), ...product }));
}

function brandTablesByCategoryAndTier(): Map<string, WeightedTable<BrandSpec>> {
  const tables = new Map<string, WeightedTable<BrandSpec>>();
  for (const category of CATEGORIES) {
    for (const tier of PRICE_TIERS) {
      // Specialists dominate their categories; generalists fill the rest.
      const candidates = BRANDS.filter((b) => b.tier === tier && (!b.focus || b.focus.includes(category.name))).map(
        (b) => [b, b.focus ? 3 : 1] as const,
      );
      if (candidates.length > 0) tables.set(`${category.name}/${tier}`, new WeightedTable(candidates));
    }
  }
  return tables;
}

function draftProduct(rng: Random, category: CategorySpec, brand: BrandSpec, launchedAt: number): Omit<Product, 'id' | 'index'> {
  const tier = brand.tier;
  const styleTags = drawStyleTags(rng, category, brand);
  const materials = drawMaterials(rng, category, tier, styleTags.includes('sustainable'));
  const colors = drawColors(rng);
  const occasions = drawOccasions(rng, category);
  const noun = rng.pick(category.nouns);
  const material = materials[0] ?? 'cotton';
  const color = colors[0] ?? 'black';
  const occasion = occasions[0] ?? 'casual';
  const title = `${rng.pick(TITLE_STYLES)} ${capitalizeWords(material)} ${capitalizeWords(noun)}`;
  // Whole-unit prices ending in .99, spread ±20% around the tier's level for the category.
  const price = Math.max(5, Math.round(category.midPrice * TIER_PRICE_FACTOR[tier] * rng.between(0.8, 1.2)));
  return {
    title,
    category: category.name,
    brand: brand.name,
    tier,
    priceCents: price * 100 - 1,
    colors,
    materials,
    styleTags,
    occasions,
    launchedAt,
    searchQueries: [`${color} ${noun}`, `${material} ${noun}`, `${occasion} ${noun}`, noun].map(csvField),
  };
}

function drawStyleTags(rng: Random, category: CategorySpec, brand: BrandSpec): StyleTag[] {
  const tier = brand.tier;
  const lean = (tag: StyleTag, p: number): number => (brand.leaning === tag ? Math.max(p, 0.8) : p);
  const tags: StyleTag[] = [];
  if (rng.chance(lean('comfort', category.comfortChance))) tags.push('comfort');
  if (rng.chance(tier === 'premium' ? 0.85 : tier === 'mid' ? 0.08 : 0)) tags.push('premium');
  const trend = rng.chance(lean('trend', tier === 'budget' ? 0.35 : tier === 'mid' ? 0.28 : 0.18));
  if (trend) tags.push('trend');
  if (rng.chance(lean('sustainable', 0.1))) tags.push('sustainable');
  if (rng.chance(lean('basics', category.basicsChance * (tier === 'budget' ? 1.3 : tier === 'premium' ? 0.4 : 1)))) tags.push('basics');
  // Classic and trend rarely describe the same piece.
  if (!trend && rng.chance(lean('classic', tier === 'premium' ? 0.45 : 0.2))) tags.push('classic');
  if (tags.length === 0) tags.push(tier === 'budget' ? 'basics' : 'classic');
  return tags;
}

function drawMaterials(rng: Random, category: CategorySpec, tier: PriceTier, sustainable: boolean): Material[] {
  const tierFactor = TIER_MATERIAL_FACTOR[tier];
  const entries = (Object.entries(category.materials) as [Material, number][]).map(([material, weight]) => {
    const sustainableFactor = sustainable ? (SUSTAINABLE_MATERIAL_FACTOR[material] ?? 1) : 1;
    return [material, weight * (tierFactor[material] ?? 1) * sustainableFactor] as const;
  });
  const main = new WeightedTable(entries).pick(rng);
  return category.blend && rng.chance(0.4) ? [main, category.blend] : [main];
}

function drawColors(rng: Random): string[] {
  const wanted = rng.chance(0.6) ? 1 : rng.chance(0.75) ? 2 : 3;
  const colors: string[] = [];
  // A few draws more than needed; a repeated color is just skipped.
  for (let attempt = 0; colors.length < wanted && attempt < wanted * 4; attempt++) {
    const color = COLORS.pick(rng);
    if (!colors.includes(color)) colors.push(color);
  }
  return colors;
}

function drawOccasions(rng: Random, category: CategorySpec): OccasionTag[] {
  const first = rng.pick(category.occasions);
  const second = rng.pick(category.occasions);
  return second !== first && rng.chance(0.3) ? [first, second] : [first];
}

function capitalizeWords(text: string): string {
  return text.replace(/(^|[\s-])([a-z])/g, (_match, before: string, letter: string) => before + letter.toUpperCase());
}

/** SS for February to July launches, AW otherwise (January belongs to the previous autumn/winter). */
function seasonOf(launchedAt: number): string {
  const date = new Date(launchedAt * 1000);
  const month = date.getUTCMonth() + 1;
  const year = date.getUTCFullYear() - (month === 1 ? 1 : 0);
  return `${month >= 2 && month <= 7 ? 'SS' : 'AW'}${String(year % 100).padStart(2, '0')}`;
}

export const PRODUCT_COLUMNS = ['id', 'title', 'category', 'brand', 'price', 'colors', 'materials', 'style_tags', 'launched_at', 'attributes'] as const;

export function productCsvRow(product: Product, timestamps: TimestampFormatter): string {
  const attributes = csvField(JSON.stringify({ price_tier: product.tier, season: seasonOf(product.launchedAt) }));
  return [
    product.id,
    csvField(product.title),
    product.category,
    csvField(product.brand),
    (product.priceCents / 100).toFixed(2),
    product.colors.join('|'),
    product.materials.join('|'),
    [...product.styleTags, ...product.occasions].join('|'),
    timestamps.format(product.launchedAt),
    attributes,
  ].join(',');
}
