import { runSyncs } from '../activation/index.js';
import { enqueueRunChanges } from '../activation/webhooks/index.js';
import { movement, nearDuplicates } from '../audiences/index.js';
import { behaviorFamily } from '../audiences/behavior-family.js';
import { BEHAVIOR_ENTITIES } from '../behaviors/index.js';
import { keepPreviewLines } from '../behaviors/words/index.js';
import { asTimestamp, formatTimestamp, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';

/** What a step after a run is told: the run's date and the date of the run before it, if any. */
export interface AfterRun {
  store: Store;
  asOf: string;
  before: string | null;
}

/**
 * Work that follows every run once its snapshot is stored, in order. A new follower of runs (a page's answer worked out
 * ahead, a sync that sends an audience somewhere) is one entry here, not an edit of the pipeline.
 */
export const AFTER_RUN: ReadonlyArray<{ name: string; step: (run: AfterRun) => Promise<unknown> }> = [
  // What pages show of the new run, worked out now rather than at their first visit, which on a million customers
  // waited half a minute for the behaviors family and seconds for the audience list's near-duplicates and movement.
  { name: 'behaviors family', step: async ({ store }) => { for (const entity of BEHAVIOR_ENTITIES) await behaviorFamily(store, entity); } },
  // The order and return lines custom-behavior previews read instead of every event (src/behaviors/words/lines.ts).
  { name: 'behavior preview lines', step: ({ store, asOf }) => keepPreviewLines(store, asOf) },
  { name: 'near-duplicates', step: ({ store, asOf }) => nearDuplicates(store, asOf) },
  // The Movement page opens on the RFM map's movement from the run before.
  { name: 'RFM movement', step: async ({ store, asOf, before }) => (before ? movement(store, before, asOf, 'rfm') : undefined) },
  // Audiences followed by an export: each one's next file, with the removals since the last (src/activation).
  { name: 'export syncs', step: ({ store, asOf }) => runSyncs(store, asOf) },
  // Entries and exits since the run before, queued for the audiences' webhooks (src/activation/webhooks).
  { name: 'webhooks', step: ({ store, asOf, before }) => enqueueRunChanges(store, asOf, before) },
];

/** The run before `asOf`, as the steps get it. */
export async function runBefore(store: Store, asOf: string): Promise<string | null> {
  const row = await store.one<{ as_of: string | null }>(sql`SELECT ${formatTimestamp(sql`max(as_of)`)} AS as_of FROM runs WHERE as_of < ${asTimestamp(asOf)}`);
  return row?.as_of ?? null;
}
