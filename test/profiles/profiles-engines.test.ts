import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAudience } from '../../src/audiences/index.js';
import { audienceCustomers, audienceProfileGroups, customerProfiles, keptProfiles, profilesOf, useStore, type Profile } from '../../src/profiles/index.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { demoStoreOn, ENGINES, expectClose, type EmbeddedEngine } from '../engines.js';

/**
 * Customer profiles on each engine: the same demo shop gives every customer the same facts, looks and text, an
 * audience's batch (the profile jobs' path) the same profiles in the same order, and the same groups by brief.
 */

const AS_OF = '2026-11-01 00:00:00';

/** A profile as engines must agree on it: when it was made is the clock's. */
const comparable = ({ generated_at: _, ...rest }: Profile) => rest;

const answers = new Map<EmbeddedEngine, { single: unknown; batch: unknown; kept: unknown; groups: unknown }>();

describe.each(ENGINES)('profiles on %s', (engine) => {
  let store: Store;
  let close: () => void | Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await demoStoreOn(engine, { customers: 200, seed: 31 }, AS_OF, (s) => createAudience(s, { name: 'Frequent buyers', rule: 'orders >= 3' })));
  }, 300_000);
  afterAll(async () => close());

  it('makes the same profiles of single customers and of an audience, and groups them alike', async () => {
    const ids = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY id LIMIT 12`)).map((r) => r.id);
    const single = (await customerProfiles(useStore(store), [...ids, 'no-such-customer'], { asOf: AS_OF, refresh: true })).map((p) => p && comparable(p));
    expect(single.at(-1)).toBeNull();
    expect(single.filter((p) => p !== null && p.facts.length > 0)).toHaveLength(ids.length);
    const { customers } = await audienceCustomers(store, 'frequent-buyers');
    expect(customers.length).toBeGreaterThan(5);
    const batch: Array<[string, unknown]> = [];
    await profilesOf(store, customers, { asOf: AS_OF, refresh: true }, (id, p) => void batch.push([id, p && comparable(p)]));
    const kept = [...(await keptProfiles(store, customers)).values()].map(comparable).sort((a, b) => a.customer_id.localeCompare(b.customer_id));
    expect(kept).toHaveLength(customers.length);
    const mine = { single, batch, kept, groups: await audienceProfileGroups(store, 'frequent-buyers') };
    answers.set(engine, mine);
    if (engine !== 'duckdb') expectClose(mine, answers.get('duckdb'), `profiles on ${engine}`);
  }, 300_000);
});
