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

/** What a rule reads of the customer's events: the event types, and how far back (null: all of history). */
export interface EventNeeds {
  types: Set<string>;
  /** The earliest instant any clause can read, as a function of the as-of instant (epoch ms); null when none reads events. */
  since: ((asOf: number) => number) | null;
}

const DAY_MS = 86_400_000;

export function eventNeeds(rules: readonly Rule[]): EventNeeds {
  const types = new Set<string>();
  const bounds: Array<(asOf: number) => number> = [];
  const visit = (r: Rule): void => {
    switch (r.kind) {
      case 'and':
      case 'or':
        r.rules.forEach(visit);
        return;
      case 'not':
        visit(r.rule);
        return;
      case 'event': {
        types.add(r.selector.eventType);
        const w = r.window;
        bounds.push(w.kind === 'all' ? () => -Infinity : w.kind === 'last_days' ? (asOf) => asOf - w.days * DAY_MS : () => Date.parse(`${w.from}T00:00:00Z`));
        return;
      }
      case 'stopped':
        types.add(r.selector.eventType);
        bounds.push((asOf) => asOf - r.within * DAY_MS);
        return;
      case 'feature':
      case 'attribute':
      case 'in_audience':
        return;
      default:
        assertNever(r, 'rule');
    }
  };
  rules.forEach(visit);
  return { types, since: bounds.length ? (asOf) => Math.min(...bounds.map((b) => b(asOf))) : null };
}
