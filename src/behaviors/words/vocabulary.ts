import type { EventFilterField } from '../../segments/index.js';

/*
 * The fixed phrases of the interpreter: what marketers say about amounts, durations, recency, frequency, channels,
 * devices, countries and negation, and synonyms for catalog words. Catalog words themselves come from the store
 * (lexicon.ts); a synonym here only counts when its target is in the store's catalog.
 */

export type ProductField = Extract<EventFilterField, 'category' | 'brand' | 'tag' | 'color' | 'material' | 'occasion'>;
export type Comparator = '>' | '>=' | '<' | '<=' | '=';

/** What a phrase means; the reader (read.ts) combines them into rule conditions. */
export type Meaning =
  | { kind: 'filler' }
  | { kind: 'negation' }
  | { kind: 'boundary' }
  | { kind: 'join' }
  | { kind: 'event'; eventType: string }
  | { kind: 'person'; repeat: boolean }
  | { kind: 'quantifier'; only: boolean }
  | { kind: 'product'; field: ProductField; value: string }
  | { kind: 'country'; code: string }
  | { kind: 'channel'; value: string }
  | { kind: 'device'; value: string }
  | { kind: 'unit'; days: number }
  | { kind: 'compare'; op: Comparator }
  | { kind: 'metric'; metric: 'revenue' | 'orders' }
  | { kind: 'recency'; lapsed: boolean }
  | { kind: 'trait'; feature: string; op: Comparator; value: number; only: number; label: string };

const m = <T extends Meaning>(meaning: T): T => meaning;
const FILLER = m({ kind: 'filler' });
const NEGATION = m({ kind: 'negation' });
const BOUNDARY = m({ kind: 'boundary' });

