import { ValidationError } from '../shared/errors.js';

/** Where in the rule text something is; `line` and `column` count from 1, `offset` from 0 (UTF-16 code units). */
export interface Position {
  offset: number;
  line: number;
  column: number;
}

/**
 * Every key is always present so that API clients can rely on the shape: a parse error has a `position`, a check of
 * an AST that arrived as JSON has a `path` (`rules[1].condition`) instead.
 */
export type RuleErrorDetails = {
  position: Position | undefined;
  path: string | undefined;
  expected: string[] | undefined;
  found: string | undefined;
  suggestions: string[] | undefined;
};

export class RuleSyntaxError extends ValidationError {
  declare readonly details: RuleErrorDetails;

  constructor(message: string, details: Partial<RuleErrorDetails>) {
    super(message, {
      position: details.position,
      path: details.path,
      expected: details.expected,
      found: details.found,
      suggestions: details.suggestions,
    } satisfies RuleErrorDetails);
    this.name = 'RuleSyntaxError';
  }
}

/**
 * A failed name or type check, located by a path relative to the rule leaf being checked (`condition.value`,
 * `selector.filters[0].field`). The parser turns the path into a text position, checkRule into an AST path, so the
 * checks themselves are written once.
 */
export type Problem =
  | { at: string; message: string }
  | { at: string; unknown: string; name: string; suggestions: string[] };

/** Reports a problem; never returns, so checks can use it in expressions (`map.get(x) ?? fail(...)`). */
export type Site = (problem: Problem) => never;

export function problemError(problem: Problem, where: { position?: Position; path?: string }): RuleSyntaxError {
  const loc = where.position ? formatPosition(where.position) : where.path || 'the rule';
  if ('unknown' in problem) {
    const hint = problem.suggestions.length > 0 ? `; did you mean ${orList(problem.suggestions)}?` : '';
    return new RuleSyntaxError(`unknown ${problem.unknown} ${JSON.stringify(problem.name)} at ${loc}${hint}`, {
      ...where,
      found: problem.name,
      suggestions: problem.suggestions,
    });
  }
  return new RuleSyntaxError(`at ${loc}: ${problem.message}`, where);
}

export function formatPosition(p: Position): string {
  return `${p.line}:${p.column}`;
}

/** `a`, `a or b`, `a, b or c`. */
export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] ?? ''}`;
}
