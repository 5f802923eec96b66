import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAudience } from '../../src/audiences/index.js';
import {
  audienceHoldoutReport,
  campaignReport,
  createCampaign,
  setAudienceHoldout,
  setCampaignStatus,
  storeAssignments,
  storeCampaignEvents,
  storedExposures,
  storedMembersMet,
  type Campaign,
} from '../../src/campaigns/index.js';
import { DEMO_CAMPAIGNS } from '../../src/demo/storefront-campaigns.js';
import { formatTimestamp, sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { demoStoreOn, ENGINES, expectClose, type EmbeddedEngine } from '../engines.js';

/**
 * Campaign assignments on each engine: the arms decide recorded are stored once (one already stored stays as it was,
 * as after a decider's restart), and the experiment's and an audience holdout's reports read from them, the demo
 * shop's orders and the campaign's events, are the same as on DuckDB.
 */

const AS_OF = '2026-11-01 00:00:00';
const HERO = DEMO_CAMPAIGNS.find((c) => c.type === 'hero_banner')!;
const ARMS = ['control', 'urgent', 'holdout'];
/** Exposures from two months before the run, an hour apart: the buyers' orders after them count within the window. */
const at = (i: number) => Date.parse('2026-09-01T00:00:00Z') + i * 3_600_000;

/** A report as engines must agree on it: the time it was read is the clock's. */
const comparable = ({ as_of: _, ...rest }: { as_of: string }) => rest;

const answers = new Map<EmbeddedEngine, unknown>();

describe.each(ENGINES)('campaign assignments on %s', (engine) => {
  let store: Store;
  let close: () => void | Promise<void>;
  let hero: Campaign;
  beforeAll(async () => {
    ({ store, close } = await demoStoreOn(engine, { customers: 200, seed: 17 }, AS_OF, (s) => createAudience(s, { name: 'Buyers', rule: 'orders >= 1' })));
    hero = await setCampaignStatus(store, (await createCampaign(store, { ...HERO, experiment: { ...HERO.experiment!, goal: { event: 'order', window_days: 30 } } })).id, 'active');
    await setAudienceHoldout(store, 'buyers', { share: 20, window_days: 30 });
  }, 300_000);
  afterAll(async () => close());

  it('stores each arm once, keeps the first, and reports the same', async () => {
    const buyers = (await store.all<{ id: string }>(sql`SELECT customer_id AS id FROM memberships WHERE audience_id = 'buyers' ORDER BY 1 LIMIT 60`)).map((r) => r.id);
    expect(buyers).toHaveLength(60);
    const campaigns = buyers.map((id, i) => ({ campaign_id: hero.id, visitor_id: `v-${id}`, customer_id: i % 10 === 9 ? null : id, variant: ARMS[i % 3]!, audiences: i % 2 ? ['buyers'] : [], ts_ms: at(i) }));
    const members = buyers.map((id, i) => ({ audience_id: 'buyers', customer_id: id, arm: i % 5 ? 'exposed' : 'holdout', ts_ms: at(i) }));
    await storeAssignments(store, { campaigns: campaigns.slice(0, 40), members: members.slice(0, 40) });
    // Again with other arms for the stored ones (a decider restarted), and the rest new.
    const other = (arm: string) => ARMS[(ARMS.indexOf(arm) + 1) % 3]!;
    await storeAssignments(store, {
      campaigns: campaigns.map((c, i) => (i < 40 ? { ...c, variant: other(c.variant), ts_ms: c.ts_ms + 1 } : c)),
      members: members.map((m, i) => (i < 40 ? { ...m, arm: m.arm === 'holdout' ? 'exposed' : 'holdout' } : m)),
    });
    const stored = await store.all<Record<string, unknown>>(sql`SELECT campaign_id, visitor_id, customer_id, variant, audiences, ${formatTimestamp(sql`ts`)} AS ts
      FROM campaign_assignments ORDER BY visitor_id`);
    expect(stored.map((r) => r.variant)).toEqual([...campaigns].sort((a, b) => a.visitor_id.localeCompare(b.visitor_id)).map((c) => c.variant));
    const met = await store.all(sql`SELECT audience_id, customer_id, arm FROM audience_holdout_assignments ORDER BY customer_id`);
    expect(met).toHaveLength(60);
    await storeCampaignEvents(
      store,
      { visitor_id: `v-${buyers[0]!}`, events: [{ id: 'ev-000001', campaign_id: hero.id, variant: 'control', type: 'impression' }, { id: 'ev-000002', campaign_id: hero.id, variant: 'control', type: 'dismiss' }] },
      new Map([[hero.id, hero]]),
    );
    const mine = {
      stored,
      met,
      exposures: (await storedExposures(store)).sort((a, b) => a.visitor_id.localeCompare(b.visitor_id)),
      membersMet: (await storedMembersMet(store)).sort((a, b) => a.customer_id.localeCompare(b.customer_id)),
      report: comparable(await campaignReport(store, hero.id)),
      holdout: comparable(await audienceHoldoutReport(store, 'buyers')),
    };
    expect(mine.exposures.length).toBeGreaterThanOrEqual(60);
    answers.set(engine, mine);
    if (engine !== 'duckdb') expectClose(mine, answers.get('duckdb'), `assignments on ${engine}`);
  }, 300_000);
});
