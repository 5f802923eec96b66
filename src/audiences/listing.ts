import { formatTimestamp, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { kindOf } from './kinds/index.js';
import { hygiene } from './overlap.js';
import { listAudiences } from './repository.js';
import type { ListedAudience } from './schema.js';
import { withLatestSizes } from './sizes.js';

/**
 * Every audience with its numbers and hygiene flags at the latest run, for `segmint audiences` and GET /v1/audiences.
 * Kinds say whether an inactive audience is left out (the clusters a refit no longer has, another k, stay in the
 * store, deactivated, for their history).
 */
export async function audienceListing(store: Store, minSize: number): Promise<ListedAudience[]> {
  const audiences = await withLatestSizes(store, (await listAudiences(store)).filter((a) => a.active || !kindOf(a.kind).hiddenWhenInactive));
  const last = await store.one<{ as_of: string | null }>(sql`SELECT ${formatTimestamp(sql`max(as_of)`)} AS as_of FROM runs`);
  const flags = last?.as_of ? await hygiene(store, last.as_of, minSize) : [];
  return audiences.map((a) => ({
    ...a,
    definition_text: kindOf(a.kind).describe(a.definition, a.rule_text),
    flags: flags.filter((f) => f.audience_id === a.id).map(({ flag, detail }) => ({ flag, detail })),
  }));
}
