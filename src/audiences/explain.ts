import { z } from 'zod';
import { customerNotFound, NotFoundError } from '../shared/errors.js';
import { asTimestamp, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { eventNeeds, type CustomerContext, type Thresholds } from '../segments/index.js';
import { clauseExplanationSchema, explainClauses, type ClauseExplanation } from './clauses.js';
import { asOfMs, loadCustomerContexts } from './customer-context.js';
import { isComputedBySql, kindOf } from './kinds/index.js';
import { ruleOf, type RuleAudience } from './rules.js';
import { listAudiences } from './repository.js';
import { runDate } from './overlap.js';
import { AUDIENCE_KINDS, type Audience } from './schema.js';

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

/** Why a customer is or is not in each audience at a stored run. */
export const explanationSchema = z.object({ customer_id: z.string(), as_of: z.string().describe('the run explained'), audiences: z.array(audienceExplanationSchema) });
export type Explanation = z.infer<typeof explanationSchema>;

/** The rule an audience ran with, and its clauses (or signals) held against the customer's values, as its kind explains them. */
async function explainAudience(a: Audience, rule: RuleAudience | undefined, ctx: CustomerContext, run: { store: Store; asOf: string }): Promise<{ rule: string | null; clauses: ClauseExplanation[] }> {
  if (rule) return { rule: rule.text, clauses: explainClauses(rule.rule, ctx) };
  const kind = kindOf(a.kind);
  return { rule: null, clauses: (isComputedBySql(kind) && (await kind.compute.explain?.(a, ctx, run))) || [] };
}

/**
 * Why a customer is or is not in each audience at a stored run: membership, score and reasons as stored, and each
 * clause re-evaluated in memory with the customer's values; for a non-member, how far from passing each failing
 * clause is.
 */
export async function explainCustomer(store: Store, customerId: string, options: { audience?: string; asOf?: string } = {}): Promise<Explanation> {
  const at = await runDate(store, options.asOf);
  const run = await store.one<{ thresholds: string }>(sql`SELECT thresholds::VARCHAR AS thresholds FROM runs WHERE as_of = ${asTimestamp(at)}`);
  const thresholds = JSON.parse(run!.thresholds) as Thresholds;
  const all = await listAudiences(store);
  const chosen = options.audience ? all.filter((a) => a.id === options.audience || a.name === options.audience) : all.filter((a) => a.active);
  if (chosen.length === 0) throw new NotFoundError(`no audience "${options.audience}"`, { audience: options.audience });
  const stored = await store.all<{ audience_id: string; score: number; reasons: string | null }>(sql`
    SELECT audience_id, score, reasons FROM memberships WHERE customer_id = ${customerId} AND as_of = ${asTimestamp(at)}`);
  const membership = new Map(stored.map((m) => [m.audience_id, m]));
  const idByName = new Map(all.map((a) => [a.name, a.id]));
  const rules = new Map(chosen.map((a) => [a.id, ruleOf(a, thresholds)]));
  // Only the events the rules read: the customer's others would be read from the whole events table for nothing.
  const needs = eventNeeds([...rules.values()].flatMap((r) => (r ? [r.rule] : [])));
  const contexts = await loadCustomerContexts(store, [customerId], at, () => (name) => membership.has(idByName.get(name) ?? ''), {
    events: { types: needs.types, since: needs.since?.(asOfMs(at)) },
  });
  const ctx = contexts.get(customerId);
  if (!ctx) throw customerNotFound(customerId, at);
  return {
    customer_id: customerId,
    as_of: at,
    audiences: await Promise.all(chosen.map(async (a) => {
      const m = membership.get(a.id);
      return {
        id: a.id,
        name: a.name,
        kind: a.kind,
        member: m !== undefined,
        score: m?.score ?? null,
        reasons: m?.reasons ?? null,
        ...(await explainAudience(a, rules.get(a.id), ctx, { store, asOf: at })),
      };
    })),
  };
}
