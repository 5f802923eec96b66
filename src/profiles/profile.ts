import { defaultAsOf, featureTableAsOf } from '../features/index.js';
import { NotFoundError } from '../shared/errors.js';
import { sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { factList, profileFacts, round, type ProfileFacts } from './facts.js';
import { buildLooks } from './looks.js';
import { narrate, NARRATOR_VERSION } from './narrate.js';
import { profileSchema, type Profile } from './schema.js';

/** Seeds the narrator's phrasings and the looks' tie-breaks unless a caller asks for another. */
export const DEFAULT_PROFILE_SEED = 1;

export interface ProfileOptions {
  /** Default: the latest run's date (the feature table's), else the day after the last event. */
  asOf?: string | undefined;
  seed?: number | undefined;
}

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

/** Makes a profile from the store as it is: facts, looks and the embedded narrator's text, validated by the schema. */
export async function makeProfile(store: Store, customerId: string, options: ProfileOptions = {}): Promise<Profile> {
  const asOf = options.asOf ?? (await profileAsOf(store));
  const seed = options.seed ?? DEFAULT_PROFILE_SEED;
  const facts = await profileFacts(store, customerId, asOf);
  const looks = await buildLooks(store, facts, facts.occasions.map((o) => o.value), seed);
  const { text, evidence } = narrate(facts, looks, seed);
  return profileSchema.parse({
    customer_id: customerId,
    as_of: asOf,
    ...text,
    facts: factList(facts),
    evidence,
    confidence: confidenceOf(facts),
    generated_at: now(),
    generator: { narrator: 'embedded', version: NARRATOR_VERSION, seed, note: null },
  });
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
export async function customerProfile(store: Store, customerId: string, options: ProfileOptions & { refresh?: boolean | undefined } = {}): Promise<Profile> {
  const known = await store.one(sql`SELECT 1 FROM customers WHERE id = ${customerId}`);
  if (!known) throw new NotFoundError(`no customer "${customerId}"`, { customer: customerId });
  if (!options.refresh) {
    const kept = await storedProfile(store, customerId);
    if (kept && (options.asOf === undefined || kept.as_of === options.asOf) && (options.seed === undefined || kept.generator.seed === options.seed)) return kept;
  }
  const profile = await makeProfile(store, customerId, options);
  await saveProfile(store, profile);
  return profile;
}
