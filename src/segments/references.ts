import type { Rule } from './ast.js';

type Clause = Exclude<Rule, { kind: 'and' | 'or' | 'not' }>;

/** Calls `visit` on every clause of a rule, through its and / or / not. */
function eachClause(rule: Rule, visit: (clause: Clause) => void): void {
  if (rule.kind === 'and' || rule.kind === 'or') rule.rules.forEach((r) => eachClause(r, visit));
  else if (rule.kind === 'not') eachClause(rule.rule, visit);
  else visit(rule);
}

/** The audiences a rule's `in audience` clauses name, each once. */
export function audienceReferences(rule: Rule): string[] {
  const names = new Set<string>();
  eachClause(rule, (c) => {
    if (c.kind === 'in_audience') names.add(c.audience);
  });
  return [...names];
}

/** The catalog features a rule compares, each once. */
export function featureReferences(rule: Rule): string[] {
  const names = new Set<string>();
  eachClause(rule, (c) => {
    if (c.kind === 'feature') names.add(c.feature);
  });
  return [...names];
}

/** The customers columns rules read (`customer.country`; `attributes` for `customer.attributes.<key>`), each once. */
export function customerFieldReferences(rules: readonly Rule[]): Set<string> {
  const names = new Set<string>();
  rules.forEach((r) =>
    eachClause(r, (c) => {
      if (c.kind === 'attribute') names.add(c.path[0]!);
    }),
  );
  return names;
}

/** Whether a rule reads the customer's own row (a `customer.` clause), beside their features and events. */
export function readsCustomer(rule: Rule): boolean {
  return customerFieldReferences([rule]).size > 0;
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
  const visit = (c: Clause): void => {
    if (c.kind === 'event') {
      types.add(c.selector.eventType);
      const w = c.window;
      bounds.push(w.kind === 'all' ? () => -Infinity : w.kind === 'last_days' ? (asOf) => asOf - w.days * DAY_MS : () => Date.parse(`${w.from}T00:00:00Z`));
    } else if (c.kind === 'stopped') {
      types.add(c.selector.eventType);
      bounds.push((asOf) => asOf - c.within * DAY_MS);
    }
  };
  rules.forEach((r) => eachClause(r, visit));
  return { types, since: bounds.length ? (asOf) => Math.min(...bounds.map((b) => b(asOf))) : null };
}
