import { getAudience, runDate } from '../audiences/index.js';
import { NotFoundError } from '../shared/errors.js';
import { join, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { customerProfile, profileAsOf, useStore, type ProfileOptions } from './profile.js';
import { profileSchema, type Profile } from './schema.js';

/**
 * Profiles of many customers (an audience's members): each made as `segmint profile` makes one (the kept profile
 * unless `refresh`), several at a time on their own connections to the store, and handed back in the order asked.
 */

/**
 * Profiles made at once. A profile is a dozen small queries, each too small to keep both cores busy, so several
 * connections overlap them. On a 2-core machine loaded by other work (load 10), 4 lanes made 1.16x the profiles a
 * second of one lane, with rounds ranging 0.8x to 1.5x (docs/benchmarks.md, "Profile batch"): a gain, not yet measured
 * on a quiet machine.
 */
export const DEFAULT_LANES = 4;

export interface BatchOptions extends ProfileOptions {
  refresh?: boolean | undefined;
  lanes?: number | undefined;
}

/** The members of an audience at the latest run, by customer id; an unknown audience is not found. */
export async function audienceCustomers(store: Store, audience: string): Promise<{ audience: string; run: string; customers: string[] }> {
  const { id } = await getAudience(store, audience);
  const run = await runDate(store);
  const rows = await store.all<{ id: string }>(sql`SELECT customer_id AS id FROM memberships
    WHERE audience_id = ${id} AND as_of = CAST(${run} AS TIMESTAMP) ORDER BY customer_id`);
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
export async function profilesOf(store: Store, ids: readonly string[], options: BatchOptions, onProfile: (id: string, profile: Profile | null) => void | Promise<void>): Promise<void> {
  const made: Array<Profile | null | undefined> = new Array<Profile | null | undefined>(ids.length);
  let next = 0;
  let emitted = 0;
  // One emitter at a time: lanes finish out of order, the caller sees the order asked.
  let emitting = Promise.resolve();
  const emitReady = (): Promise<void> =>
    (emitting = emitting.then(async () => {
      while (emitted < ids.length && made[emitted] !== undefined) {
        const i = emitted++;
        await onProfile(ids[i]!, made[i]!);
        made[i] = null;
      }
    }));
  const lanes = await Promise.all(Array.from({ length: Math.max(1, Math.min(options.lanes ?? DEFAULT_LANES, ids.length)) }, () => store.fork()));
  try {
    await Promise.all(
      lanes.map(async (lane) => {
        while (next < ids.length) {
          const i = next++;
          try {
            made[i] = await customerProfile(useStore(lane), ids[i]!, options);
          } catch (err) {
            if (!(err instanceof NotFoundError)) throw err;
            made[i] = null;
          }
          await emitReady();
        }
      }),
    );
  } finally {
    for (const lane of lanes) lane.close();
  }
  await emitReady();
}

/** The profiles kept for these customers, in their order; a customer without one is left out. */
export async function keptProfiles(store: Store, ids: readonly string[]): Promise<Profile[]> {
  if (ids.length === 0) return [];
  const rows = await store.all<{ id: string; profile: string }>(sql`SELECT customer_id AS id, profile::VARCHAR AS profile FROM customer_profiles
    WHERE customer_id IN (${join(ids.map((id) => sql`${id}`))})`);
  const byId = new Map(rows.map((r) => [r.id, r.profile]));
  return ids.flatMap((id) => {
    const profile = byId.get(id);
    return profile === undefined ? [] : [profileSchema.parse(JSON.parse(profile))];
  });
}
