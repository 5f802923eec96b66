import { FEATURE_TABLE, featureTableAsOf } from '../../features/index.js';
import { ConflictError } from '../../shared/errors.js';
import { asTimestamp, ident, sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import { selectColumns } from './columns.js';
import type { ExportFormat } from './schema.js';

/**
 * An audience's members at a run with the columns asked for, highest score first, written by the engine (Store.writeText):
 * nothing of the audience passes through memory here. Answers the rows written.
 */
export async function writePlainFile(store: Store, o: { audienceId: string; asOf: string; columns: readonly string[]; format: ExportFormat; path: string }): Promise<number> {
  const { list, features } = selectColumns(o.columns);
  if (features) {
    // The feature table holds one date, the last computed: features of another run's members would be of another day.
    const at = await featureTableAsOf(store);
    if (at !== o.asOf) throw new ConflictError(`columns: features are as of ${at ?? 'no run'}, not of the latest run ${o.asOf}; run again to export them`, { as_of: o.asOf });
  }
  const joinFeatures = features ? sql` LEFT JOIN ${ident(FEATURE_TABLE)} f ON f.customer_id = m.customer_id` : sql``;
  return store.writeText(sql`SELECT ${list} FROM memberships m LEFT JOIN customers c ON c.id = m.customer_id${joinFeatures}
    WHERE m.audience_id = ${o.audienceId} AND m.as_of = ${asTimestamp(o.asOf)} ORDER BY m.score DESC NULLS LAST, m.customer_id`, o.path, o.format);
}
