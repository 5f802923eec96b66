import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignInput, Decision, ExperimentResults } from '../../src/campaigns/index.js';
import { DEMO_CAMPAIGNS } from '../../src/demo/storefront-campaigns.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { join as joinSql, sql } from '../../src/sql/index.js';
import { scipy } from '../campaigns/scipy.js';
import { tempDir } from '../helpers.js';
import { campaignShop, request, serveForTest, stopServer } from './harness.js';

/**
 * The experiment report read from what a shop recorded, over real HTTP on a demo shop: every buyer visits once, decide
 * assigns an arm (the holdout too), the test writes orders where one variant truly converts better, and the report's
 * counts, rates, intervals and tests must equal what the test works out itself from what it wrote (scipy for the
 * tests). Then a skewed split (SRM), the per-audience split, an audience's standing holdout, and bad input.
 */

const dir = tempDir();
const SHOP = 'http://shop.test';
const DAY = 86_400_000;
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let admin = '';
let storefront = '';
let audiencesOnly = '';
/** Buyers (the view's customers with an order) and which of them are frequent buyers, from the features, not the report. */
let buyers: string[] = [];
let frequent = new Set<string>();
/** Each buyer's spend before the experiment: every demo order predates it. */
const spendBefore = new Map<string, number>();

/** A seeded generator, so the orders written are the same at every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function decide(visitor: string, customer: string): Promise<Decision> {
  const res = await fetch(`${base}/v1/decide?${new URLSearchParams({ key: storefront, visitor, customer }).toString()}`, { headers: { origin: SHOP } });
  expect(res.status).toBe(200);
  return (await res.json()) as Decision;
}

const EXPERIMENT: CampaignInput = {
  ...structuredClone(DEMO_CAMPAIGNS.find((c) => c.type === 'hero_banner')!),
  name: 'Report hero',
  priority: 50,
  frequency_cap: { max_impressions: 100 },
  targeting: { audiences: { include: ['Buyers', 'Frequent buyers'], exclude: [] }, visitor: 'any' },
  experiment: {
    variants: [{ id: 'control', weight: 45 }, { id: 'bold', weight: 45, content: { headline: 'Bold' } }],
    holdout: 10,
    goal: { event: 'order', window_days: 7 },
    plan: { minimum_effect: 0.2, baseline_rate: 0.2 },
  },
};

beforeAll(async () => {
  workspaces = await campaignShop(dir.path, { customers: 500, seed: 41 });
  await workspaces.use('default', async (s) => {
    const rows = await s.all<{ id: string; orders: number }>(sql`SELECT customer_id AS id, orders FROM customer_features WHERE orders >= 1 ORDER BY customer_id`);
    buyers = rows.map((r) => r.id);
    frequent = new Set(rows.filter((r) => r.orders >= 3).map((r) => r.id));
    const spend = await s.all<{ id: string; spend: number }>(sql`SELECT customer_id AS id, sum(quantity * unit_price)::DOUBLE AS spend FROM events WHERE type = 'order' GROUP BY customer_id`);
    for (const r of spend) spendBefore.set(r.id, r.spend);
  });
  await workspaces.rebuildView('default');
  admin = (await createKey(workspaces.control, 'default', ['admin'], 'test')).key;
  audiencesOnly = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
  storefront = (await createKey(workspaces.control, 'default', ['storefront'], 'test', [SHOP])).key;
  ({ app, base } = await serveForTest(workspaces));
}, 180_000);

afterAll(() => stopServer(app, workspaces, dir));

/** What the test itself knows of each visitor: the arm decide answered, and the orders it wrote for them. */
interface Visit {
  visitor: string;
  customer: string;
  arm: string;
  converted: boolean;
  revenue: number;
}
const visits: Visit[] = [];
let campaignId = '';

