import { defaultAsOf, featureTableAsOf } from '../features/index.js';
import { customerNotFound } from '../shared/errors.js';
import { asTimestamp, join, sql, upsertInto } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { checkEvidence } from './evidence.js';
import { factList, profileFactsOf, round, type ProfileFacts } from './facts.js';
import { buildLooks } from './looks.js';
import { narrate, type Narration } from './narrate.js';
import type { NarrationInput, Narrator } from './narrator-types.js';
import { EMBEDDED_NARRATOR, narratorFor, type NarratorSettings } from './narrators.js';
import { profileSchema, type Profile } from './schema.js';
import { PROFILE_SEEDS } from './seeds.js';

export interface ProfileOptions extends NarratorSettings {
  /** Default: the latest run's date (the feature table's), else the day after the last event. */
  asOf?: string | undefined;
  seed?: number | undefined;
}

/**
 * Work on a store, as its owner grants it: the CLI runs it on its store, the server in the workspace's queue. A
 * profile takes the store twice, for its facts and to keep it, so a narrator's network wait holds no queue.
 */
export type StoreUse = <T>(fn: (store: Store) => Promise<T>) => Promise<T>;
export const useStore = (store: Store): StoreUse => (fn) => fn(store);

/**
 * How much the profile can be trusted, from the amount of data behind it: orders (up to 5) weigh most, recent
 * browsing (up to 10 events) the rest. A customer with one order or only browsing gets a low score.
 */
function confidenceOf(f: ProfileFacts): Profile['confidence'] {
  const recent = f.recent.views + f.recent.searches + f.recent.carts;
  const score = round(0.1 + (0.7 * Math.min(f.orders, 5)) / 5 + (0.2 * Math.min(recent, 10)) / 10, 2);
  return {
    score,
    level: score >= 0.7 ? 'high' : score >= 0.4 ? 'medium' : 'low',
    basis: `${f.orders} ${f.orders === 1 ? 'order' : 'orders'}, ${f.units} units of known products, ${recent} browsing events in the last 30 days`,
  };
}

const now = (): string => new Date().toISOString().slice(0, 19).replace('T', ' ');

/** The date profiles are made as of by default: the latest run's, so facts, audiences and CLV agree. */
export async function profileAsOf(store: Store): Promise<string> {
  return (await featureTableAsOf(store)) ?? defaultAsOf(store);
}

/** A profile's facts, looks and the embedded narrator's draft: all a narrator needs, read from the store. */
interface Draft extends NarrationInput {
  asOf: string;
  seed: number;
}

/** The drafts of these customers, by id, all as of one date; a customer the store lacks as of that date is left out. */
async function draftsOf(store: Store, customerIds: readonly string[], options: ProfileOptions): Promise<Map<string, Draft>> {
  const asOf = options.asOf ?? (await profileAsOf(store));
  const seed = options.seed ?? PROFILE_SEEDS.default;
  const { catalog, facts } = await profileFactsOf(store, customerIds, asOf);
  const drafts = new Map<string, Draft>();
  for (const [id, f] of facts) {
    const looks = buildLooks(catalog, f, f.occasions.map((o) => o.value), seed);
    drafts.set(id, { asOf, seed, facts: f, factList: factList(f), looks, draft: narrate(f, looks, seed) });
  }
  return drafts;
}

/**
 * The profile as the narrator writes it, when its text fits the schema and keeps the evidence rule; else the embedded
 * draft, with the reason in `generator.note`. Needs no store.
 */
async function narrated(d: Draft, narrator: Narrator): Promise<Profile> {
  const profile = (n: Narration, by: Narrator, note: string | null) => ({
    customer_id: d.facts.customerId,
    as_of: d.asOf,
    ...n.text,
    facts: d.factList,
    evidence: n.evidence,
    confidence: confidenceOf(d.facts),
    generated_at: now(),
    generator: { narrator: by.name, version: by.version, seed: d.seed, note },
  });
  let failed: string | undefined;
  if (narrator !== EMBEDDED_NARRATOR) {
    const written = await narrator.write(d);
    if ('failed' in written) failed = written.failed;
    else {
      const parsed = profileSchema.safeParse(profile(written, narrator, null));
      const issue = parsed.error?.issues[0];
      const problem = parsed.success ? checkEvidence(parsed.data).problems[0] : `${issue?.path.join('.')}: ${issue?.message}`;
      if (parsed.success && problem === undefined) return parsed.data;
      failed = parsed.success ? `its text breaks the evidence rule: ${problem}` : `its text does not fit the profile schema: ${problem}`;
    }
  }
  const note = failed === undefined ? null : `asked the ${narrator.name} narrator (${narrator.version}): ${failed}; the embedded narrator wrote the text`;
  return profileSchema.parse(profile(d.draft, EMBEDDED_NARRATOR, note));
}