/** Phrases of one to three words (normal forms or roots), longest matched first. */
export const PHRASES: ReadonlyMap<string, Meaning> = new Map<string, Meaning>([
  // clause structure and negation
  ...['who', 'that', 'which', 'whose', 'but', 'while', 'whereas'].map((w) => [w, BOUNDARY] as const),
  ...['and', 'or', 'either'].map((w) => [w, m({ kind: 'join' })] as const),
  ...['not', 'never', 'no', 'without', 'except', 'excluding', 'none', 'non', 'nor', 'neither', "don't", "doesn't", "didn't", "haven't", "hasn't", "hadn't", "won't", 'cannot', "can't"].map((w) => [w, NEGATION] as const),
  ...[
    'a', 'an', 'the', 'of', 'for', 'with', 'from', 'to', 'in', 'on', 'at', 'by', 'via', 'using', 'through', 'during', 'within', 'since', 'over the', 'last', 'past',
    'have', 'has', 'had', 'do', 'does', 'did', 'is', 'are', 'was', 'were', 'be', 'been', 'they', 'their', 'them', 'he', 'she', 'i', 'me', 'my', 'we', 'our',
    'want', 'show', 'find', 'list', 'give', 'all', 'any', 'ever', 'some', 'something', 'things', 'stuff', 'item', 'items', 'product', 'products', 'piece', 'pieces',
    'clothes', 'clothing', 'outfit', 'apparel', 'garment', 'wear', 'look', 'ones', 'those', 'these', 'this', 'customer', 'people', 'person', 'user', 'client', 'audience', 'segment', 'group', 'folks',
    'already', 'still', 'yet', 'also', 'just', 'really', 'very', 'time',
  ].map((w) => [w, FILLER] as const),
  // who buys, and how much they like it
  ...['buyer', 'purchaser', 'shopper', 'owner', 'wearer'].map((w) => [w, m({ kind: 'person', repeat: false })] as const),
  ...['lover', 'fan', 'enthusiast', 'addict', 'devotee', 'love', 'like', 'regularly', 'often', 'repeatedly', 'keep buying'].map((w) => [w, m({ kind: 'person', repeat: true })] as const),
  ...['only', 'exclusively', 'solely', 'always'].map((w) => [w, m({ kind: 'quantifier', only: true })] as const),
  ...['mostly', 'mainly', 'primarily', 'largely', 'usually', 'predominantly', 'majority'].map((w) => [w, m({ kind: 'quantifier', only: false })] as const),
  // what they did
  ...['buy', 'bought', 'purchase', 'order', 'shop', 'shopping', 'get', 'pick up', 'spend money'].map((w) => [w, m({ kind: 'event', eventType: 'order' })] as const),
  ...['view', 'browse', 'look at', 'visit', 'see', 'check out', 'viewer', 'browser'].map((w) => [w, m({ kind: 'event', eventType: 'view' })] as const),
  ...['search', 'search for', 'look for', 'searcher'].map((w) => [w, m({ kind: 'event', eventType: 'search' })] as const),
  ...['add to cart', 'add to basket', 'put in cart', 'cart'].map((w) => [w, m({ kind: 'event', eventType: 'add_to_cart' })] as const),
  ...['return', 'send back', 'returned'].map((w) => [w, m({ kind: 'event', eventType: 'return' })] as const),
  // amounts and frequency
  ...['more than', 'over', 'above', 'greater than', 'exceeding', 'beyond'].map((w) => [w, m({ kind: 'compare', op: '>' })] as const),
  ...['at least', 'minimum', 'min', 'or more', 'and more', 'and up', 'plus'].map((w) => [w, m({ kind: 'compare', op: '>=' })] as const),
  ...['less than', 'under', 'below', 'fewer than', 'lower than'].map((w) => [w, m({ kind: 'compare', op: '<' })] as const),
  ...['at most', 'up to', 'maximum', 'max', 'no more than', 'or less', 'or fewer'].map((w) => [w, m({ kind: 'compare', op: '<=' })] as const),
  ...['exactly', 'precisely'].map((w) => [w, m({ kind: 'compare', op: '=' })] as const),
  ...['spend', 'spent', 'spending', 'revenue', 'worth', 'value', 'euro', 'eur', 'dollar', 'usd', 'pound', 'gbp', 'total'].map((w) => [w, m({ kind: 'metric', metric: 'revenue' })] as const),
  ...['times', 'orders', 'purchases', 'order', 'purchase'].map((w) => [`${w}#n`, m({ kind: 'metric', metric: 'orders' })] as const),
  // durations
  ...[['day', 1], ['days', 1], ['week', 7], ['weeks', 7], ['month', 30], ['months', 30], ['quarter', 91], ['year', 365], ['years', 365]].map(([w, d]) => [String(w), m({ kind: 'unit', days: Number(d) })] as const),
  // recency
  ...['recent', 'recently', 'lately', 'active', 'new buyer'].map((w) => [w, m({ kind: 'recency', lapsed: false })] as const),
  ...['inactive', 'lapsed', 'dormant', 'churned', 'lost', 'gone quiet', 'stopped buying', 'stopped shopping', 'at risk'].map((w) => [w, m({ kind: 'recency', lapsed: true })] as const),
  // channels and devices
  ...['online', 'website', 'web', 'webshop', 'web shop', 'site', 'desktop site'].map((w) => [w, m({ kind: 'channel', value: 'web' })] as const),
  ...['app', 'mobile app', 'the app', 'application'].map((w) => [w, m({ kind: 'channel', value: 'app' })] as const),
  ...['in store', 'in-store', 'instore', 'in stores', 'offline', 'retail store', 'physical store', 'stores', 'store', 'boutique'].map((w) => [w, m({ kind: 'channel', value: 'store' })] as const),
  ...['mobile', 'phone', 'smartphone', 'cellphone', 'iphone', 'android', 'mobile-first', 'mobile first', 'mobile phone'].map((w) => [w, m({ kind: 'device', value: 'mobile' })] as const),
  ...['desktop', 'computer', 'laptop', 'pc', 'mac'].map((w) => [w, m({ kind: 'device', value: 'desktop' })] as const),
  ...['tablet', 'ipad'].map((w) => [w, m({ kind: 'device', value: 'tablet' })] as const),
  // behaviours the feature catalog measures
  ...['on sale', 'sale', 'discount', 'discounted', 'deal', 'bargain', 'promotion', 'promo', 'markdown', 'reduced', 'bargain hunter', 'deal hunter', 'coupon'].map(
    (w) => [w, trait('discount_share', 0.5, 'bought with a discount')] as const,
  ),
  ...['weekend', 'weekends', 'saturday', 'sunday', 'weekend shopper'].map((w) => [w, trait('weekend_share', 0.5, 'orders placed at weekends')] as const),
  ...['new arrival', 'new arrivals', 'new in', 'new collection', 'just launched', 'latest drop'].map((w) => [w, trait('new_arrival_share', 0.5, 'units bought within 30 days of launch')] as const),
  ...['returner', 'return a lot', 'frequent returner', 'serial returner', 'return often'].map((w) => [w, trait('return_rate', 0.3, 'units returned', 1)] as const),
  ...['abandon', 'abandoner', 'cart abandoner', 'abandon cart', 'abandoned cart', 'abandon their cart'].map((w) => [w, trait('cart_abandon_rate', 0.5, 'carts left without an order')] as const),
  ...['open email', 'email opener', 'read email', 'open newsletter', 'engaged with email'].map((w) => [w, trait('email_open_rate', 0.5, 'emails opened')] as const),
  ...['new customer', 'newcomer', 'first-time', 'newly registered', 'new signup', 'new joiner'].map((w) => [w, m({ kind: 'trait', feature: 'tenure_days', op: '<=', value: 90, only: 30, label: 'days since they joined' })] as const),
  ...['loyal', 'regular', 'frequent', 'repeat', 'returning', 'regular customer', 'frequent buyer', 'loyal customer'].map((w) => [w, m({ kind: 'trait', feature: 'orders', op: '>=', value: 3, only: 5, label: 'orders' })] as const),
  ...['one-time', 'one time', 'one-off', 'single purchase', 'bought once', 'only once'].map((w) => [w, m({ kind: 'trait', feature: 'orders', op: '=', value: 1, only: 1, label: 'orders' })] as const),
]);

