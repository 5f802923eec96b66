import { createHash } from 'node:crypto';
import { RECENT_DAYS, round, type ProfileFacts, type Share } from './facts.js';
import type { LookItem, Profile } from './schema.js';

/**
 * The embedded narrator: writes the seed's text fields from the facts, with no network. Each statement picks one of
 * several phrasings by a hash of the customer, the date, the seed and the statement's path, so the text varies from
 * customer to customer and is the same every time for one. Every number it writes is a fact's value (a share as a
 * whole percent), and every statement names the facts it rests on in `evidence`.
 */
export const NARRATOR_VERSION = 'embedded-1';

export type Text = Pick<Profile, 'general_description' | 'general_style' | 'occasions' | 'marketing_brief' | 'content_hooks' | 'current_purchase_moment'>;

/** What a look item rests on: the occasion it dresses, and the colors and price tier it was chosen by. */
export const LOOK_EVIDENCE: readonly string[] = ['occasions', 'style.colors', 'style.price_tier'];

export interface Narration {
  text: Text;
  evidence: Record<string, string[]>;
}

/** A share as a whole percent of the fact's value (rounded to 2 decimals, as facts are). */
const pct = (share: number): string => `${Math.round(round(share, 2) * 100)}%`;
const listing = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Words for the style tags the demo and most shops use; another tag is written as it is. */
const TAG_WORDS: Record<string, { style: string; tone: string; hook: string; direction: string }> = {
  comfort: { style: 'comfort-first', tone: 'warm', hook: 'Feel-good fabrics for every day', direction: 'relaxed at-home scenes' },
  premium: { style: 'refined', tone: 'sophisticated', hook: 'Investment pieces that last', direction: 'close-ups of texture and finish' },
  trend: { style: 'trend-led', tone: 'energetic', hook: 'What is new this week', direction: 'bold street-style shots' },
  basics: { style: 'essentials-minded', tone: 'practical', hook: 'Wardrobe essentials, restocked', direction: 'clean flat lays' },
  classic: { style: 'classic', tone: 'timeless', hook: 'Timeless pieces worn season after season', direction: 'understated editorial light' },
  sustainable: { style: 'conscious', tone: 'authentic', hook: 'Sustainable fashion and conscious choices', direction: 'natural settings and natural light' },
};
const tagWords = (tag: string) => TAG_WORDS[tag] ?? { style: tag, tone: tag, hook: `More ${tag} pieces`, direction: `${tag} styling` };

const TIER_WORDS: Record<string, string> = { low: 'entry-price', mid: 'mid-price', high: 'top-of-range' };

const OCCASION_PERSONA: Record<string, string[]> = {
  work: ['Confident professional, polished without excess', 'Put-together at the office, practical and sharp'],
  party: ['Enjoys standing out when going out', 'Dresses up for the evening and likes a statement piece'],
  wedding: ['Elegant guest who plans the outfit ahead', 'Dresses for the celebration with care'],
  casual: ['Relaxed and easy in everyday wear', 'Keeps weekends simple and comfortable'],
  sport: ['Active, wants kit that performs and looks good', 'Moves a lot and dresses for it'],
  travel: ['Packs light with versatile pieces', 'Dresses for comfort on the move'],
};
const OCCASION_SETTING: Record<string, string> = {
  work: 'office and city settings',
  party: 'evening and night-out settings',
  wedding: 'celebration and garden settings',
  casual: 'everyday urban settings',
  sport: 'outdoor and studio movement shots',
  travel: 'travel and destination settings',
};

/** A seeded choice among phrasings: the same customer, date, seed and statement always get the same one. */
class Chooser {
  constructor(private readonly key: string) {}

  pick<T>(path: string, options: readonly T[]): T {
    const digest = createHash('sha256').update(`${this.key}|${path}`).digest();
    return options[digest.readUInt32BE(0) % options.length]!;
  }
}

