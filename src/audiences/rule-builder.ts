import { z } from 'zod';
import { CUSTOMER_FEATURES, featureTableAsOf } from '../features/index.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import { sql } from '../sql/index.js';
import { EVENT_TYPES, type Store } from '../store/index.js';
import { ATTRIBUTE_COLUMNS, audienceReferences, compileRule, EVENT_AGGREGATES, EVENT_FILTER_FIELDS, eventAggregatesRelation, parseRule, printRule, type Rule } from '../segments/index.js';
import { listAudiences } from './repository.js';
import { compileContextAt, ruleRows } from './rules.js';

/*
 * What a rule editor needs before it saves anything: the names a rule may use, whether a text is a rule (and if not,
 * where and why, as the parser says), and how many customers it would select now.
 */

export const ruleVocabularySchema = z.object({
  features: z.array(z.object({ name: z.string(), type: z.string(), unit: z.string().nullable(), description: z.string() })),
  customer_fields: z.array(z.string()).describe('usable as customer.<field>; custom attributes as customer.attributes.<key>'),
  aggregates: z.array(z.string()).describe('count, sum, first, last, share: aggregate(<event type> [where ...] [, window])'),
  event_types: z.array(z.string()),
  event_fields: z.array(z.string()).describe('fields an event filter (where ...) may test'),
  audiences: z.array(z.string()).describe('names usable in `in audience "<name>"`'),
});
export type RuleVocabulary = z.infer<typeof ruleVocabularySchema>;

export async function ruleVocabulary(store: Store): Promise<RuleVocabulary> {
  return {
    features: CUSTOMER_FEATURES.map((f) => ({ name: f.name, type: f.type, unit: f.unit, description: f.description })),
    customer_fields: [...ATTRIBUTE_COLUMNS.keys()],
    aggregates: [...EVENT_AGGREGATES],
    event_types: [...EVENT_TYPES],
    event_fields: [...EVENT_FILTER_FIELDS],
    audiences: (await listAudiences(store)).map((a) => a.name),
  };
}

const positionSchema = z.object({ offset: z.number(), line: z.number(), column: z.number() });

/** An invalid rule is an answer here, not a failed request: the editor asks on every keystroke. */
export const ruleCheckSchema = z.discriminatedUnion('valid', [
  z.object({ valid: z.literal(true), rule: z.string().describe('the canonical text, as it would be stored') }),
  z.object({
    valid: z.literal(false),
    error: z.object({
      message: z.string(),
      position: positionSchema.nullable().describe('where in the text; null for a problem of the whole rule'),
      expected: z.array(z.string()).nullable(),
      found: z.string().nullable(),
      suggestions: z.array(z.string()).describe('names close to a misspelt one'),
    }),
  }),
]);
export type RuleCheck = z.infer<typeof ruleCheckSchema>;

/** Parses and checks a rule, and that every `in audience` names an audience; throws the error a save would give. */
async function understood(store: Store, text: string): Promise<Rule> {
  const rule = parseRule(text);
  const names = new Set((await listAudiences(store)).map((a) => a.name));
  for (const ref of audienceReferences(rule)) {
    if (!names.has(ref)) throw new ValidationError(`in audience "${ref}": no audience has that name`, { audience: ref });
  }
  return rule;
}

export async function checkRuleText(store: Store, text: string): Promise<RuleCheck> {
  try {
    return { valid: true, rule: printRule(await understood(store, text)) };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const d = err.details as { position?: z.infer<typeof positionSchema>; expected?: string[]; found?: string; suggestions?: string[] };
    return {
      valid: false,
      error: { message: err.message, position: d.position ?? null, expected: d.expected ?? null, found: d.found ?? null, suggestions: d.suggestions ?? [] },
    };
  }
}

export const rulePreviewSchema = z.object({
  rule: z.string().describe('the canonical text'),
  as_of: z.string().describe('the run whose features it was counted on (the run computed last)'),
  size: z.number(),
  customers: z.number(),
  revenue_share: z.number().nullable().describe('share of all net revenue; null when there is none'),
});
export type RulePreview = z.infer<typeof rulePreviewSchema>;

/**
 * What a rule would select on the features of the run computed last, counted in one statement the way a run counts
 * it (other audiences as that run stored them). Nothing is stored.
 */
export async function previewRule(store: Store, text: string): Promise<RulePreview> {
  const rule = await understood(store, text);
  const asOf = await featureTableAsOf(store);
  if (!asOf) throw new NotFoundError('no run yet: run `segmint run` (or POST /v1/runs) first, so there are features to count');
  const ctx = compileContextAt(asOf, new Map((await listAudiences(store)).map((a) => [a.name, a.id])));
  const held = compileRule(rule, ctx);
  const events = eventAggregatesRelation(ctx);
  // An aggregate without GROUP BY always gives one row.
  const row = (await store.one<{ size: number; customers: number; revenue: number; total: number }>(sql`
    SELECT count(*) FILTER (WHERE ${held}) AS size, count(*) AS customers,
      coalesce(sum(f.revenue) FILTER (WHERE ${held}), 0) AS revenue, coalesce(sum(f.revenue), 0) AS total
    FROM ${ruleRows(events ? [{ relation: sql`(${events})`, alias: 'e' }] : [], [rule])}`))!;
  return { rule: printRule(rule), as_of: asOf, size: row.size, customers: row.customers, revenue_share: row.total > 0 ? row.revenue / row.total : null };
}