/** A share-like feature: "X" means at least `value`, "only X" means `only` (all of it, by default). */
function trait(feature: string, value: number, label: string, only = 1): Meaning {
  return { kind: 'trait', feature, op: '>=', value, only, label };
}

/** Synonyms for catalog values: they count when the store's catalog has the value (field, value). */
export const SYNONYMS: ReadonlyArray<{ field: ProductField; value: string; words: readonly string[] }> = [
  { field: 'category', value: 'sneakers', words: ['sneaker', 'trainer', 'trainers', 'running shoe', 'kicks'] },
  { field: 'category', value: 'shoes', words: ['shoe', 'footwear', 'boot', 'boots', 'heels', 'sandal', 'sandals', 'loafer', 'loafers'] },
  { field: 'category', value: 'knitwear', words: ['knit', 'knits', 'sweater', 'sweaters', 'jumper', 'jumpers', 'cardigan', 'knitted'] },
  { field: 'category', value: 'outerwear', words: ['coat', 'coats', 'jacket', 'jackets', 'outer wear'] },
  { field: 'category', value: 'dresses', words: ['dress', 'gown', 'gowns'] },
  { field: 'category', value: 'tops', words: ['top', 't-shirt', 'tshirt', 'tee', 'tees', 'blouse', 'blouses'] },
  { field: 'category', value: 'trousers', words: ['pants', 'trouser', 'chinos', 'slacks'] },
  { field: 'category', value: 'activewear', words: ['sportswear', 'athleisure', 'gym wear', 'gymwear', 'workout clothes', 'leggings'] },
  { field: 'category', value: 'loungewear', words: ['lounge wear', 'homewear', 'pyjamas', 'pajamas', 'joggers', 'sweatpants'] },
  { field: 'category', value: 'swimwear', words: ['swimsuit', 'swimsuits', 'bikini', 'bikinis', 'swim'] },
  { field: 'category', value: 'bags', words: ['bag', 'handbag', 'handbags', 'backpack', 'tote', 'purse', 'purses'] },
  { field: 'category', value: 'accessories', words: ['accessory', 'scarf', 'scarves', 'belt', 'belts', 'hat', 'hats'] },
  { field: 'category', value: 'skirts', words: ['skirt'] },
  { field: 'tag', value: 'premium', words: ['luxury', 'luxurious', 'high-end', 'high end', 'upscale', 'designer', 'expensive', 'quality'] },
  { field: 'tag', value: 'sustainable', words: ['eco', 'eco-friendly', 'eco friendly', 'ethical', 'sustainably', 'sustainability', 'conscious'] },
  { field: 'tag', value: 'trend', words: ['trendy', 'fashionable', 'fashion-forward', 'stylish', 'trending', 'trends'] },
  { field: 'tag', value: 'comfort', words: ['comfortable', 'comfy', 'cozy', 'cosy', 'comfort'] },
  { field: 'tag', value: 'basics', words: ['basic', 'essentials', 'essential', 'staples', 'staple'] },
  { field: 'tag', value: 'classic', words: ['timeless', 'classics'] },
  { field: 'color', value: 'grey', words: ['gray'] },
  { field: 'color', value: 'navy', words: ['navy blue', 'dark blue'] },
  { field: 'color', value: 'burgundy', words: ['maroon', 'wine red', 'bordeaux'] },
  { field: 'color', value: 'beige', words: ['tan', 'nude'] },
  { field: 'color', value: 'cream', words: ['off-white', 'off white', 'ivory'] },
  { field: 'material', value: 'wool', words: ['woolen', 'woollen', 'wool'] },
  { field: 'material', value: 'silk', words: ['silky'] },
  { field: 'material', value: 'leather', words: ['leathers'] },
  { field: 'material', value: 'organic cotton', words: ['organic'] },
  { field: 'occasion', value: 'party', words: ['parties', 'partywear', 'going out', 'night out', 'evening'] },
  { field: 'occasion', value: 'wedding', words: ['weddings', 'bridal', 'wedding guest'] },
  { field: 'occasion', value: 'work', words: ['office', 'workwear', 'business', 'workplace'] },
  { field: 'occasion', value: 'travel', words: ['holiday', 'holidays', 'vacation', 'trip', 'travelling', 'traveling'] },
  { field: 'occasion', value: 'sport', words: ['sports', 'sporty', 'training', 'running'] },
];