export function narrate(f: ProfileFacts, looks: ReadonlyMap<string, LookItem[]>, seed: number): Narration {
  const choose = new Chooser(`${f.customerId}|${f.asOf}|${seed}`);
  const evidence: Record<string, string[]> = {};
  const say = <T>(path: string, facts: string[], value: T): T => {
    evidence[path] = facts;
    return value;
  };
  const bought = f.units > 0;
  const topTag = f.tags[0];
  const colors = f.colors.slice(0, 2);
  const tier = f.priceTiers[0];
  const tierWord = (t: Share): string => TIER_WORDS[t.value] ?? t.value;

  const general_description = say(
    'general_description',
    ['customer.attributes', 'history.orders', 'history.tenure_days', ...(bought ? ['style.categories'] : ['browsing.recent'])],
    describe(f, choose),
  );

  const general_style = bought
    ? say(
        'general_style',
        ['style.formality', 'style.tags', 'style.colors', 'style.price_tier', 'style.materials'],
        choose.pick('general_style', [
          () => `${capitalize(formalityWord(f.formality))} and ${topTag ? tagWords(topTag.value).style : 'versatile'}; favours ${listing(colors.map((c) => `${c.value} (${pct(c.share)})`))}${f.materials[0] ? `, often in ${f.materials[0].value}` : ''}, mostly ${tier ? `${tierWord(tier)} (${pct(tier.share)} of units)` : 'across price points'}`,
          () => `A ${formalityWord(f.formality)} wardrobe with a ${topTag ? `${tagWords(topTag.value).style} streak (${pct(topTag.share)} of units)` : 'versatile streak'}; ${listing(colors.map((c) => c.value))} lead the palette${tier ? `, ${tierWord(tier)} pieces make ${pct(tier.share)}` : ''}`,
        ])(),
      )
    : say('general_style', ['history.units', 'browsing.recent'], 'Style not yet read: no purchases of a known product so far, only browsing');

  const occasions: Text['occasions'] = f.occasions.map((o, i) => {
    const base = `occasions.${i}`;
    const look = looks.get(o.value) ?? [];
    look.forEach((_item, j) => (evidence[`${base}.look_suggestion.${j}`] = [...LOOK_EVIDENCE]));
    return {
      occasion: say(`${base}.occasion`, ['occasions'], capitalize(o.value)),
      persona_on_occasion: say(
        `${base}.persona_on_occasion`,
        ['occasions'],
        `${choose.pick(`${base}.persona`, OCCASION_PERSONA[o.value] ?? [`Shops with ${o.value} in mind`])} (${pct(o.share)} of units)`,
      ),
      look_suggestion: look,
    };
  });

  const tones = [...new Set([...f.tags.slice(0, 2).map((t) => tagWords(t.value).tone), ...(valueLed(f) ? ['value-focused'] : [])])];
  const marketing_brief: Text['marketing_brief'] = {
    tone_of_voice: (tones.length ? tones : ['friendly', 'helpful']).map((t, i) => say(`marketing_brief.tone_of_voice.${i}`, tones.length ? ['style.tags', 'history.discount_share'] : ['history.units'], t)),
    visual_direction: [
      ...(colors.length ? [say('marketing_brief.visual_direction.0', ['style.colors'], `${listing(colors.map((c) => c.value))} palette`)] : []),
      ...f.occasions.slice(0, 1).map((o) => say(`marketing_brief.visual_direction.${colors.length ? 1 : 0}`, ['occasions'], OCCASION_SETTING[o.value] ?? `${o.value} settings`)),
      ...(topTag ? [say(`marketing_brief.visual_direction.${(colors.length ? 1 : 0) + Math.min(f.occasions.length, 1)}`, ['style.tags'], tagWords(topTag.value).direction)] : []),
    ],
    campaign_guidance: guidance(f, choose).map(([facts, text], i) => say(`marketing_brief.campaign_guidance.${i}`, facts, text)),
  };

  const content_hooks = [
    ...f.tags.slice(0, 2).map((t) => ({ facts: ['style.tags'], text: tagWords(t.value).hook })),
    ...f.occasions.slice(0, 1).map((o) => ({ facts: ['occasions'], text: `Looks for ${o.value}, head to toe` })),
    ...(f.materials[0] ? [{ facts: ['style.materials'], text: `Why ${f.materials[0].value} is worth it` }] : []),
  ].map(({ facts, text }, i) => say(`content_hooks.${i}`, facts, text));

  const current_purchase_moment = moment(f, choose, say);
  return { text: { general_description, general_style, occasions, marketing_brief, content_hooks, current_purchase_moment }, evidence };
}

function formalityWord(formality: number | null): string {
  if (formality === null) return 'versatile';
  return formality >= 0.5 ? 'dressed-up' : formality >= 0.25 ? 'smart-casual' : 'casual';
}

const valueLed = (f: ProfileFacts): boolean => typeof f.features.discount_share === 'number' && f.features.discount_share >= 0.5;

function describe(f: ProfileFacts, choose: Chooser): string {
  const who = [f.attributes.gender ? ({ f: 'Woman', m: 'Man' } as Record<string, string>)[f.attributes.gender] : undefined, f.attributes.age_band ? `aged ${f.attributes.age_band}` : undefined]
    .filter(Boolean)
    .join(' ');
  const person = `${who || 'Customer'}${f.attributes.country ? ` from ${f.attributes.country}` : ''}`;
  const tenure = typeof f.features.tenure_days === 'number' ? f.features.tenure_days : null;
  const since = tenure !== null ? ` in ${tenure} days` : '';
  if (f.orders === 0) {
    return `${person}, not a buyer yet: ${plural(f.recent.views, 'product view')} and ${plural(f.recent.searches, 'search', 'searches')} in the last ${RECENT_DAYS} days`;
  }
  const cats = listing(f.categories.slice(0, 2).map((c) => c.value));
  return choose.pick('general_description', [
    `${person}, ${f.orders} ${f.orders === 1 ? 'order' : 'orders'}${since}${cats ? `, mostly ${cats}` : ''}`,
    `${person} who has placed ${f.orders} ${f.orders === 1 ? 'order' : 'orders'}${since}${cats ? `; buys ${cats} above all` : ''}`,
  ]);
}