describe('a campaign experiment read from stored events and orders', () => {
  it('counts each assigned visitor once, the holdout included, with the impressions the snippet sent', async () => {
    const created = await request(base, 'POST', '/v1/campaigns', admin, EXPERIMENT);
    expect(created.status, created.text).toBe(201);
    campaignId = created.json.id;
    await request(base, 'POST', `/v1/campaigns/${campaignId}/activate`, admin);
    let impressions = 0;
    for (const [i, customer] of buyers.entries()) {
      const visitor = `v-${customer}`;
      const d = await decide(visitor, customer);
      const shown = d.campaigns.find((c) => c.id === campaignId);
      const arm = shown?.variant ?? d.held_out.find((c) => c.id === campaignId)?.variant;
      expect(arm, customer).toBeDefined();
      visits.push({ visitor, customer, arm: arm!, converted: false, revenue: 0 });
      // Every fourth page cannot show it: assigned, no impression.
      if (shown && i % 4 !== 0) {
        impressions++;
        const sent = await request(base, 'POST', `/v1/campaign-events`, admin, { visitor_id: visitor, customer_id: customer, events: [{ id: `imp-${visitor}`, campaign_id: campaignId, variant: arm, type: 'impression' }] });
        expect(sent.status, sent.text).toBe(200);
      }
      // A visitor coming back is the same exposure.
      if (i % 3 === 0) {
        const again = await decide(visitor, customer);
        expect([...again.campaigns, ...again.held_out].map((c) => c.variant)).toEqual([arm]);
      }
    }
    const r = await request(base, 'GET', `/v1/campaigns/${campaignId}/report`, admin);
    expect(r.status, r.text).toBe(200);
    const report = r.json as ExperimentResults;
    const count = (arm: string) => visits.filter((v) => v.arm === arm).length;
    expect(report.report.overall.arms.map((a) => [a.arm, a.exposures])).toEqual([['control', count('control')], ['bold', count('bold')], ['holdout', count('holdout')]]);
    expect(count('holdout')).toBeGreaterThan(10);
    expect(report.report.control).toBe('holdout');
    expect(report.arms.find((a) => a.id === 'holdout')!.impressions).toBe(0);
    expect(report.arms.reduce((s, a) => s + (a.impressions ?? 0), 0)).toBe(impressions);
    expect(impressions).toBeLessThan(visits.length - count('holdout'));
  });

  it('reports conversions, rates, revenue, intervals and tests that equal those worked out from the orders written', async () => {
    // The exposures happened ten days ago; the orders are written relative to them.
    const assigned = new Map<string, number>();
    await workspaces.use('default', async (s) => {
      await s.run(sql`UPDATE campaign_assignments SET ts = ts - INTERVAL 10 DAY`);
      for (const r of await s.all<{ v: string; ms: number }>(sql`SELECT visitor_id AS v, epoch_ms(ts)::DOUBLE AS ms FROM campaign_assignments`)) assigned.set(r.v, r.ms);
      const random = rng(7);
      const rate: Record<string, number> = { holdout: 0.1, control: 0.2, bold: 0.45 };
      const rows: ReturnType<typeof sql>[] = [];
      const at = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
      for (const v of visits) {
        const t = assigned.get(v.visitor)!;
        if (random() < rate[v.arm]!) {
          const amount = Math.round((20 + random() * 80) * 100) / 100;
          v.converted = true;
          v.revenue = 2 * amount;
          // Two lines of one order, two days in.
          for (const line of [1, 2]) rows.push(sql`(${`o-${v.visitor}-${line}`}, 'order', CAST(${at(t + 2 * DAY)} AS TIMESTAMP), ${v.customer}, ${`ord-${v.visitor}`}, 1, ${amount})`);
        } else if (random() < 0.3) {
          // Eight days in: past the seven-day window, so neither a conversion nor revenue.
          rows.push(sql`(${`late-${v.visitor}`}, 'order', CAST(${at(t + 8 * DAY)} AS TIMESTAMP), ${v.customer}, ${`late-${v.visitor}`}, 1, 50)`);
        }
      }
      await s.run(sql`INSERT INTO events (id, type, ts, customer_id, order_id, quantity, unit_price) VALUES ${joinSql(rows)}`);
    });

    const r = await request(base, 'GET', `/v1/campaigns/${campaignId}/report`, admin);
    expect(r.status, r.text).toBe(200);
    const report = (r.json as ExperimentResults).report;
    const arm = (id: string) => visits.filter((v) => v.arm === id);
    for (const a of report.overall.arms) {
      const mine = arm(a.arm);
      const conversions = mine.filter((v) => v.converted).length;
      expect(a.conversions, a.arm).toBe(conversions);
      expect(a.conversion_rate!).toBeCloseTo(conversions / mine.length, 12);
      expect(a.revenue_per_visitor!).toBeCloseTo(mine.reduce((s, v) => s + v.revenue, 0) / mine.length, 9);
    }
    expect(report.overall.srm!.mismatch).toBe(false);
    const expected = scipy<Record<string, { diff: number; low: number; high: number; z_p: number; t: number; t_p: number; theta: number }>>(
      `
out = {}
c = data['holdout']
for arm in ('control', 'bold'):
    t = data[arm]
    ct, cc = np.array([v['c'] for v in t]), np.array([v['c'] for v in c])
    pt, pc = ct.mean(), cc.mean()
    se = np.sqrt(pt * (1 - pt) / len(ct) + pc * (1 - pc) / len(cc))
    z = stats.norm.ppf(0.975)
    chi2, p, _, _ = stats.chi2_contingency([[ct.sum(), len(ct) - ct.sum()], [cc.sum(), len(cc) - cc.sum()]], correction=False)
    yt, yc = np.array([v['y'] for v in t]), np.array([v['y'] for v in c])
    tt = stats.ttest_ind(yt, yc, equal_var=False)
    x = np.array([v['x'] for v in t] + [v['x'] for v in c])
    y = np.concatenate([yt, yc])
    theta = np.cov(x, y, ddof=1)[0, 1] / np.var(x, ddof=1)
    out[arm] = dict(diff=pt - pc, low=pt - pc - z * se, high=pt - pc + z * se, z_p=p, t=tt.statistic, t_p=tt.pvalue, theta=theta)
print(json.dumps(out))
`,
      Object.fromEntries(['holdout', 'control', 'bold'].map((a) => [a, arm(a).map((v) => ({ c: v.converted ? 1 : 0, y: v.revenue, x: spendBefore.get(v.customer) ?? 0 }))])),
    );
    for (const c of report.overall.comparisons!) {
      const e = expected[c.arm]!;
      expect(c.conversion_rate.difference!.estimate, c.arm).toBeCloseTo(e.diff, 12);
      expect(c.conversion_rate.difference!.ci.low, c.arm).toBeCloseTo(e.low, 9);
      expect(c.conversion_rate.difference!.ci.high, c.arm).toBeCloseTo(e.high, 9);
      expect(c.conversion_rate.p_value!, c.arm).toBeCloseTo(e.z_p, 9);
      expect(c.revenue_per_visitor.statistic!, c.arm).toBeCloseTo(e.t, 9);
      expect(c.revenue_per_visitor.p_value!, c.arm).toBeCloseTo(e.t_p, 9);
      expect(c.revenue_per_visitor.cuped!.theta, c.arm).toBeCloseTo(e.theta, 9);
      expect(c.conversion_rate.sequential, c.arm).not.toBeNull();
      expect(c.conversion_rate.mde, c.arm).not.toBeNull();
      expect(c.sample, c.arm).not.toBeNull();
    }
    // The variant that truly converts better wins against the holdout, even on the always-valid interval.
    expect(report.overall.comparisons!.find((c) => c.arm === 'bold')!.decision).toBe('variant_better');
    expect(report.overall.comparisons!.find((c) => c.arm === 'bold')!.conversion_rate.p_value!).toBeLessThan(0.001);
  });

  it('splits by the audiences the campaign includes, as the customers were in them when assigned', async () => {
    const r = (await request(base, 'GET', `/v1/campaigns/${campaignId}/report`, admin)).json as ExperimentResults;
    expect(r.audiences.map((a) => a.name)).toEqual(['Buyers', 'Frequent buyers']);
    const [all, freq] = r.report.audiences;
    expect(all!.arms).toEqual(r.report.overall.arms);
    const mine = (id: string) => visits.filter((v) => v.arm === id && frequent.has(v.customer));
    expect(frequent.size).toBeGreaterThan(20);
    expect(frequent.size).toBeLessThan(buyers.length - 20);
    expect(freq!.arms.map((a) => [a.arm, a.exposures, a.conversions])).toEqual(
      ['control', 'bold', 'holdout'].map((id) => [id, mine(id).length, mine(id).filter((v) => v.converted).length]),
    );
    expect(freq!.audience_id).toBe(r.audiences[1]!.id);
  });

  it('flags a sample-ratio mismatch and hides the comparisons when the split is not the weights', async () => {
    const skewed = { ...EXPERIMENT, experiment: { ...EXPERIMENT.experiment!, variants: [{ id: 'control', weight: 80 }, { id: 'bold', weight: 10, content: { headline: 'Bold' } }] } };
    const put = await request(base, 'PUT', `/v1/campaigns/${campaignId}`, admin, skewed);
    expect(put.status, put.text).toBe(200);
    const r = (await request(base, 'GET', `/v1/campaigns/${campaignId}/report`, admin)).json as ExperimentResults;
    expect(r.report.overall.srm!.mismatch).toBe(true);
    expect(r.report.overall.srm!.p_value).toBeLessThan(0.001);
    expect(r.report.overall.comparisons).toBeNull();
    expect(r.report.overall.warnings).toContain('sample_ratio_mismatch');
    expect(r.report.overall.arms.map((a) => a.exposures)).toEqual(['control', 'bold', 'holdout'].map((id) => visits.filter((v) => v.arm === id).length));
    expect((await request(base, 'PUT', `/v1/campaigns/${campaignId}`, admin, EXPERIMENT)).status).toBe(200);
  });

  it('refuses an unknown campaign (404), a key without campaigns:read (403) and a campaign without an experiment (409)', async () => {
    const missing = await request(base, 'GET', '/v1/campaigns/no-such-campaign/report', admin);
    expect(missing.status).toBe(404);
    expect(missing.json.error.message).toBe('no campaign "no-such-campaign"');
    expect((await request(base, 'GET', `/v1/campaigns/${campaignId}/report`, audiencesOnly)).status).toBe(403);
    const bar = await request(base, 'POST', '/v1/campaigns', admin, { ...DEMO_CAMPAIGNS.find((c) => c.type === 'notification_bar')!, name: 'Plain bar' });
    const plain = await request(base, 'GET', `/v1/campaigns/${bar.json.id}/report`, admin);
    expect(plain.status).toBe(409);
    expect(plain.json.error.message).toContain('runs no experiment');
  });

  it('refuses a click goal with a holdout, which never sees anything to click', async () => {
    const r = await request(base, 'POST', '/v1/campaigns', admin, { ...EXPERIMENT, name: 'Clicks', experiment: { ...EXPERIMENT.experiment!, goal: { event: 'click' } } });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain('experiment.goal.event: a click cannot happen in the holdout');
  });

  it('counts a click goal from the clicks in the window, the first variant the control', async () => {
    const bar = {
      ...structuredClone(DEMO_CAMPAIGNS.find((c) => c.type === 'notification_bar')!),
      name: 'Click bar',
      frequency_cap: { max_impressions: 100 },
      targeting: { audiences: { include: ['Buyers'], exclude: [] }, visitor: 'any' as const },
      experiment: { variants: [{ id: 'plain', weight: 50 }, { id: 'loud', weight: 50, content: { message: 'LOUD' } }], holdout: 0, goal: { event: 'click' as const, window_days: 7 } },
    };
    const created = await request(base, 'POST', '/v1/campaigns', admin, bar);
    expect(created.status, created.text).toBe(201);
    const id = created.json.id as string;
    await request(base, 'POST', `/v1/campaigns/${id}/activate`, admin);
    const clicked = { plain: 0, loud: 0 } as Record<string, number>;
    const exposed = { plain: 0, loud: 0 } as Record<string, number>;
    for (const [i, customer] of buyers.slice(0, 80).entries()) {
      const visitor = `c-${customer}`;
      const arm = (await decide(visitor, customer)).campaigns.find((c) => c.id === id)!.variant;
      exposed[arm]!++;
      const events = [];
      // loud gets clicked every other time, plain every fourth; a click from before the exposure never counts.
      if (i % (arm === 'loud' ? 2 : 4) === 0) {
        clicked[arm]!++;
        events.push({ id: `click-${visitor}`, campaign_id: id, variant: arm, type: 'click' });
      } else if (i % 5 === 0) {
        events.push({ id: `early-${visitor}`, campaign_id: id, variant: arm, type: 'click', ts: new Date(Date.now() - DAY).toISOString() });
      }
      if (events.length) expect((await request(base, 'POST', '/v1/campaign-events', admin, { visitor_id: visitor, customer_id: customer, events })).status).toBe(200);
    }
    const r = (await request(base, 'GET', `/v1/campaigns/${id}/report`, admin)).json as ExperimentResults;
    expect(r.goal).toEqual({ event: 'click', window_days: 7 });
    expect(r.report.control).toBe('plain');
    expect(r.report.overall.arms.map((a) => [a.arm, a.exposures, a.conversions])).toEqual([['plain', exposed.plain, clicked.plain], ['loud', exposed.loud, clicked.loud]]);
    expect(clicked.loud).toBeGreaterThan(5);
    await request(base, 'POST', `/v1/campaigns/${id}/end`, admin);
  });
});

