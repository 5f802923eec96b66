import { z } from 'zod';

/**
 * A customer profile: exactly the fields of seed 002 (general_description ... current_purchase_moment), and beside
 * them the facts every statement rests on, the evidence that ties each statement to its facts, a confidence and who
 * wrote the text. One schema validates what the narrators produce, documents the API answer and types the dashboard.
 */

/** Where a look item is worn; docs/profiles.md maps the catalog's categories onto these. */
const LOOK_SLOTS = ['top', 'bottom', 'dress', 'shoes', 'outerwear', 'accessory'] as const;
export type LookSlot = (typeof LOOK_SLOTS)[number];

// A component of its own: the OpenAPI document can only state a recursive schema by reference to one.
const factValueSchema: z.ZodType<FactValue> = z
  .lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(factValueSchema), z.record(z.string(), factValueSchema)]))
  .meta({ id: 'FactValue' });
export type FactValue = string | number | boolean | null | FactValue[] | { [key: string]: FactValue };

const factSchema = z.object({
  id: z.string().min(1).describe('stable within the profile: style.colors, moment.shift_test, ...'),
  what: z.string().min(1).describe('what the fact measures, in words'),
  value: factValueSchema.describe('the measured value; shares are fractions of 1'),
});
export type Fact = z.infer<typeof factSchema>;

const lookItemSchema = z.object({
  description: z.string().min(1).describe('as the seed writes an item: "Beige tailored blazer"'),
  product_id: z.string().min(1).describe('a product of the catalog'),
  slot: z.enum(LOOK_SLOTS),
  price: z.number().positive().describe("the product's catalog price when the look was made"),
});
export type LookItem = z.infer<typeof lookItemSchema>;

const occasionSchema = z.object({
  occasion: z.string().min(1),
  persona_on_occasion: z.string().min(1),
  look_suggestion: z.array(lookItemSchema).describe('a complete outfit of catalog products, at most one per slot, none already bought'),
});

const marketingBriefSchema = z.object({
  tone_of_voice: z.array(z.string().min(1)),
  visual_direction: z.array(z.string().min(1)),
  campaign_guidance: z.array(z.string().min(1)),
});

const purchaseMomentSchema = z.object({
  recent_browsing: z.array(z.string().min(1)).describe('"10/20 - Searched \'midi dress\' and viewed 3 products", newest first'),
  moment_summary: z.string().min(1),
  relationship_with_history: z.string().min(1),
  new_behavior: z.boolean().describe('decided by the statistical test of fact moment.shift_test, never by the narrator'),
  opportunities: z.array(z.string().min(1)),
});

export const NARRATORS = ['embedded', 'llm'] as const;

export const profileSchema = z
  .object({
    customer_id: z.string(),
    as_of: z.string().describe('the history read: events strictly before this instant'),
    general_description: z.string().min(1),
    general_style: z.string().min(1),
    occasions: z.array(occasionSchema),
    marketing_brief: marketingBriefSchema,
    content_hooks: z.array(z.string().min(1)),
    current_purchase_moment: purchaseMomentSchema,
    facts: z.array(factSchema),
    evidence: z
      .record(z.string(), z.array(z.string()).min(1))
      .describe('for every statement, by its path in the profile (occasions.0.persona_on_occasion, content_hooks.1), the ids of the facts it rests on'),
    confidence: z.object({
      score: z.number().min(0).max(1),
      level: z.enum(['low', 'medium', 'high']),
      basis: z.string().describe('the amount of data behind the profile'),
    }),
    generated_at: z.string().describe('when the profile was made (YYYY-MM-DD HH:MM:SS, UTC)'),
    generator: z.object({
      narrator: z.enum(NARRATORS),
      version: z.string(),
      seed: z.number().int().describe('seeds the choice of phrasings; the same customer, date and seed give the same text'),
      note: z.string().nullable().describe('why a narrator other than the one asked for wrote the text; null when none'),
    }),
  })
  .meta({ id: 'CustomerProfile' });
export type Profile = z.infer<typeof profileSchema>;

/** Every statement of a profile by its path: the strings of the seed's fields, and new_behavior. */
export function statementPaths(profile: Profile): Map<string, string | boolean> {
  const out = new Map<string, string | boolean>();
  const walk = (path: string, value: unknown): void => {
    if (typeof value === 'string' || typeof value === 'boolean') out.set(path, value);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(`${path}.${i}`, v));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(path ? `${path}.${k}` : k, v);
  };
  const { customer_id: _c, as_of: _a, facts: _f, evidence: _e, confidence: _k, generated_at: _g, generator: _n, ...seedFields } = profile;
  // A look item is one statement (its text), not three: the product id and slot are data, not claims.
  walk('', {
    ...seedFields,
    occasions: seedFields.occasions.map((o) => ({ ...o, look_suggestion: o.look_suggestion.map((item) => item.description) })),
  });
  return out;
}
