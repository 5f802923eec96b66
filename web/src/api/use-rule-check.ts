import { api, type ApiError } from './client.js';
import type { RuleCheck } from './types.js';
import { useDebounced } from './use-debounced.js';

/** How long typing must pause before a rule is checked. */
const CHECK_DELAY_MS = 250;

export type RuleProblem = Extract<RuleCheck, { valid: false }>['error'];

/**
 * A rule text checked as it is typed, by the server's own parser and checker (`POST /v1/rules/check`): valid, its
 * error with a position, or the API's failure; all three false/null until the answer for this very text arrives.
 */
export function useRuleCheck(rule: string): { valid: boolean; problem: RuleProblem | null; failure: ApiError | null } {
  const check = useDebounced<RuleCheck>(rule.trim() ? rule : null, CHECK_DELAY_MS, (text, signal) => api<RuleCheck>('/v1/rules/check', { method: 'POST', body: { rule: text }, signal }));
  const current = check.for === rule ? check.value : null;
  return { valid: current?.valid === true, problem: current?.valid === false ? current.error : null, failure: check.error };
}
