import { assertNever } from '../shared/errors.js';
import type { Rule } from './ast.js';

/** The audiences a rule's `in audience` clauses name, each once. */
export function audienceReferences(rule: Rule): string[] {
  const names = new Set<string>();
  const visit = (r: Rule): void => {
    switch (r.kind) {
      case 'and':
      case 'or':
        r.rules.forEach(visit);
        return;
      case 'not':
        visit(r.rule);
        return;
      case 'in_audience':
        names.add(r.audience);
        return;
      case 'feature':
      case 'attribute':
      case 'event':
      case 'stopped':
        return;
      default:
        assertNever(r, 'rule');
    }
  };
  visit(rule);
  return [...names];
}