/**
 * Makes a profile from the store as it is: facts, looks and the text of the narrator the options allow (the embedded
 * one by default), validated by the schema. A customer the store lacks as of the date is not found.
 */
export async function makeProfile(store: Store, customerId: string, options: ProfileOptions = {}): Promise<Profile> {
  const asOf = options.asOf ?? (await profileAsOf(store));
  const draft = (await draftsOf(store, [customerId], { ...options, asOf })).get(customerId);
  if (!draft) throw customerNotFound(customerId, asOf);
  return narrated(draft, narratorFor(options));
}

/** Keeps profiles as their customers' last ones (the previous are replaced). */
export async function saveProfiles(store: Store, profiles: readonly Profile[]): Promise<void> {
  if (profiles.length === 0) return;
  await store.run(sql`${upsertInto(sql`customer_profiles`)} VALUES ${join(profiles.map((p) => sql`(${p.customer_id}, ${asTimestamp(p.as_of)},
    ${asTimestamp(p.generated_at)}, ${JSON.stringify(p)})`))}`);
}

/** The profiles kept for these customers, by id; a customer without one is left out. */
export async function keptProfiles(store: Store, ids: readonly string[]): Promise<Map<string, Profile>> {
  if (ids.length === 0) return new Map();
  const rows = await store.all<{ profile: string }>(sql`SELECT profile::VARCHAR AS profile FROM customer_profiles WHERE customer_id IN (${join(ids.map((id) => sql`${id}`))})`);
  return new Map(rows.map((r) => profileSchema.parse(JSON.parse(r.profile))).map((p) => [p.customer_id, p]));
}

export interface MakeOptions extends ProfileOptions {
  refresh?: boolean | undefined;
  /** Narrations under way at once: a narrator that waits on the network writes several profiles in that time. */
  lanes?: number | undefined;
}

/**
 * What GET /v1/customers/:id/profile, `segmint profile` and the batches answer, for many customers at once: the last
 * profile kept when it is of the date and seed asked for, else a new one (made and kept), in the order of `ids`;
 * null for a customer the store lacks. The drafts of a call are read in one pass over the store (facts.ts), which
 * costs a profile little more than one customer's part of the scan.
 */
export async function customerProfiles(use: StoreUse, ids: readonly string[], options: MakeOptions = {}): Promise<Array<Profile | null>> {
  const { kept, drafts } = await use(async (store) => {
    const fits = (p: Profile) => (options.asOf === undefined || p.as_of === options.asOf) && (options.seed === undefined || p.generator.seed === options.seed);
    const kept = options.refresh ? new Map<string, Profile>() : new Map([...(await keptProfiles(store, ids))].filter(([, p]) => fits(p)));
    const known = await store.all<{ id: string }>(sql`SELECT id FROM customers WHERE id IN (${join(ids.map((id) => sql`${id}`))})`);
    return { kept, drafts: await draftsOf(store, known.map((r) => r.id).filter((id) => !kept.has(id)), options) };
  });
  const narrator = narratorFor(options);
  const queue = [...drafts.values()];
  const made = new Map<string, Profile>();
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.lanes ?? 1, queue.length)) }, async () => {
      for (let d = queue.shift(); d; d = queue.shift()) made.set(d.facts.customerId, await narrated(d, narrator));
    }),
  );
  if (made.size) await use((store) => saveProfiles(store, [...made.values()]));
  return ids.map((id) => kept.get(id) ?? made.get(id) ?? null);
}

/** customerProfiles for one customer: a customer the store lacks, or lacks as of the date, is not found. */
export async function customerProfile(use: StoreUse, customerId: string, options: MakeOptions = {}): Promise<Profile> {
  const [profile] = await customerProfiles(use, [customerId], options);
  if (profile) return profile;
  const asOf = await use(async (store) => ((await store.one(sql`SELECT 1 FROM customers WHERE id = ${customerId}`)) ? (options.asOf ?? (await profileAsOf(store))) : null));
  throw customerNotFound(customerId, asOf ?? undefined);
}
