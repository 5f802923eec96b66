import { z } from 'zod';

/** What `behavior preview` takes: the words, or a spec the user edited (which then is previewed as written). */
export const behaviorPreviewRequestSchema = z.strictObject({
  text: z.string().max(2000).describe("the marketer's description, e.g. \"premium sneaker buyers who have not bought in 60 days\""),
  spec: z.string().max(20_000).optional().describe('a rule text to preview instead of the one read from the words (after the user refined it)'),
});
export type BehaviorPreviewRequest = z.infer<typeof behaviorPreviewRequestSchema>;

const spanSchema = z.object({ text: z.string(), start: z.number().int(), end: z.number().int(), meaning: z.string().describe('what the words became, in rule terms') });

export const readingSchema = z.object({
  source: z.enum(['embedded', 'llm', 'edited']).describe('who wrote the spec: the embedded interpreter, the optional LLM, or the user'),
  status: z.enum(['understood', 'partly_understood']),
  message: z.string().describe('one line: what was understood and, when partly, which words were not'),
  conditions: z.array(z.object({ rule: z.string(), words: z.string().describe('the words it came from') })),
  spans: z.array(spanSchema),
  not_understood: z.array(z.string()),
  ambiguities: z.array(z.object({ words: z.string(), choice: z.string(), alternatives: z.array(z.string()) })),
  llm_fallback: z.string().nullable().describe('why the LLM answer was not used, when one was asked for; else null'),
});
export type ReadingReport = z.infer<typeof readingSchema>;

export const previewSchema = z.object({
  spec: z.string(),
  as_of: z.string().describe('the run whose features it was counted on'),
  size: z.number().int(),
  customers: z.number().int(),
  revenue_share: z.number().nullable().describe('members’ share of all net revenue; null when there is none'),
  empty_reason: z.string().nullable().describe('when nobody matches: which condition removed the last customers'),
  waterfall: z.array(z.object({ condition: z.string(), remaining: z.number().int().describe('customers meeting this and every condition before it') })),
  top_products: z.array(z.object({ id: z.string(), title: z.string().nullable(), category: z.string().nullable(), units: z.number(), buyers: z.number().int() })),
  samples: z.array(z.object({ customer_id: z.string(), revenue: z.number().nullable(), reasons: z.string() })).describe('up to ten members, highest revenue first'),
  overlap: z
    .array(z.object({ audience: z.string(), kind: z.string(), size: z.number().int(), both: z.number().int(), jaccard: z.number() }))
    .describe('smart segments and clusters of that run sharing members, most alike first'),
});
export type Preview = z.infer<typeof previewSchema>;

export const behaviorPreviewSchema = z.object({ text: z.string(), spec: z.string(), reading: readingSchema, preview: previewSchema });
export type BehaviorPreview = z.infer<typeof behaviorPreviewSchema>;
