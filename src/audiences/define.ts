import { FEATURE_TABLE, featureTableAsOf, materializeFeatureTable } from '../features/index.js';
import type { Thresholds } from '../segments/index.js';
import { asTimestamp, formatTimestamp, join, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { changeAudience, getAudience, insertAudience, listAudiences } from './repository.js';
import { rulesOf, storeRuleMemberships, withDependents } from './rules.js';
import type { CreateAudience, SizedAudience, UpdateAudience } from './schema.js';
import { storeAudienceSizes, withLatestSizes } from './sizes.js';

/**
 * Creating or changing an audience through the CLI or the API: a new rule, a changed one or one switched back on is
 * computed at once against the latest run, so it never shows an unexplained size of 0; before any run it says it is
 * not computed until the next one.
 */

/** One audience by id or name, with its size at the latest run. */
export async function describeAudience(store: Store, idOrName: string): Promise<SizedAudience> {
  return (await withLatestSizes(store, [await getAudience(store, idOrName)]))[0]!;
}

export async function createAudience(store: Store, input: CreateAudience): Promise<SizedAudience> {
  const a = await insertAudience(store, input);
  await computeAtLatestRun(store, [a.id]);
  return describeAudience(store, a.id);
}

export async function updateAudience(store: Store, idOrName: string, input: UpdateAudience): Promise<SizedAudience> {
  const a = await changeAudience(store, idOrName, input);
  if (a.active && (input.rule !== undefined || input.active === true)) await computeAtLatestRun(store, [a.id]);
  return describeAudience(store, a.id);
}

/**
 * Computes these audiences (those computed by a rule) into the latest run's snapshot, as that run would have (its
 * features and thresholds), with the active rule audiences that read them through `in audience`: a new or changed
 * audience has its members and size at once instead of waiting for the next run. Kinds computed by SQL (RFM cells,
 * clusters) are positions in the whole population, which only runs compute. Returns the run's date, or undefined
 * before any run.
 */
export async function computeAtLatestRun(store: Store, audienceIds: readonly string[]): Promise<string | undefined> {
  const run = await store.one<{ as_of: string; thresholds: string }>(sql`
    SELECT ${formatTimestamp(sql`as_of`)} AS as_of, thresholds::VARCHAR AS thresholds FROM runs ORDER BY as_of DESC LIMIT 1`);
  if (!run) return undefined;
  const active = (await listAudiences(store)).filter((a) => a.active);
  const affected = withDependents(rulesOf(active, JSON.parse(run.thresholds) as Thresholds), audienceIds);
  if (affected.length === 0) return run.as_of;
  // The feature table is the latest run's unless an older date was run since; then it is made the latest's again.
  if ((await featureTableAsOf(store)) !== run.as_of) await materializeFeatureTable(store, run.as_of);
  const ids = join(affected.map((r) => sql`${r.audience.id}`));
  await store.transaction(async () => {
    await store.run(sql`DELETE FROM memberships WHERE as_of = ${asTimestamp(run.as_of)} AND audience_id IN (${ids})`);
    await storeRuleMemberships(store, run.as_of, affected, new Map(active.map((a) => [a.name, a.id])));
    await storeAudienceSizes(store, run.as_of, FEATURE_TABLE, affected.map((r) => ({ id: r.audience.id, text: r.text })));
  });
  return run.as_of;
}