function guidance(f: ProfileFacts, choose: Chooser): Array<[string[], string]> {
  const out: Array<[string[], string]> = [];
  const recency = f.features.recency_days;
  if (typeof recency === 'number' && recency > 120) out.push([['history.recency_days'], `Win back: the last order was ${recency} days ago`]);
  else if (typeof recency === 'number') out.push([['history.recency_days'], choose.pick('guidance.recent', [`Keep the momentum: last order ${recency} days ago`, `Build on a recent order (${recency} days ago)`])]);
  const clv = f.features.clv_365d;
  if (typeof clv === 'number' && clv > 0) out.push([['clv'], `Expected value over the next year: ${round(clv, 2)}; weigh offers against it`]);
  if (valueLed(f)) out.push([['history.discount_share'], `Lead with offers: ${pct(Number(f.features.discount_share))} of lines bought on discount`]);
  else if (f.tags[0]) out.push([['style.tags'], `Show ${tagWords(f.tags[0].value).style} pieces first`]);
  if (f.occasions.length > 1) out.push([['occasions'], `Show one piece across ${listing(f.occasions.slice(0, 2).map((o) => o.value))}`]);
  return out;
}

function moment(f: ProfileFacts, choose: Chooser, say: <T>(path: string, facts: string[], value: T) => T): Text['current_purchase_moment'] {
  const base = 'current_purchase_moment';
  const recent_browsing = f.timeline.map((d, i) => {
    const parts: string[] = [];
    if (d.searches.length) parts.push(`Searched ${listing(d.searches.slice(0, 2).map((q) => `'${q}'`))}`);
    if (d.views) parts.push(`viewed ${plural(d.views, 'product')}${d.category ? ` (${d.views > 1 ? 'mostly ' : ''}${d.category})` : ''}`);
    if (d.carts) parts.push(`added ${plural(d.carts, 'item')} to the cart`);
    return say(`${base}.recent_browsing.${i}`, ['browsing.timeline'], `${d.day} - ${capitalize(listing(parts)) || 'Browsed'}`);
  });
  const s = f.shift;
  const change = s.change;
  const active = f.recent.views + f.recent.searches + f.recent.carts > 0;
  const moment_summary = say(
    `${base}.moment_summary`,
    ['browsing.recent'],
    active
      ? choose.pick('moment', [
          `Exploring: ${plural(f.recent.views, 'view')}, ${plural(f.recent.searches, 'search', 'searches')} and ${plural(f.recent.carts, 'add-to-cart')} in the last ${RECENT_DAYS} days`,
          `Active lately, with ${plural(f.recent.views, 'product view')} and ${plural(f.recent.carts, 'item')} carted in the last ${RECENT_DAYS} days`,
        ])
      : `Quiet: no browsing in the last ${RECENT_DAYS} days`,
  );
  let relationship: string;
  const changed = change ? (s.dimension === 'category' ? change.value : `${TIER_WORDS[change.value] ?? change.value} pieces`) : '';
  if (s.newBehavior && change) {
    relationship = `New direction: ${changed} make ${pct(change.recentShare)} of recent views and carts against ${pct(change.historyShare)} of purchases`;
  } else if (!s.enoughData) {
    relationship = `Too little data to compare with the purchase history (${s.historyN} units bought, ${s.recentN} recent views and carts)`;
  } else {
    relationship = `In line with the purchase history: no ${(s.dimension ?? 'category').replace('_', ' ')} stands out in recent browsing`;
  }
  const relationship_with_history = say(`${base}.relationship_with_history`, ['moment.shift_test'], relationship);
  const new_behavior = say(`${base}.new_behavior`, ['moment.shift_test'], s.newBehavior);
  const opportunities: string[] = [];
  if (s.newBehavior && change) opportunities.push(say(`${base}.opportunities.${opportunities.length}`, ['moment.shift_test'], `Send an edit of ${changed} while the interest is fresh`));
  if (f.recent.carts > 0) opportunities.push(say(`${base}.opportunities.${opportunities.length}`, ['browsing.recent'], `Remind about the ${plural(f.recent.carts, 'carted item')}`));
  if (f.occasions[0]) opportunities.push(say(`${base}.opportunities.${opportunities.length}`, ['occasions'], `Offer a complete ${f.occasions[0].value} look`));
  return { recent_browsing, moment_summary, relationship_with_history, new_behavior, opportunities };
}