/** Country names and adjectives to ISO 3166 codes. */
export const COUNTRIES: ReadonlyMap<string, string> = new Map(
  (
    [
      ['DE', 'germany', 'german'],
      ['FR', 'france', 'french'],
      ['GB', 'uk', 'united kingdom', 'britain', 'great britain', 'england', 'british', 'english'],
      ['US', 'us', 'usa', 'united states', 'america', 'american', 'the states'],
      ['ES', 'spain', 'spanish'],
      ['IT', 'italy', 'italian'],
      ['NL', 'netherlands', 'holland', 'dutch'],
      ['SE', 'sweden', 'swedish'],
      ['PL', 'poland', 'polish'],
      ['IE', 'ireland', 'irish'],
      ['AT', 'austria', 'austrian'],
      ['CH', 'switzerland', 'swiss'],
      ['BE', 'belgium', 'belgian'],
      ['DK', 'denmark', 'danish'],
      ['NO', 'norway', 'norwegian'],
      ['FI', 'finland', 'finnish'],
      ['PT', 'portugal', 'portuguese'],
      ['CA', 'canada', 'canadian'],
      ['AU', 'australia', 'australian'],
      ['JP', 'japan', 'japanese'],
    ] as const
  ).flatMap(([code, ...names]) => names.map((n) => [n, code] as const)),
);
