import type { LiveView } from '../audiences/index.js';
import { CONSENT_CHANNELS, consentColumns } from '../store/index.js';
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
  const held = view.audiencesOf(customerId);
  const row = view.customerRow(customerId);
  if (!held || !row) return ANONYMOUS;
  return {
    memberships: new Set(held.audiences.map((a) => a.id)),
    withdrawn: new Set(CONSENT_CHANNELS.filter((c) => row[consentColumns(c).value] === false)),
  };
}
