import { getAudience, runDate } from '../audiences/index.js';
import { asTimestamp, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { customerProfiles, profileAsOf, useStore, type MakeOptions, type ProfileOptions } from './profile.js';
import { DEFAULT_LANES } from './lanes.js';
import type { Profile } from './schema.js';

/**
 * Profiles of many customers (an audience's members): made in chunks, each chunk's drafts read in one pass over the
 * store (customerProfiles), chunks under way on their own connections so one chunk's reads overlap another's text,
 * and handed back in the order asked.
 */

/** Customers per chunk: the events scan costs a chunk about as much for 50 customers as for 500 (docs/benchmarks.md). */
const CHUNK = 500;

/** The members of an audience at the latest run, by customer id; an unknown audience is not found. */
export async function audienceCustomers(store: Store, audience: string): Promise<{ audience: string; run: string; customers: string[] }> {
  const { id } = await getAudience(store, audience);
  const run = await runDate(store);
  const rows = await store.all<{ id: string }>(sql`SELECT customer_id AS id FROM memberships
    WHERE audience_id = ${id} AND as_of = ${asTimestamp(run)} ORDER BY customer_id`);
  return { audience: id, run, customers: rows.map((r) => r.id) };
}

/** The date a batch makes its profiles as of, so they all read the same history: the one asked for, else the default. */
export async function batchAsOf(store: Store, options: ProfileOptions): Promise<string> {
  return options.asOf ?? (await profileAsOf(store));
}

/**
 * The profiles of `ids`, each passed to `onProfile` in the order of `ids` (null for a customer gone from the store
 * since, e.g. erased). Each is kept, as a single profile is.
 */
export async function profilesOf(store: Store, ids: readonly string[], options: MakeOptions, onProfile: (id: string, profile: Profile | null) => void | Promise<void>): Promise<void> {
  const chunks = Array.from({ length: Math.ceil(ids.length / CHUNK) }, (_, i) => ids.slice(i * CHUNK, (i + 1) * CHUNK));
  const made: Array<Array<Profile | null> | undefined> = new Array<Array<Profile | null> | undefined>(chunks.length);
  let next = 0;
  let emitted = 0;
  // One emitter at a time: lanes finish out of order, the caller sees the order asked.
  let emitting = Promise.resolve();
  const emitReady = (): Promise<void> =>
    (emitting = emitting.then(async () => {
      while (emitted < chunks.length && made[emitted] !== undefined) {
        const i = emitted++;
        for (const [j, profile] of made[i]!.entries()) await onProfile(chunks[i]![j]!, profile);
        made[i] = [];
      }
    }));
  const lanes = await Promise.all(Array.from({ length: Math.max(1, Math.min(options.lanes ?? DEFAULT_LANES, chunks.length)) }, () => store.fork()));
  try {
    await Promise.all(
      lanes.map(async (lane) => {
        while (next < chunks.length) {
          const i = next++;
          made[i] = await customerProfiles(useStore(lane), chunks[i]!, options);
          await emitReady();
        }
      }),
    );
  } finally {
    for (const lane of lanes) lane.close();
  }
  await emitReady();
}
