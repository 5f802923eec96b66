import type { LiveView } from '../audiences/index.js';
import type { VisitorFacts } from './decide.js';

const ANONYMOUS: VisitorFacts = { memberships: undefined, withdrawn: new Set() };

/**
 * What decide knows of a visitor, read from the workspace's live view only: a signed-in customer's audiences and the
 * consent channels they withdrew (stated false). A customer the view does not hold is new to the shop and counts as
 * anonymous; without a view (still building, or a store too large for memory) their consent cannot be read, so
 * nothing needing consent is shown to them.
 */
export function visitorFacts(view: LiveView | undefined, customerId: string | undefined): VisitorFacts {
  if (customerId === undefined) return ANONYMOUS;
  if (!view) return { memberships: undefined, withdrawn: 'unknown' };
  return view.facts(customerId) ?? ANONYMOUS;
}
