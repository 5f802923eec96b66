import { sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { hygiene } from './overlap.js';
import { listAudiences } from './repository.js';
import type { ListedAudience, SizedAudience } from './schema.js';
import { withLatestSizes } from './sizes.js';

/**
 * Every audience with its numbers and hygiene flags at the latest run, for `segmint audiences` and GET /v1/audiences.
 * The audiences of clusters a refit no longer has (another k) are left out: they stay in the store, deactivated, for
 * their history.
 */
export async function audienceListing(store: Store, minSize: number): Promise<ListedAudience[]> {
  const audiences = await withLatestSizes(store, (await listAudiences(store)).filter((a) => a.kind !== 'cluster' || a.active));
  const last = await store.one<{ as_of: string | null }>(sql`SELECT strftime(max(as_of), '%Y-%m-%d %H:%M:%S') AS as_of FROM runs`);
  const flags = last?.as_of ? await hygiene(store, last.as_of, minSize) : [];
  return audiences.map((a) => ({
    ...a,
    definition_text: definitionText(a),
    flags: flags.filter((f) => f.audience_id === a.id).map(({ flag, detail }) => ({ flag, detail })),
  }));
}

function definitionText(a: SizedAudience): string {
  switch (a.definition.kind) {
    case 'rule':
      return a.definition.text;
    case 'smart':
      return a.rule_text ?? a.definition.template;
    case 'rfm':
      return `RFM segment ${a.definition.segment}`;
    case 'cluster':
      return `nearest centroid of the ${a.definition.method} clustering`;
  }
}
