import { z } from 'zod';
import { NotFoundError, assertNever } from '../shared/errors.js';
import { sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { clausesOf, evaluateRule, printRule, type Condition, type CustomerContext, type Rule, type Thresholds } from '../segments/index.js';
import { ruleOf } from './run.js';
import { eventValue, attributeValue } from '../segments/evaluate.js';
import { loadCustomerContext } from './customer-context.js';
import { listAudiences } from './repository.js';
import { runDate } from './overlap.js';
import { AUDIENCE_KINDS } from './schema.js';

const clauseExplanationSchema = z.object({
  clause: z.string().describe('one clause of the rule, as text'),
  held: z.boolean(),
  value: z.unknown().describe("the customer's own value behind the clause, where it has one (a feature, a field, an event count or date); else null"),
  gap: z.number().nullable().describe('for a failing comparison with a number: how far the value is from passing, in its unit; else null'),
});
export type ClauseExplanation = z.infer<typeof clauseExplanationSchema>;

const audienceExplanationSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(AUDIENCE_KINDS),
  member: z.boolean(),
  score: z.number().nullable().describe('as stored by the run, for a member'),
  reasons: z.string().nullable().describe('as stored by the run, for a member'),
  rule: z.string().nullable().describe("the rule as the run evaluated it (a smart segment's with its thresholds); null for RFM cells and clusters"),
  clauses: z.array(clauseExplanationSchema).describe('each clause re-evaluated with the customer’s values; empty without a rule'),
});
export type AudienceExplanation = z.infer<typeof audienceExplanationSchema>;

/** Why a customer is or is not in each audience at a stored run. */
export const explanationSchema = z.object({ customer_id: z.string(), as_of: z.string().describe('the run explained'), audiences: z.array(audienceExplanationSchema) });
export type Explanation = z.infer<typeof explanationSchema>;

function ownValue(clause: Rule, ctx: CustomerContext): unknown {
  switch (clause.kind) {
    case 'feature':
      return ctx.features[clause.feature] ?? null;
    case 'attribute':
      return attributeValue(clause.path, clause.condition, ctx.customer);
    case 'event': {
      const v = eventValue(clause, ctx);
      return v !== null && (clause.aggregate === 'first' || clause.aggregate === 'last') ? new Date(v).toISOString() : v;
    }
    case 'and':
    case 'or':
    case 'not':
    case 'stopped':
    case 'in_audience':
      return null;
    default:
      return assertNever(clause, 'rule');
  }
}

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
  return clausesOf(rule).map((clause) => {
    const held = evaluateRule(clause, ctx);
    const value = ownValue(clause, ctx);
    const condition = 'condition' in clause ? clause.condition : undefined;
    return { clause: printRule(clause), held, value, gap: held || !condition ? null : gapOf(value, condition) };
  });
}

/**
 * Why a customer is or is not in each audience at a stored run: membership, score and reasons as stored, and each
 * clause re-evaluated in memory with the customer's values; for a non-member, how far from passing each failing
 * clause is.
 */
export async function explainCustomer(store: Store, customerId: string, options: { audience?: string; asOf?: string } = {}): Promise<Explanation> {
  const at = await runDate(store, options.asOf);
  const run = await store.one<{ thresholds: string }>(sql`SELECT thresholds::VARCHAR AS thresholds FROM runs WHERE as_of = CAST(${at} AS TIMESTAMP)`);
  const thresholds = JSON.parse(run!.thresholds) as Thresholds;
  const all = await listAudiences(store);
  const chosen = options.audience ? all.filter((a) => a.id === options.audience || a.name === options.audience) : all.filter((a) => a.active);
  if (chosen.length === 0) throw new NotFoundError(`no audience "${options.audience}"`, { audience: options.audience });
  const stored = await store.all<{ audience_id: string; score: number; reasons: string | null }>(sql`
    SELECT audience_id, score, reasons FROM memberships WHERE customer_id = ${customerId} AND as_of = CAST(${at} AS TIMESTAMP)`);
  const membership = new Map(stored.map((m) => [m.audience_id, m]));
  const idByName = new Map(all.map((a) => [a.name, a.id]));
  const ctx = await loadCustomerContext(store, customerId, at, (name) => membership.has(idByName.get(name) ?? ''));
  if (!ctx) throw new NotFoundError(`customer "${customerId}" is not in the store as of ${at}`, { customer: customerId });
  return {
    customer_id: customerId,
    as_of: at,
    audiences: chosen.map((a) => {
      const m = membership.get(a.id);
      const rule = ruleOf(a, thresholds);
      return {
        id: a.id,
        name: a.name,
        kind: a.kind,
        member: m !== undefined,
        score: m?.score ?? null,
        reasons: m?.reasons ?? null,
        rule: rule?.text ?? null,
        clauses: rule ? explainClauses(rule.rule, ctx) : [],
      };
    }),
  };
}
