import { getAudience, runDate } from '../../audiences/index.js';
import { asTimestamp, ident, sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import type { DryRun } from './schema.js';

/** What an export of the audience at the latest run would hold: its members, those with an email, a phone, ads consent. */
export async function exportDryRun(store: Store, audienceIdOrName: string): Promise<DryRun> {
  const audience = await getAudience(store, audienceIdOrName);
  const asOf = await runDate(store);
  const has = (column: string) => sql`nullif(trim(c.${ident(column)}), '') IS NOT NULL`;
  const row = await store.one<Omit<DryRun, 'audience' | 'as_of'>>(sql`SELECT count(*) AS members,
      count(*) FILTER (WHERE ${has('email')}) AS with_email, count(*) FILTER (WHERE ${has('phone')}) AS with_phone,
      count(*) FILTER (WHERE c.consent_ads) AS with_ads_consent,
      count(*) FILTER (WHERE c.consent_ads AND (${has('email')} OR ${has('phone')})) AS reachable_for_ads
    FROM memberships m LEFT JOIN customers c ON c.id = m.customer_id WHERE m.audience_id = ${audience.id} AND m.as_of = ${asTimestamp(asOf)}`);
  return { audience: audience.id, as_of: asOf, ...row! };
}