describe("an audience's standing holdout", () => {
  it('shows a held-out member nothing, keeps them out of experiments, and reports held out against exposed', async () => {
    const share = 40;
    const set = await request(base, 'PUT', '/v1/audiences/Frequent%20buyers/holdout', admin, { share, window_days: 7 });
    expect(set.status, set.text).toBe(200);
    const audienceId = set.json.audience_id as string;
    // Worked out in Python from the documented hash: SHA-256 of "holdout:<audience>:<customer>".
    const held = new Set(
      scipy<string[]>(
        `import hashlib
print(json.dumps([c for c in data['customers'] if (int.from_bytes(hashlib.sha256(f"holdout:{data['audience']}:{c}".encode()).digest()[:8], 'big') >> 12) / 2**52 < data['share']]))`,
        { customers: [...frequent], audience: audienceId, share: share / 100 },
      ),
    );
    expect(held.size).toBeGreaterThan(5);
    expect(held.size).toBeLessThan(frequent.size);
    for (const customer of buyers) {
      const d = await decide(`w-${customer}`, customer);
      expect(d.campaigns.length + d.held_out.length, customer).toBe(held.has(customer) ? 0 : 1);
    }
    const r = await request(base, 'GET', `/v1/audiences/${audienceId}/holdout-report`, admin);
    expect(r.status, r.text).toBe(200);
    const report = r.json as ExperimentResults;
    expect(report.subject).toEqual({ kind: 'audience_holdout', id: audienceId, name: 'Frequent buyers', status: null });
    expect(report.report.overall.arms.map((a) => [a.arm, a.exposures])).toEqual([['exposed', frequent.size - held.size], ['holdout', held.size]]);
    const stored = await workspaces.use('default', (s) => s.all<{ v: string }>(sql`SELECT visitor_id AS v FROM campaign_assignments WHERE visitor_id LIKE 'w-%'`));
    const assignedNow = new Set(stored.map((x) => x.v.slice(2)));
    expect([...held].filter((c) => assignedNow.has(c))).toEqual([]);
    expect(assignedNow.size).toBe(buyers.length - held.size);
  });

  it('refuses an audience without a holdout (404) and a share out of range (400)', async () => {
    const none = await request(base, 'GET', '/v1/audiences/Buyers/holdout-report', admin);
    expect(none.status).toBe(404);
    expect(none.json.error.message).toContain('has no standing holdout');
    const bad = await request(base, 'PUT', '/v1/audiences/Buyers/holdout', admin, { share: 80 });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('share');
    expect((await request(base, 'PUT', '/v1/audiences/no-such/holdout', admin, { share: 5 })).status).toBe(404);
  });
});
