import type { Store } from '../store/index.js';
import { changeAudience, getAudience, insertAudience } from './repository.js';
import { computeAtLatestRun } from './run.js';
import type { CreateAudience, SizedAudience, UpdateAudience } from './schema.js';
import { withLatestSizes } from './sizes.js';

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
