import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { STATUS_ACTION_NAMES, type Campaign, type CampaignInput, type Decision } from '../../src/campaigns/index.js';
import { DEMO_CAMPAIGNS } from '../../src/demo/storefront-campaigns.js';
import { createKey, revokeKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { campaignShop, request, serveForTest, stopServer } from './harness.js';

/**
 * Campaigns over real HTTP on a demo shop: bad input named by field, the storefront key's origin and CORS rules,
 * decide answering targeted, excluded and anonymous visitors from memory, the frequency cap, consent, experiments,
 * and events and submissions stored durably.
 */

const dir = tempDir();
const SHOP = 'http://shop.test';
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let admin = '';
let storefront = '';
let revoked = '';
let readOnly = '';
/** A buyer with one or two orders who has not withdrew email consent, and a frequent buyer (three orders or more). */
const who = { targeted: '', excluded: '' };

const byType = (type: string) => structuredClone(DEMO_CAMPAIGNS.find((c) => c.type === type)!);

/** Every demo type aimed at buyers and not at frequent buyers, on every page, so the overlay with the top priority wins. */
function targeted(type: string, priority: number, extra: Partial<CampaignInput> = {}): CampaignInput {
  const c = byType(type);
  return { ...c, name: `T ${type}`, priority, targeting: { audiences: { include: ['Buyers'], exclude: ['Frequent buyers'] }, visitor: 'any' }, experiment: undefined, ...extra };
}

async function decide(params: Record<string, string>, headers: Record<string, string> = { origin: SHOP }) {
  const res = await fetch(`${base}/v1/decide?${new URLSearchParams({ key: storefront, ...params }).toString()}`, { headers });
  return { status: res.status, headers: res.headers, json: JSON.parse(await res.text()) as Decision & { error: { message: string } } };
}

async function sendEvents(body: unknown) {
  const res = await fetch(`${base}/v1/campaign-events?key=${storefront}`, { method: 'POST', headers: { origin: SHOP, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: JSON.parse(await res.text()) as { received: number; error: { message: string } } };
}

const types = (d: Decision) => d.campaigns.map((c) => c.type).sort();

beforeAll(async () => {
  workspaces = await campaignShop(dir.path, { customers: 300, seed: 31 });
  await workspaces.use('default', async (s) => {
    const pick = (orders: Sql) => s.one<{ id: string }>(sql`SELECT f.customer_id AS id FROM customer_features f JOIN customers c ON c.id = f.customer_id
      WHERE ${orders} AND c.consent_email IS NOT FALSE ORDER BY f.customer_id LIMIT 1`);
    who.targeted = (await pick(sql`f.orders BETWEEN 1 AND 2`))!.id;
    who.excluded = (await pick(sql`f.orders >= 3`))!.id;
  });
  await workspaces.rebuildView('default');
  admin = (await createKey(workspaces.control, 'default', ['admin'], 'test')).key;
  readOnly = (await createKey(workspaces.control, 'default', ['campaigns:read'], 'test')).key;
  storefront = (await createKey(workspaces.control, 'default', ['storefront'], 'test', [SHOP])).key;
  const gone = await createKey(workspaces.control, 'default', ['storefront'], 'test', [SHOP]);
  await revokeKey(workspaces.control, gone.id, 'test');
  revoked = gone.key;
  ({ app, base } = await serveForTest(workspaces));
}, 180_000);

afterAll(() => stopServer(app, workspaces, dir));

type Sql = ReturnType<typeof sql>;

describe('campaign definitions', () => {
  it.each([
    ['an unknown audience', { targeting: { audiences: { include: ['No such audience'], exclude: [] } } }, 'targeting.audiences.include[0]: no audience "No such audience"'],
    ['weights that do not add up', { experiment: { variants: [{ id: 'a', weight: 50 }, { id: 'b', weight: 30 }], holdout: 10 } }, 'experiment.variants: weights add up to 90 with the holdout, not 100'],
    ['a schedule ending before it starts', { schedule: { start_at: '2026-12-10 00:00:00', end_at: '2026-12-01T00:00:00Z' } }, 'schedule.end_at: ends (2026-12-01T00:00:00Z) before it starts (2026-12-10 00:00:00)'],
    ['a URL pattern that does not compile', { targeting: { url_pattern: '/sale(' } }, 'targeting.url_pattern: does not compile'],
    ['content missing its call to action', { content: { headline: 'Hi' } }, 'content.cta'],
    ['an image URL that is not http(s)', { content: { headline: 'Hi', cta: { label: 'Go' }, image_url: 'javascript:alert(1)' } }, 'content.image_url: an http(s) URL or a path on the shop'],
    ['variant content that breaks the type', { experiment: { variants: [{ id: 'a', weight: 100, content: { headline: '' } }], holdout: 0 } }, 'experiment.variants.0.content.headline'],
  ])('refuses %s with a 400 naming the field', async (_what, change, message) => {
    const body = { ...byType('popup_banner'), name: 'Broken', ...change };
    const r = await request(base, 'POST', '/v1/campaigns', admin, body);
    expect(r.status, r.text).toBe(400);
    expect(r.json.error.message).toContain(message);
  });

  it('creates a draft with defaults filled in, refuses a taken name, and lists it; a read-only key cannot write', async () => {
    const created = await request(base, 'POST', '/v1/campaigns', admin, { ...byType('email_collection'), name: 'Draft signup' });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ id: 'cmp-draft-signup', status: 'draft', consent: 'email', content: { submit_label: 'Subscribe' }, experiment: null });
    expect((await request(base, 'POST', '/v1/campaigns', admin, { ...byType('email_collection'), name: 'Draft signup' })).status).toBe(409);
    const listed = await request(base, 'GET', '/v1/campaigns?status=draft', readOnly);
    expect((listed.json as Campaign[]).map((c) => c.id)).toContain('cmp-draft-signup');
    expect((await request(base, 'POST', '/v1/campaigns', readOnly, { ...byType('email_collection'), name: 'Nope' })).status).toBe(403);
    expect((await request(base, 'DELETE', '/v1/campaigns/cmp-draft-signup', admin)).status).toBe(200);
    expect((await request(base, 'GET', '/v1/campaigns/cmp-draft-signup', admin)).status).toBe(404);
  });

  it('moves status only where allowed: ended is final', async () => {
    const c = (await request(base, 'POST', '/v1/campaigns', admin, { ...byType('notification_bar'), name: 'Short lived' })).json;
    expect((await request(base, 'POST', `/v1/campaigns/${c.id}/activate`, admin)).json.status).toBe('active');
    expect((await request(base, 'POST', `/v1/campaigns/${c.id}/pause`, admin)).json.status).toBe('paused');
    expect((await request(base, 'POST', `/v1/campaigns/${c.id}/end`, admin)).json.status).toBe('ended');
    const again = await request(base, 'POST', `/v1/campaigns/${c.id}/activate`, admin);
    expect(again.status).toBe(409);
    expect(again.json.error.message).toBe(`campaign "${c.id}" is ended: it cannot become active`);
    expect((await request(base, 'DELETE', `/v1/campaigns/${c.id}`, admin)).status).toBe(409);
  });

  it('lists in each status exactly the actions the server accepts, so clients offer no refused move', async () => {
    const reach: Record<Campaign['status'], string[]> = { draft: [], active: ['activate'], paused: ['activate', 'pause'], ended: ['end'] };
    for (const [status, path] of Object.entries(reach)) {
      for (const action of STATUS_ACTION_NAMES) {
        let c = (await request(base, 'POST', '/v1/campaigns', admin, { ...byType('notification_bar'), name: `Moves ${status} ${action}` })).json as Campaign;
        for (const step of path) c = (await request(base, 'POST', `/v1/campaigns/${c.id}/${step}`, admin)).json as Campaign;
        expect(c.status).toBe(status);
        const moved = await request(base, 'POST', `/v1/campaigns/${c.id}/${action}`, admin);
        const accepted = moved.status === 200 && (moved.json as Campaign).status !== status;
        expect(accepted, `${action} on a ${status} campaign`).toBe(c.actions.includes(action));
        // Ended, so that the decide tests below see only their own campaigns.
        await request(base, 'POST', `/v1/campaigns/${c.id}/end`, admin);
      }
    }
  });
});

describe('the storefront key', () => {
  it('answers decide only from its origins, with CORS for them, and refuses unknown and revoked keys', async () => {
    const ok = await decide({ visitor: 'v-cors' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SHOP);
    const elsewhere = await decide({ visitor: 'v-cors' }, { origin: 'http://evil.test' });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.json.error.message).toBe('origin http://evil.test is not allowed for this storefront key');
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    expect((await decide({ visitor: 'v-cors' }, {})).status).toBe(403);
    // A same-origin GET carries no Origin, only a Referer.
    expect((await decide({ visitor: 'v-cors' }, { referer: `${SHOP}/products/1` })).status).toBe(200);
    const res = await fetch(`${base}/v1/decide?visitor=v&key=${revoked}`, { headers: { origin: SHOP } });
    expect(res.status).toBe(401);
    expect((await fetch(`${base}/v1/decide?visitor=v&key=sgm_nope`, { headers: { origin: SHOP } })).status).toBe(401);
  });

  it('answers the preflight of its origins only', async () => {
    const preflight = (key: string, origin: string) =>
      fetch(`${base}/v1/campaign-events?key=${key}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    const ok = await preflight(storefront, SHOP);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(ok.headers.get('access-control-allow-headers')).toContain('content-type');
    const elsewhere = await preflight(storefront, 'http://evil.test');
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight(revoked, SHOP)).status).toBe(401);
  });

  it('can do nothing else, carries no other scope, and needs origins', async () => {
    const r = await fetch(`${base}/v1/campaigns?key=${storefront}`, { headers: { origin: SHOP, authorization: `Bearer ${storefront}` } });
    expect(r.status).toBe(403);
    const mixed = await request(base, 'POST', '/v1/keys', admin, { scopes: ['storefront', 'audiences:read'], origins: [SHOP] });
    expect(mixed.status).toBe(400);
    expect(mixed.json.error.message).toContain('a storefront key is public and carries no other scope');
    const bare = await request(base, 'POST', '/v1/keys', admin, { scopes: ['storefront'] });
    expect(bare.status).toBe(400);
    expect(bare.json.error.message).toContain('needs the origins');
    expect((await request(base, 'POST', '/v1/keys', admin, { scopes: ['storefront'], origins: ['http://shop.test/path'] })).status).toBe(400);
  });
});

describe('decide', () => {
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const priorities: Record<string, number> = { popup_banner: 30, email_collection: 20, form_survey: 10, notification_bar: 10, hero_banner: 10 };
    for (const [type, priority] of Object.entries(priorities)) {
      const c = await request(base, 'POST', '/v1/campaigns', admin, targeted(type, priority, { frequency_cap: { max_impressions: 2 } }));
      expect(c.status, c.text).toBe(201);
      ids[type] = c.json.id;
      expect((await request(base, 'POST', `/v1/campaigns/${c.json.id}/activate`, admin)).status).toBe(200);
    }
  });

  it('gives a targeted customer one campaign per placement, and an excluded customer and an anonymous visitor none, without a store query', async () => {
    await decide({ visitor: 'warm-up' });
    // Spies count the store's queries and let each through.
    const queries = (['all', 'one', 'run', 'vectors'] as const).map((m) => vi.spyOn(Store.prototype, m));
    try {
      const inTarget = await decide({ visitor: 'v-target', customer: who.targeted });
      const excluded = await decide({ visitor: 'v-excluded', customer: who.excluded });
      const anonymous = await decide({ visitor: 'v-anon' });
      expect(types(inTarget.json)).toEqual(['hero_banner', 'notification_bar', 'popup_banner']);
      expect(inTarget.json.campaigns.find((c) => c.type === 'popup_banner')?.content.headline).toBe('Welcome back!');
      expect(excluded.json.campaigns).toEqual([]);
      expect(anonymous.json.campaigns).toEqual([]);
      expect(queries.map((q) => q.mock.calls.length)).toEqual([0, 0, 0, 0]);
    } finally {
      for (const q of queries) q.mockRestore();
    }
  });

  it('lets a lower overlay through when the higher one is paused, and keeps context targeting', async () => {
    await request(base, 'POST', `/v1/campaigns/${ids.popup_banner}/pause`, admin);
    expect(types((await decide({ visitor: 'v-paused', customer: who.targeted })).json)).toEqual(['email_collection', 'hero_banner', 'notification_bar']);
    await request(base, 'POST', `/v1/campaigns/${ids.popup_banner}/activate`, admin);
    const onlySale = targeted('notification_bar', 50, { name: 'Sale bar', targeting: { audiences: { include: [], exclude: [] }, url_pattern: '/sale/', devices: ['mobile'], visitor: 'returning' } });
    const bar = (await request(base, 'POST', '/v1/campaigns', admin, onlySale)).json;
    await request(base, 'POST', `/v1/campaigns/${bar.id}/activate`, admin);
    const shown = (q: Record<string, string>) => decide({ visitor: 'v-sale', ...q }).then((r) => r.json.campaigns.map((c) => c.id));
    expect(await shown({ url: 'https://shop.test/sale/shoes', device: 'mobile', returning: 'true' })).toEqual([bar.id]);
    expect(await shown({ url: 'https://shop.test/new/shoes', device: 'mobile', returning: 'true' })).toEqual([]);
    expect(await shown({ url: 'https://shop.test/sale/shoes', device: 'desktop', returning: 'true' })).toEqual([]);
    expect(await shown({ url: 'https://shop.test/sale/shoes', device: 'mobile', returning: 'false' })).toEqual([]);
    await request(base, 'POST', `/v1/campaigns/${bar.id}/end`, admin);
    expect(await shown({ url: 'https://shop.test/sale/shoes', device: 'mobile', returning: 'true' })).toEqual([]);
  });

  it('holds the frequency cap and a dismissal, and stores events once however often they are sent', async () => {
    const visitor = 'v-capped';
    const popup = () => decide({ visitor, customer: who.targeted }).then((r) => r.json.campaigns.find((c) => c.type === 'popup_banner'));
    const events = [1, 2].map((i) => ({ id: `cap-impression-${i}`, campaign_id: ids.popup_banner, variant: 'default', type: 'impression' }));
    expect(await popup()).toBeDefined();
    expect((await sendEvents({ visitor_id: visitor, customer_id: who.targeted, events: [events[0]] })).json).toEqual({ received: 1, stored: 1, submissions: 0 });
    expect(await popup()).toBeDefined();
    const again = await sendEvents({ visitor_id: visitor, customer_id: who.targeted, events });
    expect(again.json).toEqual({ received: 2, stored: 1, submissions: 0 });
    expect(await popup()).toBeUndefined();
    const bar = { id: 'cap-dismiss-1', campaign_id: ids.notification_bar, variant: 'default', type: 'dismiss' };
    expect(types((await decide({ visitor, customer: who.targeted })).json)).toContain('notification_bar');
    await sendEvents({ visitor_id: visitor, events: [bar] });
    expect(types((await decide({ visitor, customer: who.targeted })).json)).not.toContain('notification_bar');
    const stored = await workspaces.use('default', (s) => s.all(sql`SELECT id, type, customer_id FROM campaign_events WHERE visitor_id = ${visitor} ORDER BY id`));
    expect(stored).toEqual([
      { id: 'cap-dismiss-1', type: 'dismiss', customer_id: null },
      { id: 'cap-impression-1', type: 'impression', customer_id: who.targeted },
      { id: 'cap-impression-2', type: 'impression', customer_id: who.targeted },
    ]);
  });

  it('stores a submission with the consent given and the text shown, and refuses one without the consent the campaign needs', async () => {
    const submit = (id: string, consent: Record<string, boolean>) => ({
      id,
      campaign_id: ids.email_collection,
      variant: 'default',
      type: 'submit',
      submission: { email: 'shopper@example.org', consent, text_shown: 'Get 10% off\nYes, email me news and offers.' },
    });
    const refused = await sendEvents({ visitor_id: 'v-form', events: [submit('form-submit-0', { email: false })] });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toBe(`events[0].submission.consent.email: campaign "${ids.email_collection}" keeps what it collects only with email consent`);
    const survey = await sendEvents({ visitor_id: 'v-form', events: [{ id: 'form-survey-0', campaign_id: ids.form_survey, variant: 'default', type: 'submit', submission: { answers: { rating: 4 }, text_shown: 'x' } }] });
    expect(survey.status).toBe(400);
    expect(survey.json.error.message).toBe('events[0].submission.answers.found: is required');
    const ok = await sendEvents({ visitor_id: 'v-form', events: [submit('form-submit-1', { email: true })] });
    expect(ok.json).toEqual({ received: 1, stored: 1, submissions: 1 });
    const row = await workspaces.use('default', (s) => s.one(sql`SELECT email, consent::VARCHAR AS consent, text_shown FROM campaign_submissions WHERE event_id = 'form-submit-1'`));
    expect(row).toEqual({ email: 'shopper@example.org', consent: '{"email":true}', text_shown: 'Get 10% off\nYes, email me news and offers.' });
    const unknown = await sendEvents({ visitor_id: 'v-form', events: [{ id: 'form-unknown-1', campaign_id: 'cmp-nope', variant: 'default', type: 'click' }] });
    expect(unknown.json.error.message).toBe('events[0].campaign_id: no campaign "cmp-nope"');
  });

  it('checks events against the campaigns as last written, after the server first read them: created, replaced, ended, deleted', async () => {
    // The server holds the workspace's campaigns since the decides above; each write below must reach its events' checks.
    const event = (id: string, campaign: string, variant: string) => ({ visitor_id: 'v-late', events: [{ id, campaign_id: campaign, variant, type: 'click' }] });
    const plain = targeted('notification_bar', 5, { name: 'Late bar' });
    const late = (await request(base, 'POST', '/v1/campaigns', admin, plain)).json as Campaign;
    expect((await sendEvents(event('late-event-0', late.id, 'default'))).json).toEqual({ received: 1, stored: 1, submissions: 0 });
    const experiment = { variants: [{ id: 'control', weight: 50 }, { id: 'bold', weight: 50, content: { message: 'Bold' } }] };
    expect((await request(base, 'PUT', `/v1/campaigns/${late.id}`, admin, { ...plain, experiment })).status).toBe(200);
    expect((await sendEvents(event('late-event-1', late.id, 'bold'))).json).toEqual({ received: 1, stored: 1, submissions: 0 });
    const old = await sendEvents(event('late-event-2', late.id, 'default'));
    expect([old.status, old.json.error.message]).toEqual([400, `events[0].variant: campaign "${late.id}" has no variant "default" (control, bold, holdout)`]);
    // Ended, its late events are still kept.
    expect((await request(base, 'POST', `/v1/campaigns/${late.id}/end`, admin)).status).toBe(200);
    expect((await sendEvents(event('late-event-3', late.id, 'control'))).json).toEqual({ received: 1, stored: 1, submissions: 0 });
    const draft = (await request(base, 'POST', '/v1/campaigns', admin, { ...plain, name: 'Deleted bar' })).json as Campaign;
    expect((await request(base, 'DELETE', `/v1/campaigns/${draft.id}`, admin)).status).toBe(200);
    const gone = await sendEvents(event('late-event-4', draft.id, 'default'));
    expect([gone.status, gone.json.error.message]).toEqual([400, `events[0].campaign_id: no campaign "${draft.id}"`]);
  });

  it('never offers a campaign needing email consent to a customer who withdrew it', async () => {
    await request(base, 'POST', `/v1/campaigns/${ids.popup_banner}/pause`, admin);
    const visitor = 'v-consent';
    expect(types((await decide({ visitor, customer: who.targeted })).json)).toContain('email_collection');
    const withdrawn = await request(base, 'PUT', `/v1/customers/${who.targeted}/consent`, admin, { email: false });
    expect(withdrawn.status).toBe(200);
    const after = types((await decide({ visitor, customer: who.targeted })).json);
    expect(after).not.toContain('email_collection');
    // The next overlay in priority takes the place: the survey needs no consent.
    expect(after).toContain('form_survey');
    await request(base, 'PUT', `/v1/customers/${who.targeted}/consent`, admin, { email: true });
    expect(types((await decide({ visitor, customer: who.targeted })).json)).toContain('email_collection');
    await request(base, 'POST', `/v1/campaigns/${ids.popup_banner}/activate`, admin);
  });

  it('answers from the rules as they are now: a changed rule that excludes a customer takes their campaigns at the next decide', async () => {
    await request(base, 'POST', `/v1/campaigns/${ids.popup_banner}/pause`, admin);
    const visitor = 'v-rules';
    expect(types((await decide({ visitor, customer: who.targeted })).json)).toContain('email_collection');
    const frequent = ((await request(base, 'GET', '/v1/audiences', admin)).json as Array<{ id: string; name: string }>).find((a) => a.name === 'Frequent buyers')!.id;
    expect((await request(base, 'PATCH', `/v1/audiences/${frequent}`, admin, { rule: 'orders >= 1' })).status).toBe(200);
    const after = types((await decide({ visitor, customer: who.targeted })).json);
    expect(after).not.toContain('email_collection');
    expect(after).not.toContain('form_survey');
    expect((await request(base, 'PATCH', `/v1/audiences/${frequent}`, admin, { rule: 'orders >= 3' })).status).toBe(200);
    expect(types((await decide({ visitor, customer: who.targeted })).json)).toContain('email_collection');
    await request(base, 'POST', `/v1/campaigns/${ids.popup_banner}/activate`, admin);
  });

  it('splits visitors between variants and the holdout, each visitor always in the same one', async () => {
    const hero = byType('hero_banner');
    const c = (await request(base, 'POST', '/v1/campaigns', admin, { ...hero, name: 'Experiment hero', priority: 99, frequency_cap: { max_impressions: 1000 } })).json;
    await request(base, 'POST', `/v1/campaigns/${c.id}/activate`, admin);
    const seen = new Map<string, string>();
    expect(c.id).toBe('cmp-experiment-hero');
    for (let i = 0; i < 300; i++) {
      const d = (await decide({ visitor: `exp-${i}` })).json;
      const shown = d.campaigns.find((x) => x.id === c.id);
      seen.set(`exp-${i}`, shown ? shown.variant : d.held_out.find((x) => x.id === c.id)!.variant);
      if (shown?.variant === 'urgent') expect(shown.content.headline).toBe('Autumn collection: first pieces selling out');
    }
    const counts = [...seen.values()].reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});
    expect(Object.keys(counts).sort()).toEqual(['control', 'holdout', 'urgent']);
    expect(counts.holdout).toBeLessThan(counts.control!);
    for (const i of [0, 7, 123]) {
      const d = (await decide({ visitor: `exp-${i}` })).json;
      const variant = d.campaigns.find((x) => x.id === c.id)?.variant ?? d.held_out.find((x) => x.id === c.id)?.variant;
      expect(variant).toBe(seen.get(`exp-${i}`));
    }
    await request(base, 'POST', `/v1/campaigns/${c.id}/end`, admin);
  });
});
