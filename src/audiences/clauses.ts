import { z } from 'zod';
import { assertNever } from '../shared/errors.js';
import { ruleClauses, type Condition, type CustomerContext, type Rule } from '../segments/index.js';

/** One clause of a rule (or one signal of a score) held against a customer's own values, as explain shows it. */
export const clauseExplanationSchema = z.object({
  clause: z.string().describe('one clause of the rule, as text'),
  held: z.boolean(),
  value: z.unknown().describe("the customer's own value behind the clause, where it has one (a feature, a field, an event count or date); else null"),
  gap: z.number().nullable().describe('for a failing comparison with a number: how far the value is from passing, in its unit; else null'),
});
export type ClauseExplanation = z.infer<typeof clauseExplanationSchema>;

/** How much a number must move to satisfy a comparison with a number; null where distance means nothing. */
function gapOf(value: unknown, c: Condition): number | null {
  if (typeof value !== 'number') return null;
  switch (c.op) {
    case '<=':
    case '<':
      return typeof c.value === 'number' ? value - c.value : null;
    case '>=':
    case '>':
      return typeof c.value === 'number' ? c.value - value : null;
    case 'between':
      if (typeof c.low !== 'number' || typeof c.high !== 'number') return null;
      return value < c.low ? c.low - value : value - c.high;
    case '=':
    case '!=':
    case 'in':
    case 'not_in':
    case 'contains':
    case 'is_null':
    case 'is_not_null':
      return null;
    default:
      return assertNever(c, 'condition');
  }
}

export function explainClauses(rule: Rule, ctx: CustomerContext): ClauseExplanation[] {
  return ruleClauses(rule, ctx).map(({ clause, text, held, value }) => {
    const condition = 'condition' in clause ? clause.condition : undefined;
    return { clause: text, held, value, gap: held || !condition ? null : gapOf(value, condition) };
  });
}

