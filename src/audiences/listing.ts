import { sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { hygiene, type HygieneFlag } from './overlap.js';
import { listAudiences } from './repository.js';
import type { Audience } from './schema.js';

/** An audience as listings show it: its size, revenue share and hygiene flags at the latest run. */
export interface ListedAudience extends Audience {
  size: number | null;
  revenue_share: number | null;
  /** The latest run, when the audience has a row in it. */
  as_of: string | null;
  /** The rule as it ran (a smart segment's with that run's thresholds); null for RFM cells and clusters. */
  rule_text: string | null;
  flags: Array<Omit<HygieneFlag, 'audience_id'>>;
}

/**
 * Every audience with its numbers at the latest run, for `segmint audiences` and GET /v1/audiences. The audiences of
 * clusters a refit no longer has (another k) are left out: they stay in the store, deactivated, for their history.
 */
export async function audienceListing(store: Store, minSize: number): Promise<ListedAudience[]> {
  const audiences = (await listAudiences(store)).filter((a) => a.kind !== 'cluster' || a.active);
  const last = await store.one<{ as_of: string | null }>(sql`SELECT strftime(max(as_of), '%Y-%m-%d %H:%M:%S') AS as_of FROM runs`);
  const at = last?.as_of ?? undefined;
  const latest = at
    ? await store.all<{ audience_id: string; size: number; rule_text: string | null; share: number | null }>(sql`
        SELECT r.audience_id, r.size, r.rule_text, r.revenue / NULLIF(runs.revenue, 0) AS share
        FROM audience_runs r JOIN runs USING (as_of) WHERE r.as_of = CAST(${at} AS TIMESTAMP)`)
    : [];
  const byId = new Map(latest.map((r) => [r.audience_id, r]));
  const flags = at ? await hygiene(store, at, minSize) : [];
  return audiences.map((a) => {
    const run = byId.get(a.id);
    return {
      ...a,
      size: run?.size ?? null,
      revenue_share: run?.share ?? null,
      as_of: run ? at! : null,
      rule_text: run?.rule_text ?? null,
      flags: flags.filter((f) => f.audience_id === a.id).map(({ flag, detail }) => ({ flag, detail })),
    };
  });
}
