import { defaultAsOf, featureTableAsOf } from '../features/index.js';
import { NotFoundError } from '../shared/errors.js';
import { sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { checkEvidence } from './evidence.js';
import { factList, profileFacts, round, type ProfileFacts } from './facts.js';
import { buildLooks } from './looks.js';
import { narrate, type Narration } from './narrate.js';
import { EMBEDDED_NARRATOR, narratorFor, type NarrationInput, type Narrator, type NarratorSettings } from './narrators.js';
import { profileSchema, type Profile } from './schema.js';

/** Seeds the narrator's phrasings and the looks' tie-breaks unless a caller asks for another. */
export const DEFAULT_PROFILE_SEED = 1;

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

async function draftOf(store: Store, customerId: string, options: ProfileOptions): Promise<Draft> {
  const asOf = options.asOf ?? (await profileAsOf(store));
  const seed = options.seed ?? DEFAULT_PROFILE_SEED;
  const facts = await profileFacts(store, customerId, asOf);
  const looks = await buildLooks(store, facts, facts.occasions.map((o) => o.value), seed);
  return { asOf, seed, facts, factList: factList(facts), looks, draft: narrate(facts, looks, seed) };
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
 * one by default), validated by the schema.
 */
export async function makeProfile(store: Store, customerId: string, options: ProfileOptions = {}): Promise<Profile> {
  return narrated(await draftOf(store, customerId, options), narratorFor(options));
}

/** Keeps a profile as the customer's last one (the previous is replaced). */
export async function saveProfile(store: Store, profile: Profile): Promise<void> {
  await store.run(sql`INSERT OR REPLACE INTO customer_profiles VALUES (${profile.customer_id}, CAST(${profile.as_of} AS TIMESTAMP),
    CAST(${profile.generated_at} AS TIMESTAMP), ${JSON.stringify(profile)})`);
}

/** The customer's last stored profile, if any. */
export async function storedProfile(store: Store, customerId: string): Promise<Profile | undefined> {
  const row = await store.one<{ profile: string }>(sql`SELECT profile::VARCHAR AS profile FROM customer_profiles WHERE customer_id = ${customerId}`);
  return row ? profileSchema.parse(JSON.parse(row.profile)) : undefined;
}

/**
 * What GET /v1/customers/:id/profile and `segmint profile` answer: the last profile kept, or a new one (made and kept)
 * when there is none yet or `refresh` asks for it. A customer the store lacks is not found.
 */
export async function customerProfile(use: StoreUse, customerId: string, options: ProfileOptions & { refresh?: boolean | undefined } = {}): Promise<Profile> {
  const kept = await use(async (store) => {
    const known = await store.one(sql`SELECT 1 FROM customers WHERE id = ${customerId}`);
    if (!known) throw new NotFoundError(`no customer "${customerId}"`, { customer: customerId });
    if (options.refresh) return undefined;
    const profile = await storedProfile(store, customerId);
    const fits = profile && (options.asOf === undefined || profile.as_of === options.asOf) && (options.seed === undefined || profile.generator.seed === options.seed);
    return fits ? profile : undefined;
  });
  if (kept) return kept;
  const profile = await narrated(await use((store) => draftOf(store, customerId, options)), narratorFor(options));
  await use((store) => saveProfile(store, profile));
  return profile;
}
