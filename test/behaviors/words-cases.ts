/**
 * Descriptions a marketer might type, each with the rule a person would write for it by hand on the demo fashion
 * shop, and what the case exercises. The test checks that the interpreter writes exactly that spec and that its
 * preview selects exactly the customers the hand-written rule selects (evaluated in memory, the other evaluator).
 */
export interface WordsCase {
  text: string;
  spec: string;
  covers: string[];
  /** Words the reading must list as not understood (half-understood text). */
  notUnderstood?: string[];
  /** The demo store has no such customer: the preview must say so. */
  selectsNobody?: boolean;
}

export const WORDS_CASES: WordsCase[] = [
  { text: 'sustainable linen lovers who shop on mobile', spec: 'count(order where tag = "sustainable" and material = "linen") >= 2 and share(order where device = "mobile") >= 0.5', covers: ['materials', 'devices', 'synonyms'] },
  { text: 'premium sneaker buyers who have not bought in 60 days', spec: 'count(order where tag = "premium" and category = "sneakers") >= 1 and recency_days > 60', covers: ['negation', 'durations'] },
  { text: 'customers who only buy on sale', spec: 'discount_share = 1', covers: ['amounts'] },
  { text: 'customers who mostly buy on sale', spec: 'discount_share >= 0.5', covers: ['amounts'] },
  { text: 'people who never bought shoes', spec: 'count(order where category = "shoes") = 0', covers: ['negation'] },
  { text: 'customers who did not buy dresses in the last 90 days', spec: 'count(order where category = "dresses", last 90 days) = 0', covers: ['negation', 'durations'] },
  { text: 'customers who bought more than 3 times', spec: 'orders > 3', covers: ['numbers', 'frequency'] },
  { text: 'customers with at least five orders', spec: 'orders >= 5', covers: ['numbers', 'frequency'] },
  { text: 'customers who spent over 500', spec: 'revenue > 500', covers: ['numbers', 'amounts'] },
  { text: 'customers who spent more than €1000 in the last year', spec: 'sum(order, last 365 days) > 1000', covers: ['numbers', 'amounts', 'durations'] },
  { text: 'customers who spent less than 50 euros', spec: 'revenue < 50', covers: ['numbers', 'amounts'] },
  { text: 'one-time buyers', spec: 'orders = 1', covers: ['frequency'] },
  { text: 'loyal customers from Germany', spec: 'customer.country = "DE" and orders >= 3', covers: ['countries', 'frequency'] },
  { text: 'customers in France or Spain', spec: 'customer.country in ["FR", "ES"]', covers: ['countries'] },
  { text: 'customers not in the US', spec: 'customer.country != "US"', covers: ['countries', 'negation'] },
  { text: 'customers who shop in store', spec: 'share(order where channel = "store") >= 0.5', covers: ['channels'] },
  { text: 'customers who mostly buy in the app', spec: 'share(order where channel = "app") >= 0.5', covers: ['channels'] },
  { text: 'customers who buy on their phone', spec: 'share(order where device = "mobile") >= 0.5', covers: ['devices', 'synonyms'] },
  { text: 'desktop shoppers who bought knitwear', spec: 'share(order where device = "desktop") >= 0.5 and count(order where category = "knitwear") >= 1', covers: ['devices'] },
  { text: 'black dress buyers', spec: 'count(order where color = "black" and category = "dresses") >= 1', covers: ['colors', 'synonyms'] },
  { text: 'customers who bought navy or grey knitwear', spec: 'count(order where color in ["navy", "grey"] and category = "knitwear") >= 1', covers: ['colors'] },
  { text: 'cashmere buyers', spec: 'count(order where material = "cashmere") >= 1', covers: ['materials'] },
  { text: 'cotton lovers', spec: 'count(order where material = "cotton") >= 2', covers: ['materials'] },
  { text: 'customers who only buy leather', spec: 'share(order where material = "leather") = 1', covers: ['materials'] },
  { text: 'wool buyers in the last 6 months', spec: 'count(order where material = "wool", last 180 days) >= 1', covers: ['materials', 'durations', 'numbers'] },
  { text: 'customers who buy party outfits', spec: 'count(order where occasion = "party") >= 1', covers: ['occasions'] },
  { text: 'customers who buy clothes for the office', spec: 'count(order where occasion = "work") >= 1', covers: ['occasions', 'synonyms'] },
  { text: 'customers who mostly buy eco-friendly products', spec: 'share(order where tag = "sustainable") >= 0.5', covers: ['synonyms'] },
  { text: 'luxury shoppers', spec: 'count(order where tag = "premium") >= 1', covers: ['synonyms'] },
  { text: 'comfy loungewear fans', spec: 'count(order where tag = "comfort" and category = "loungewear") >= 2', covers: ['synonyms'] },
  { text: 'trendy shoppers who are inactive', spec: 'count(order where tag = "trend") >= 1 and recency_days > 90', covers: ['synonyms', 'recency'] },
  { text: 'sneekers buyers', spec: 'count(order where category = "sneakers") >= 1', covers: ['typos'] },
  { text: 'cashmire buyers', spec: 'count(order where material = "cashmere") >= 1', covers: ['typos', 'materials'] },
  { text: 'customers form Japan', spec: 'customer.country = "JP"', covers: ['countries', 'unknown words'], notUnderstood: ['form'], selectsNobody: true },
  { text: 'hoodie buyers', spec: 'count(order where category = "loungewear") >= 1', covers: ['catalog search'] },
  { text: 'customers who bought Verde Loom', spec: 'count(order where brand = "Verde Loom") >= 1', covers: ['brands'] },
  { text: 'customers who returned items in the last 30 days', spec: 'count(return, last 30 days) >= 1', covers: ['durations'] },
  { text: 'weekend shoppers', spec: 'weekend_share >= 0.5', covers: ['frequency'] },
  { text: 'new customers', spec: 'tenure_days <= 90', covers: ['recency'] },
  { text: 'customers who have been inactive for 120 days', spec: 'recency_days > 120', covers: ['recency', 'durations'] },
  { text: 'customers who bought gray trainers in the last two weeks', spec: 'count(order where color = "grey" and category = "sneakers", last 14 days) >= 1', covers: ['colors', 'synonyms', 'numbers', 'durations'] },
  { text: 'frequent returners', spec: 'return_rate >= 0.3', covers: ['frequency'] },
  { text: 'recent buyers of swimwear', spec: 'count(order where category = "swimwear", last 30 days) >= 1', covers: ['recency'] },
  { text: 'customers who bought organic cotton', spec: 'count(order where material = "organic cotton") >= 1', covers: ['materials'] },
  { text: 'premium sneaker buyers who love zorblax', spec: 'count(order where tag = "premium" and category = "sneakers") >= 1', covers: ['unknown words'], notUnderstood: ['zorblax'] },
  { text: 'customers who bought purple leather', spec: 'count(order where material = "leather") >= 1', covers: ['unknown words', 'colors'], notUnderstood: ['purple'] },
  { text: 'customers who bought trainers on a tablet in the last three months', spec: 'count(order where category = "sneakers" and device = "tablet", last 90 days) >= 1', covers: ['devices', 'durations'] },
];

/** Text that must not become an audience at all. */
export const NOT_UNDERSTOOD: Array<{ text: string; words: string[] }> = [
  { text: '', words: [] },
  { text: '   ', words: [] },
  { text: 'blorp glarg', words: ['blorp', 'glarg'] },
  { text: 'qwxz vvrt plomp', words: ['qwxz', 'vvrt', 'plomp'] },
];
