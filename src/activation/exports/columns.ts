import { CUSTOMER_FEATURES } from '../../features/index.js';
import { ValidationError } from '../../shared/errors.js';
import { ident, join, sql, type Sql } from '../../sql/index.js';

/**
 * The columns a plain export may pick, each read from the run's memberships (m), the customers (c) or the feature table
 * (f): its SQL, and whether it needs the feature table. Contact columns carry their channel's consent: a member's
 * email only with consent to email, their phone only with consent to SMS, else empty; the member's row stays, as ids,
 * scores and features are what an analysis of the audience needs and reach nobody.
 */
const OWN: Record<string, Sql> = {
  id: sql`m.customer_id`,
  email: sql`CASE WHEN coalesce(c.consent_email, false) THEN c.email END`,
  phone: sql`CASE WHEN coalesce(c.consent_sms, false) THEN c.phone END`,
  score: sql`m.score`,
  reasons: sql`m.reasons`,
};
const FEATURE_NAMES = new Set(CUSTOMER_FEATURES.map((f) => f.name));

export const DEFAULT_COLUMNS = ['id', 'email', 'score'];

/** The select list for `columns`, in their order; a name no column has is refused, naming it. */
export function selectColumns(columns: readonly string[]): { list: Sql; features: boolean } {
  const unknown = columns.filter((c) => !(c in OWN) && !FEATURE_NAMES.has(c));
  if (unknown.length) {
    throw new ValidationError(`columns: no column "${unknown[0]}"; a column is one of ${Object.keys(OWN).join(', ')} or a customer feature (segmint features --list)`, { columns: unknown });
  }
  const twice = columns.find((c, i) => columns.indexOf(c) !== i);
  if (twice) throw new ValidationError(`columns: "${twice}" is asked for twice`, { columns: [twice] });
  return { list: join(columns.map((c) => sql`${OWN[c] ?? sql`f.${ident(c)}`} AS ${ident(c)}`)), features: columns.some((c) => FEATURE_NAMES.has(c)) };
}
