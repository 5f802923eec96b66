import { z } from 'zod';
import type { LlmConfig } from '../shared/config.js';
import { answerAs, askJson } from '../shared/llm.js';
import { LOOK_EVIDENCE, type Narration, type Text } from './narrate.js';
import type { Narrator, NarrationInput } from './narrator-types.js';
import type { LookItem, LookSlot } from './schema.js';

/**
 * The optional LLM narrator: an OpenAI-compatible endpoint rewrites the embedded draft from the same facts, with an
 * answer constrained by a JSON schema made for this profile: fact ids and, per occasion, the ids of the products of
 * its look are the only values offered (enums). It is sent the facts as the profile lists them (gender, age band and
 * country, no id, email, name or phone), the looks' products and the draft; nothing else.
 *
 * Not rewritten: `recent_browsing` (the data in the seed's wording) and `new_behavior` (the statistical test's). A look
 * item's description and slot are the catalog's: the endpoint only chooses which offered products make the look.
 * The answer is checked here (shape, offered products, one item per slot) and, as a profile, by makeProfile (schema
 * and evidence rule).
 */
const LLM_NARRATOR_VERSION = 'llm-1';

const statement = z.strictObject({ text: z.string(), facts: z.array(z.string()).min(1) });
const statements = z.array(statement);
const answerSchema = z.strictObject({
  general_description: statement,
  general_style: statement,
  occasions: z.record(z.string(), z.strictObject({ occasion: statement, persona_on_occasion: statement, look: z.array(z.string()) })),
  marketing_brief: z.strictObject({ tone_of_voice: statements, visual_direction: statements, campaign_guidance: statements }),
  content_hooks: statements,
  current_purchase_moment: z.strictObject({ moment_summary: statement, relationship_with_history: statement, opportunities: statements }),
});
type Answer = z.infer<typeof answerSchema>;

/** The JSON schema sent (strict mode: every property required, none other allowed). */
function jsonSchema(factIds: readonly string[], offered: ReadonlyMap<string, LookItem[]>): Record<string, unknown> {
  const object = (properties: Record<string, unknown>) => ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false });
  const stmt = object({
    text: { type: 'string', description: 'one statement; every number in it is a value of a cited fact (a share may be written as a whole percent)' },
    facts: { type: 'array', minItems: 1, items: { type: 'string', enum: factIds }, description: 'the ids of the facts it rests on' },
  });
  const stmts = { type: 'array', items: stmt };
  const look = (items: readonly LookItem[]) =>
    items.length
      ? { type: 'array', items: { type: 'string', enum: items.map((i) => i.product_id) }, description: 'product ids, at most one per slot' }
      : { type: 'array', items: { type: 'string' }, maxItems: 0 };
  return object({
    general_description: stmt,
    general_style: stmt,
    occasions: object(Object.fromEntries([...offered].map(([occasion, items]) => [occasion, object({ occasion: stmt, persona_on_occasion: stmt, look: look(items) })]))),
    marketing_brief: object({ tone_of_voice: stmts, visual_direction: stmts, campaign_guidance: stmts }),
    content_hooks: stmts,
    current_purchase_moment: object({ moment_summary: stmt, relationship_with_history: stmt, opportunities: stmts }),
  });
}

const SYSTEM = [
  "You write a fashion shop customer's profile for its marketing team, from facts computed from the customer's purchases and browsing.",
  'Rewrite the draft in fluent, varied English, in the manner of the draft: short statements, concrete, no invented details.',
  'Every statement lists the ids of the facts it rests on. Every number a statement writes must be a value of one of those facts;',
  'a share (a fraction of 1) may be written as a whole percent (0.42 as 42%). Write no other number, no names and nothing the facts do not say.',
  'For each occasion choose its look among the products offered for it, at most one per slot: a dress, or a top and a bottom; then outerwear, shoes and an accessory.',
  'Answer with JSON in the given schema.',
].join('\n');

/** The user message: the facts, the products offered per occasion, and the draft's statements. */
function userMessage(input: NarrationInput): string {
  const { recent_browsing: _browsing, new_behavior: _shift, ...moment } = input.draft.text.current_purchase_moment;
  return JSON.stringify({
    facts: input.factList,
    occasions: [...input.looks].map(([occasion, items]) => ({ occasion, products: items.map(({ product_id, description, slot }) => ({ product_id, description, slot })) })),
    draft: {
      ...input.draft.text,
      occasions: input.draft.text.occasions.map((o) => ({ occasion: o.occasion, persona_on_occasion: o.persona_on_occasion })),
      current_purchase_moment: moment,
    },
  });
}

