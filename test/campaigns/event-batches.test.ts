import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, storeCampaignEventBatches, storeCampaignEvents, type Campaign, type CampaignEventBatch } from '../../src/campaigns/index.js';
import { DEMO_CAMPAIGNS } from '../../src/demo/storefront-campaigns.js';
import { formatTimestamp, sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore } from '../helpers.js';

/**
 * Several visitors' batches of campaign events stored at once (what the dashboard's test seeds its experiments with)
 * leave the store as storing each batch in turn does, report the same per batch, and store nothing when one is wrong.
 */

const NO_AUDIENCES = { audiences: { include: [], exclude: [] }, visitor: 'any' as const };
const TS = '2026-10-01T09:00:00Z';

/** Both stores' rows, the time each was received (the clock's) left out. */
async function rows(store: Store): Promise<unknown> {
  return {
    events: await store.all(sql`SELECT id, campaign_id, variant, visitor_id, customer_id, type, ${formatTimestamp(sql`ts`)} AS ts, url, revenue, currency FROM campaign_events ORDER BY id`),
    submissions: await store.all(sql`SELECT event_id, campaign_id, visitor_id, customer_id, email, CAST(answers AS VARCHAR) AS answers, CAST(consent AS VARCHAR) AS consent, text_shown, ${formatTimestamp(sql`ts`)} AS ts
      FROM campaign_submissions ORDER BY event_id`),
  };
}

describe('campaign events stored in bulk', () => {
  const stores: Store[] = [];
  let campaigns: Map<string, Campaign>;
  let hero: Campaign;
  let signup: Campaign;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) stores.push(await memoryStore());
    for (const store of stores) {
      hero = await createCampaign(store, { ...structuredClone(DEMO_CAMPAIGNS.find((c) => c.type === 'hero_banner')!), targeting: NO_AUDIENCES });
      signup = await createCampaign(store, { ...structuredClone(DEMO_CAMPAIGNS.find((c) => c.type === 'email_collection')!), targeting: NO_AUDIENCES });
    }
    campaigns = new Map([hero, signup].map((c) => [c.id, c]));
  });
  afterAll(() => stores.forEach((s) => s.close()));

  it('stores what storing each batch in turn stores, skipping ids sent before, in an earlier batch or twice in one', async () => {
    const [one, bulk] = stores as [Store, Store];
    const heroArm = hero.experiment ? hero.experiment.variants[0]!.id : 'default';
    const event = (id: string, type: 'impression' | 'click' | 'conversion', extra: object = {}) => ({ id, campaign_id: hero.id, variant: heroArm, type, ts: TS, ...extra });
    const earlier: CampaignEventBatch = { visitor_id: 'v-0', events: [event('ev-sent-before', 'impression')] };
    const batches: CampaignEventBatch[] = [
      { visitor_id: 'v-1', customer_id: 'C001', events: [event('ev-000001', 'impression'), event('ev-000001', 'impression'), event('ev-sent-before', 'impression')] },
      { visitor_id: 'v-2', events: [event('ev-000002', 'conversion', { revenue: 12.5, currency: 'EUR', url: '/checkout' }), event('ev-000001', 'click')] },
      {
        visitor_id: 'v-3',
        customer_id: 'C003',
        events: [{ id: 'ev-000003', campaign_id: signup.id, variant: 'default', type: 'submit', ts: TS, submission: { email: 'c3@example.com', consent: { email: true }, text_shown: 'Join us' } }],
      },
    ];
    for (const store of stores) await storeCampaignEvents(store, earlier, campaigns);
    const inTurn = [];
    for (const b of batches) inTurn.push(await storeCampaignEvents(one, b, campaigns));
    const together = await storeCampaignEventBatches(bulk, batches, campaigns);
    expect(together).toEqual(inTurn);
    expect(together.map((t) => t.report)).toEqual([
      { received: 3, stored: 1, submissions: 0 },
      { received: 2, stored: 1, submissions: 0 },
      { received: 1, stored: 1, submissions: 1 },
    ]);
    expect(await rows(bulk)).toEqual(await rows(one));
  });

  it('stores more rows than one statement holds, each once', async () => {
    const bulk = stores[1]!;
    const batches = Array.from({ length: 1200 }, (_, i): CampaignEventBatch => ({ visitor_id: `w-${i}`, events: [{ id: `many-${String(i).padStart(6, '0')}`, campaign_id: signup.id, variant: 'default', type: 'impression', ts: TS }] }));
    expect((await storeCampaignEventBatches(bulk, batches, campaigns)).every((t) => t.report.stored === 1)).toBe(true);
    const stored = await bulk.all<{ id: string; visitor_id: string }>(sql`SELECT id, visitor_id FROM campaign_events WHERE id LIKE 'many-%' ORDER BY id`);
    expect(stored).toEqual(batches.map((b) => ({ id: b.events[0]!.id, visitor_id: b.visitor_id })));
    expect((await storeCampaignEventBatches(bulk, batches, campaigns)).every((t) => t.report.stored === 0)).toBe(true);
  });

  it('stores nothing when one batch is wrong, and names the batch', async () => {
    const bulk = stores[1]!;
    const before = await rows(bulk);
    const good = { visitor_id: 'x-1', events: [{ id: 'ev-good-1', campaign_id: signup.id, variant: 'default', type: 'impression' as const }] };
    const bad = { visitor_id: 'x-2', events: [good.events[0]!, { id: 'ev-bad-1', campaign_id: signup.id, variant: 'bold', type: 'impression' as const }] };
    await expect(storeCampaignEventBatches(bulk, [good, bad], campaigns)).rejects.toThrow(`batches[1].events[1].variant: campaign "${signup.id}" has no variant "bold" (default)`);
    // One batch alone is named as the storefront route names it.
    await expect(storeCampaignEvents(bulk, bad, campaigns)).rejects.toThrow(/^events\[1\]\.variant: /);
    expect(await rows(bulk)).toEqual(before);
  });
});
