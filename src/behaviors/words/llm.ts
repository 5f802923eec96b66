import { z } from 'zod';
import { CUSTOMER_FEATURES } from '../../features/index.js';
import type { LlmConfig } from '../../shared/config.js';
import { errorMessage } from '../../shared/errors.js';
import { answerAs, askJson } from '../../shared/llm.js';
import { EVENT_AGGREGATES, EVENT_FILTER_FIELDS, parseRule, printRule } from '../../segments/index.js';
import { EVENT_TYPES } from '../../store/index.js';
import type { Lexicon } from './lexicon.js';

/*
 * The optional OpenAI-compatible chat endpoint (DESIGN.md "AI without a network"): asked for a spec with a
 * JSON-schema-constrained answer, given only the words and the store's vocabulary (feature names, event types and
 * fields, catalog values; nothing about any customer). Its spec goes through the same parser and checker as a
 * user's; any failure, malformed answer or timeout is returned as a reason (the request itself: shared/llm.ts), and
 * the caller falls back to the embedded interpreter.
 */

const answerSchema = z.strictObject({ spec: z.string().min(1), explanation: z.string() });

const ANSWER_JSON_SCHEMA = {
  type: 'object',
  properties: {
    spec: { type: 'string', description: 'the rule, in the segments language' },
    explanation: { type: 'string', description: 'one sentence: how the words were read' },
  },
  required: ['spec', 'explanation'],
  additionalProperties: false,
};

export type LlmAnswer = { spec: string; explanation: string } | { failed: string };

/** The system prompt: the language and this store's vocabulary. Exported so a test can check nothing personal is in it. */
function llmPrompt(lexicon: Lexicon): string {
  const catalog = Object.entries(lexicon.catalog)
    .map(([field, values]) => `${field}: ${values.map((v) => JSON.stringify(v)).join(', ')}`)
    .join('\n');
  return [
    'You turn a marketer\'s description of customers into one rule of the Segmint segments language. Answer with JSON {"spec", "explanation"}.',
    'Grammar: conditions joined with and / or / not, parentheses allowed.',
    '  feature comparison: <feature> <op> <value>, ops = != < <= > >= in [..] between A and B, is null',
    '  customer.country = "DE" (ISO codes)',
    `  ${EVENT_AGGREGATES.join(' | ')}(<event type> [where <field> <op> <value> [and ...]] [, last N days]) <op> <value>`,
    '  share(...) is the share of units (0 to 1) of order lines matching the filters; sum(...) is revenue; count(...) is events.',
    `Event types: ${EVENT_TYPES.join(', ')}. Event filter fields: ${EVENT_FILTER_FIELDS.join(', ')}; tag, color, material take = or in, occasion takes = or in.`,
    `Features: ${CUSTOMER_FEATURES.map((f) => `${f.name} (${f.unit ?? f.type}): ${f.description}`).join('; ')}.`,
    `This store's catalog values:\n${catalog}`,
    'Use only these names and values. Example: count(order where tag = "premium" and category = "sneakers") >= 1 and recency_days > 60',
  ].join('\n');
}

export async function askLlm(config: LlmConfig, lexicon: Lexicon, text: string): Promise<LlmAnswer> {
  const answer = await askJson(config, { name: 'segment_spec', schema: ANSWER_JSON_SCHEMA, system: llmPrompt(lexicon), user: text });
  if ('failed' in answer) return answer;
  const read = answerAs(answerSchema, answer.json);
  if ('failed' in read) return read;
  try {
    return { spec: printRule(parseRule(read.value.spec)), explanation: read.value.explanation };
  } catch (err) {
    return { failed: `the LLM's spec is not a valid rule: ${errorMessage(err)}` };
  }
}