/** A look of the offered items the answer chose, or why it cannot be one. */
function lookOf(occasion: string, chosen: readonly string[], offered: readonly LookItem[]): LookItem[] | { failed: string } {
  const items: LookItem[] = [];
  for (const id of chosen) {
    const item = offered.find((i) => i.product_id === id);
    if (!item) return { failed: `the LLM answer suggests product "${id}" for ${occasion}, which was not offered` };
    if (items.some((i) => i.slot === item.slot)) return { failed: `the LLM answer's ${occasion} look has two items for the slot ${item.slot}` };
    items.push(item);
  }
  const slots = new Set<LookSlot>(items.map((i) => i.slot));
  if (slots.has('dress') && (slots.has('top') || slots.has('bottom'))) return { failed: `the LLM answer's ${occasion} look has a dress with separates` };
  return items;
}

/** The answer as a narration: its statements and their cited facts as evidence; the draft's browsing and new_behavior. */
function narrationOf(answer: Answer, input: NarrationInput): Narration | { failed: string } {
  const evidence: Record<string, string[]> = {};
  const say = (path: string, s: Answer['general_style']): string => {
    evidence[path] = s.facts;
    return s.text;
  };
  const sayAll = (path: string, list: Answer['content_hooks']): string[] => list.map((s, i) => say(`${path}.${i}`, s));
  const expected = [...input.looks.keys()];
  const given = Object.keys(answer.occasions);
  if (given.length !== expected.length || expected.some((o) => !given.includes(o))) {
    return { failed: `the LLM answer's occasions (${given.join(', ') || 'none'}) are not those of the facts (${expected.join(', ') || 'none'})` };
  }
  const occasions: Text['occasions'] = [];
  for (const [i, occasion] of expected.entries()) {
    const o = answer.occasions[occasion]!;
    const look = lookOf(occasion, o.look, input.looks.get(occasion) ?? []);
    if ('failed' in look) return look;
    look.forEach((_item, j) => (evidence[`occasions.${i}.look_suggestion.${j}`] = [...LOOK_EVIDENCE]));
    occasions.push({ occasion: say(`occasions.${i}.occasion`, o.occasion), persona_on_occasion: say(`occasions.${i}.persona_on_occasion`, o.persona_on_occasion), look_suggestion: look });
  }
  const draft = input.draft;
  const kept = (path: string): void => {
    evidence[path] = draft.evidence[path]!;
  };
  const moment = draft.text.current_purchase_moment;
  moment.recent_browsing.forEach((_line, i) => kept(`current_purchase_moment.recent_browsing.${i}`));
  kept('current_purchase_moment.new_behavior');
  const m = answer.current_purchase_moment;
  const b = answer.marketing_brief;
  return {
    text: {
      general_description: say('general_description', answer.general_description),
      general_style: say('general_style', answer.general_style),
      occasions,
      marketing_brief: {
        tone_of_voice: sayAll('marketing_brief.tone_of_voice', b.tone_of_voice),
        visual_direction: sayAll('marketing_brief.visual_direction', b.visual_direction),
        campaign_guidance: sayAll('marketing_brief.campaign_guidance', b.campaign_guidance),
      },
      content_hooks: sayAll('content_hooks', answer.content_hooks),
      current_purchase_moment: {
        recent_browsing: moment.recent_browsing,
        moment_summary: say('current_purchase_moment.moment_summary', m.moment_summary),
        relationship_with_history: say('current_purchase_moment.relationship_with_history', m.relationship_with_history),
        new_behavior: moment.new_behavior,
        opportunities: sayAll('current_purchase_moment.opportunities', m.opportunities),
      },
    },
    evidence,
  };
}

export function llmNarrator(config: LlmConfig): Narrator {
  return {
    name: 'llm',
    version: `${LLM_NARRATOR_VERSION} (${config.model})`,
    async write(input) {
      const schema = jsonSchema(
        input.factList.map((f) => f.id),
        input.looks,
      );
      const answer = await askJson(config, { name: 'customer_profile', schema, system: SYSTEM, user: userMessage(input) });
      if ('failed' in answer) return answer;
      const read = answerAs(answerSchema, answer.json);
      return 'failed' in read ? read : narrationOf(read.value, input);
    },
  };
}
