import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, decideQuerySchema, storeAssignments, storeCampaignEventBatches, visitorFacts, type CampaignEventBatch } from '../../src/campaigns/index.js';
import { loadDecider } from '../../src/server/campaign-deciders.js';
import { DEMO_CAMPAIGNS } from '../../src/demo/storefront-campaigns.js';
import type { Workspaces } from '../../src/server/index.js';
import { statementPaths } from '../../src/profiles/schema.js';
import { join as sqlJoin, sql } from '../../src/sql/index.js';
import type { BehaviorFamily, BehaviorPreview, Campaign, CustomerProfile, ExperimentResults, ExportDryRun, MembersPage, RunHistory } from '../../web/src/api/types.js';
import { count, money } from '../../web/src/format.js';
import { ROUTES, type RouteId } from '../../web/src/routes.js';
import { enqueueLiveChanges } from '../../src/activation/webhooks/index.js';
import { Receiver } from '../activation/receiver.js';
import { tempDir } from '../helpers.js';
import { request, serveForTest, stopServer } from '../server/harness.js';
import { accessibilityViolations, chartCoverage, freshDashboard, horizontalOverflow, launchBrowser, screenshotOnFailure, settled, watch, type PageProblems } from './browser.js';
import { demoShop, RUN_DATES } from './demo-shop.js';

/**
 * The dashboard in Chromium against a real server on the demo shop. Every route of the app's own route list is
 * visited at a desktop and a phone width; a route without a path below fails the test, so no page goes untested.
 */
const dir = tempDir('segmint-web-');
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let key = '';
let browser: { context: BrowserContext; close: () => Promise<void> };
const ids = { customer: '', importId: '', campaign: '', experiment: '', skewed: '' };

/** Where each route is opened: its path with real ids of the demo shop. */
const PATHS: Record<RouteId, () => string> = {
  overview: () => '/',
  segments: () => '/segments',
  audiences: () => '/audiences',
  'new-audience': () => '/new-audience',
  audience: () => '/audiences/smart-big-spenders',
  clusters: () => '/clusters',
  behaviors: () => '/behaviors',
  movement: () => '/movement',
  campaigns: () => '/campaigns',
  'new-campaign': () => '/new-campaign',
  campaign: () => `/campaigns/${ids.campaign}`,
  'campaign-results': () => `/campaigns/${ids.experiment}/results`,
  customers: () => '/customers',
  customer: () => `/customers/${ids.customer}`,
  data: () => '/data',
  import: () => `/data/imports/${ids.importId}`,
  webhooks: () => '/webhooks',
  settings: () => '/settings',
};

const WIDTHS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
];

/** JavaScript the pages loaded, by URL, over every visit. */
const scripts = new Map<string, Buffer>();

beforeAll(async () => {
  const web = await freshDashboard(join(dir.path, 'web'));
  let shop;
  ({ workspaces, ...shop } = await demoShop(dir.path));
  ({ key, customer: ids.customer, importId: ids.importId } = shop);
  // The demo's popup for its loyal customers, for the campaign page; served as `segmint demo` serves it, with the
  // sample storefront's files (its hero image). Webhooks may reach the test's loopback receiver; a failed delivery is
  // dead at once, so the log shows a failure to replay.
  ids.campaign = (await workspaces.use('default', (s) => createCampaign(s, DEMO_CAMPAIGNS.find((c) => c.type === 'popup_banner')!))).id;
  ({ app, base } = await serveForTest(workspaces, { webRoot: web, storefrontDemo: { key: 'unused' }, webhooks: { addresses: 'loopback', intervalMs: 100, maxAttempts: 1 } }));
  ids.experiment = await seedExperiment('hero_banner', 'Hero experiment', false);
  ids.skewed = await seedExperiment('notification_bar', 'Skewed bar experiment', true);
  browser = await launchBrowser();
}, 300_000);

/** A seeded generator, so the clicks the test sends are the same at every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An experiment run as a shop would: the demo campaign of `type` aimed at the two largest audiences, created and
 * activated through the API, each of their members deciding once (decide assigns the arm and records the exposure) and
 * sending an impression, and a click (the conversion) from 15% of the control's visitors and 35% of the variant's;
 * then paused through the API. `skewed`: the weights are changed afterwards from 50/50 to 85/15, so the recorded split
 * no longer fits them (a sample-ratio mismatch).
 *
 * The visits go through what the storefront routes call (the workspace's decider as the server loads it, the live
 * view's facts, its assignments stored as the server's flush stores them, each visitor's batch of events), in bulk:
 * two HTTP calls and a commit per visitor took some 30 s of the file's setup. The same path over HTTP, decide to
 * report, is test/server/campaign-report.test.ts's.
 */
async function seedExperiment(type: string, name: string, skewed: boolean): Promise<string> {
  const call = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  const history = await call<RunHistory>('GET', '/v1/runs');
  const largest = [...history.runs.at(-1)!.audiences].sort((a, b) => b.size - a.size || a.id.localeCompare(b.id)).slice(0, 2).map((a) => a.id);
  const members = new Set<string>();
  for (const id of largest) for (const m of (await call<MembersPage>('GET', `/v1/audiences/${id}/members?limit=1000`)).members) members.add(m.customer_id);
  const experiment = { goal: { event: 'click', window_days: 7 }, plan: { minimum_effect: 0.5, baseline_rate: 0.15 } };
  const campaign = {
    ...structuredClone(DEMO_CAMPAIGNS.find((c) => c.type === type)!),
    name,
    priority: 100,
    frequency_cap: { max_impressions: 100 },
    targeting: { audiences: { include: largest, exclude: [] }, visitor: 'any' },
    experiment: { variants: [{ id: 'control', weight: 50 }, { id: 'bold', weight: 50, content: type === 'hero_banner' ? { headline: 'Bold' } : { message: 'Bold' } }], ...experiment },
  };
  const { id } = await call<Campaign>('POST', '/v1/campaigns', campaign);
  await call('POST', `/v1/campaigns/${id}/activate`);
  const random = rng(skewed ? 2 : 1);
  await workspaces.use('default', async (store) => {
    const { decider, campaigns } = await loadDecider(store);
    const batches = [...members].sort().map((customer) => {
      const visitor = `v-${name}-${customer}`;
      const decided = decider.decide(decideQuerySchema.parse({ visitor, customer }), visitorFacts(workspaces.view('default'), customer), Date.now());
      const arm = decided.campaigns.find((c) => c.id === id)?.variant ?? decided.held_out.find((c) => c.id === id)?.variant;
      if (!arm) throw new Error(`${customer} was not assigned to ${id}`);
      const events: CampaignEventBatch['events'] = [{ id: `imp-${visitor}`, campaign_id: id, variant: arm, type: 'impression' }];
      if (random() < (arm === 'bold' ? 0.35 : 0.15)) events.push({ id: `click-${visitor}`, campaign_id: id, variant: arm, type: 'click' });
      return { visitor_id: visitor, customer_id: customer, events };
    });
    await storeAssignments(store, decider.takeAssignments());
    await storeCampaignEventBatches(store, batches, campaigns);
  });
  // Paused, so the visitors of the next experiment (whose placement differs) are not assigned to this one too.
  await call('POST', `/v1/campaigns/${id}/pause`);
  if (skewed) await call('PUT', `/v1/campaigns/${id}`, { ...campaign, experiment: { ...campaign.experiment, variants: [{ id: 'control', weight: 85 }, { ...campaign.experiment.variants[1]!, weight: 15 }] } });
  return id;
}

afterAll(async () => {
  await browser?.close();
  await stopServer(app, workspaces, dir);
});

/** A new tab at `width`, signed in through the link the demo prints, on `path`; its problems recorded. */
async function open(path: string, width = WIDTHS[0]!): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: width.width, height: width.height });
  const problems = watch(page);
  await page.goto(`${base}${path}#key=${key}`);
  await settled(page);
  return { page, problems };
}

describe('every page', () => {
  it('has a path to be tested at for every route of the app', () => {
    expect(Object.keys(PATHS).sort()).toEqual(ROUTES.map((r) => r.id).sort());
  });

  describe.each(WIDTHS)('at $width px', (width) => {
    it.each(ROUTES.map((r) => r.id))('%s: loads cleanly, draws its charts, is accessible and fits the width', async (id) => {
      const { page, problems } = await open(PATHS[id](), width);
      try {
        await screenshotOnFailure(page, `${id}-${width.name}`, async () => {
          expect(await page.locator('h1').textContent()).toBe(ROUTES.find((r) => r.id === id)!.title);
          expect(page.url(), 'the key is gone from the address bar').not.toContain('key=');
          for (const [title, drawn] of Object.entries(await chartCoverage(page))) expect(drawn, `chart "${title}" draws no data`).toBeGreaterThan(0.01);
          expect(await accessibilityViolations(page)).toEqual([]);
          expect(await horizontalOverflow(page), 'the page scrolls sideways').toBeLessThanOrEqual(0);
          expect(problems.console).toEqual([]);
          expect(problems.requests).toEqual([]);
        });
        for (const [url, body] of problems.scripts) scripts.set(url, body);
      } finally {
        await page.close();
      }
    });
  });

  it('loads under 500 KB of JavaScript, gzipped', () => {
    expect(scripts.size).toBeGreaterThan(0);
    const gzipped = [...scripts.values()].reduce((sum, body) => sum + gzipSync(body, { level: 9 }).length, 0);
    process.stdout.write(`dashboard JavaScript: ${scripts.size} file(s), ${(gzipped / 1024).toFixed(1)} KB gzipped\n`);
    expect(gzipped).toBeLessThan(500 * 1024);
  });
});

describe('movement', () => {
  it.each(['rfm', 'smart'])('draws the %s Sankey between the first and last run, its flows adding up to the movement matrix', async (kind) => {
    const [from, to] = [RUN_DATES[0]!, RUN_DATES.at(-1)!];
    const { page, problems } = await open(`/movement?${new URLSearchParams({ kind, from, to }).toString()}`);
    try {
      const charts = await chartCoverage(page);
      expect(Object.values(charts)).toHaveLength(1);
      expect(Object.values(charts)[0]).toBeGreaterThan(0.01);
      const rows = await page.locator('table.flows tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      const shown = new Map(rows.map(([a, b, n]) => [`${a} > ${b}`, Number(n!.replaceAll(',', ''))]));
      const api = await fetch(`${base}/v1/movement?${new URLSearchParams({ kind, from, to }).toString()}`, { headers: { authorization: `Bearer ${key}` } }).then(
        (r) => r.json() as Promise<{ labels: string[]; matrix: number[][] }>,
      );
      const cells = new Map<string, number>();
      api.matrix.forEach((row, i) => row.forEach((n, j) => n > 0 && cells.set(`${api.labels[i]} > ${api.labels[j]}`, n)));
      expect(shown).toEqual(cells);
      // Out of each audience at the first run, and into each at the last: the matrix's row and column sums.
      for (const [i, label] of api.labels.entries()) {
        const out = [...shown].filter(([k]) => k.startsWith(`${label} > `)).reduce((s, [, n]) => s + n, 0);
        const into = [...shown].filter(([k]) => k.endsWith(` > ${label}`)).reduce((s, [, n]) => s + n, 0);
        expect(out, `${label} at ${from}`).toBe(api.matrix[i]!.reduce((s, n) => s + n, 0));
        expect(into, `${label} at ${to}`).toBe(api.matrix.reduce((s, row) => s + row[i]!, 0));
      }
      expect([...shown.keys()].some((k) => k.split(' > ')[0] !== k.split(' > ')[1]), 'some customers changed audience').toBe(true);
      expect(problems.console).toEqual([]);
      expect(problems.requests).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('an audience', () => {
  it('downloads every member as CSV, as many rows as the members route counts', async () => {
    const { page, problems } = await open('/audiences/smart-lost-customers');
    try {
      const total = Number((await page.locator('.pager span').textContent())!.match(/of ([\d,]+) members/)![1]!.replaceAll(',', ''));
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download members (CSV)' }).click()]);
      expect(download.suggestedFilename()).toBe('smart-lost-customers-2026-11-01.csv');
      const lines = readFileSync((await download.path()), 'utf8').trimEnd().split('\n');
      expect(lines[0]).toBe('customer_id,score,reasons');
      expect(lines).toHaveLength(total + 1);
      expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(total);
      expect(total).toBeGreaterThan(25);
      expect(problems.console).toEqual([]);
      expect(problems.requests).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe("an audience's export", () => {
  it('counts in a dry run, exports the columns asked for and downloads the file, names a bad column, writes an ad-audience file and follows the audience after every run', async () => {
    const { page, problems } = await open('/audiences/smart-lost-customers');
    const dry = await fetch(`${base}/v1/audiences/smart-lost-customers/exports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ dry_run: true }),
    }).then((r) => r.json() as Promise<ExportDryRun>);
    try {
      const section = page.locator('section', { has: page.getByRole('heading', { name: 'Export' }) });
      await section.getByRole('button', { name: 'Dry run' }).click();
      await section.getByText(`${count(dry.members)} members: ${count(dry.with_email)} with an email, ${count(dry.with_phone)} with a phone, ${count(dry.with_ads_consent)} with ads consent; ${count(dry.reachable_for_ads)} reachable for ads.`).waitFor();
      expect(dry.with_ads_consent).toBeGreaterThan(0);
      expect(dry.with_ads_consent).toBeLessThan(dry.members);

      await section.getByLabel('Columns').fill('id, email, orders');
      await section.getByRole('button', { name: 'Export', exact: true }).click();
      await section.getByText(`${count(dry.members)} rows written to`).waitFor();
      const name = (await section.getByRole('button', { name: /^Download exp-/ }).textContent())!.replace('Download ', '');
      const [file] = await Promise.all([page.waitForEvent('download'), section.getByRole('button', { name: `Download ${name}` }).click()]);
      expect(file.suggestedFilename()).toBe(name);
      const lines = readFileSync(await file.path(), 'utf8').trimEnd().split('\n');
      expect(lines[0]).toBe('id,email,orders');
      expect(lines).toHaveLength(dry.members + 1);

      await section.getByLabel('Columns').fill('id, shoe_size');
      await section.getByRole('button', { name: 'Export', exact: true }).click();
      expect(await section.getByRole('alert').textContent()).toMatch(/^columns: no column "shoe_size"/);
      expect(problems.requests).toEqual([expect.stringMatching(/POST .*\/v1\/audiences\/smart-lost-customers\/exports: 400$/)]);
      problems.requests.length = 0;
      problems.console.length = 0;

      await section.getByLabel('Destination').selectOption('meta');
      await expect(section.getByLabel('Columns').count()).resolves.toBe(0);
      await section.getByRole('button', { name: 'Export', exact: true }).click();
      const written = (await section.getByText(/rows written to/).textContent())!;
      const rows = Number(written.match(/^([\d,]+) rows/)![1]!.replaceAll(',', ''));
      expect(rows).toBeGreaterThan(0);
      expect(rows).toBeLessThanOrEqual(dry.reachable_for_ads);
      const [hashed] = await Promise.all([page.waitForEvent('download'), section.getByRole('button', { name: /^Download exp-/ }).click()]);
      const hashedLines = readFileSync(await hashed.path(), 'utf8').trimEnd().split('\n');
      expect(hashedLines[0]).toBe('email,phone');
      expect(hashedLines).toHaveLength(rows + 1);
      expect(hashedLines.slice(1).every((l) => /^([0-9a-f]{64})?,([0-9a-f]{64})?$/.test(l))).toBe(true);

      await section.getByRole('button', { name: 'Export after every run' }).click();
      const sync = (await section.getByText(/writes the next export after every run/).textContent())!.split(' ')[0]!;
      await section.getByRole('listitem').filter({ hasText: `${sync}: Meta customer list, CSV` }).waitFor();
      const listed = await fetch(`${base}/v1/export-syncs`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.json() as Promise<Array<{ id: string; audience: string; destination: string }>>);
      expect(listed).toContainEqual(expect.objectContaining({ id: sync, audience: 'smart-lost-customers', destination: 'meta' }));
      await section.getByRole('button', { name: `Stop ${sync}` }).click();
      await section.getByText(`${sync} stopped.`).waitFor();
      await section.getByText('None: each export is written when asked for.').waitFor();
      expect(problems.console).toEqual([]);
      expect(problems.requests).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('the rule builder', () => {
  it('shows a typed error at its position, then the size of the corrected rule; saved, the audience is listed and gets members', async () => {
    const { page, problems } = await open('/new-audience');
    try {
      await page.getByLabel('Who is in the audience').pressSequentially('orders >= 2 and recency_dayz <= 90');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.locator('.error').textContent()).toBe('unknown feature "recency_dayz" at 1:17; did you mean recency_days?');
      // The caret under the line points at the column the parser named.
      const caret = (await alert.locator('pre').textContent())!.split('\n');
      expect(caret[1]!.indexOf('^')).toBe(16);
      expect(await page.getByRole('button', { name: 'Save audience' }).isDisabled()).toBe(true);

      await alert.getByRole('button', { name: 'recency_days' }).click();
      expect(await page.getByLabel('Who is in the audience').inputValue()).toBe('orders >= 2 and recency_days <= 90');
      const preview = page.locator('.preview');
      await preview.waitFor();
      const shown = Number((await preview.locator('strong').textContent())!.replaceAll(',', ''));
      const counted = await fetch(`${base}/v1/rules/preview`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ rule: 'orders >= 2 and recency_days <= 90' }),
      }).then((r) => r.json() as Promise<{ size: number; customers: number }>);
      expect(shown).toBe(counted.size);
      expect(counted.size).toBeGreaterThan(0);
      expect(counted.size).toBeLessThan(counted.customers);

      await page.getByLabel('Name').fill('Recent repeat buyers');
      await page.getByRole('button', { name: 'Save audience' }).click();
      await page.waitForURL(/\/audiences\/recent-repeat-buyers$/);
      await page.getByRole('heading', { name: 'Recent repeat buyers' }).waitFor();
      // Computed at once against the latest run (no run needed): its members are there, as many as the preview said.
      await page.getByRole('heading', { name: 'Members' }).waitFor();
      await settled(page);
      expect(await page.locator('.pager span').textContent()).toContain(`of ${shown.toLocaleString('en')} members`);

      await page.getByRole('link', { name: 'Audiences' }).click();
      await settled(page);
      expect(await page.getByRole('link', { name: 'Recent repeat buyers' }).count()).toBe(1);
      expect(problems.console).toEqual([]);
      expect(problems.requests).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

/** An API answer the test compares the page with, read with the test's key. */
async function apiJson<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.ok, `${path}: ${res.status}`).toBe(true);
  return (await res.json()) as T;
}

const number = (text: string | null): number => Number(text!.replaceAll(',', ''));

describe('behaviors', () => {
  it("shows each suggested behavior with the API's size and lift beside its cluster's agreement, and the product behaviors", async () => {
    const { page, problems } = await open('/behaviors');
    try {
      const family = await apiJson<BehaviorFamily>('/v1/behaviors');
      const products = await apiJson<BehaviorFamily>('/v1/behaviors?entity=products');
      const section = (title: string) => page.locator('section', { has: page.getByRole('heading', { name: title, exact: true }) });
      const cards = section('Customer behaviors').locator('li.card');
      expect(await cards.count()).toBe(family.suggested.length);
      expect(family.suggested.length).toBeGreaterThanOrEqual(12);
      for (const [i, b] of family.suggested.entries()) {
        const card = cards.nth(i);
        expect(await card.locator('h3').textContent()).toBe(b.name);
        expect(number(await card.locator('.size').textContent())).toBe(b.size);
        expect(await card.textContent()).toContain(`lift ×${b.lift!.toFixed(2)}`);
        if (b.cluster) expect(await card.locator('.agreement').textContent()).toContain(`${b.cluster.name}: ${(b.cluster.agreement! * 100).toLocaleString('en', { maximumFractionDigits: 1 })}% of its ${b.cluster.cluster_size.toLocaleString('en')} customers`);
        else expect(await card.locator('.agreement').count()).toBe(0);
      }
      expect(family.suggested.filter((b) => b.cluster).length, 'some behaviors share a name with a cluster').toBeGreaterThan(0);
      expect(await section('Behavioral clusters').locator('ul.clusters li').count()).toBe(family.clusters.length);
      const productCards = section('Product behaviors').locator('li.card');
      expect(await productCards.locator('h3').allTextContents()).toEqual(products.suggested.map((b) => b.name));
      const charts = await chartCoverage(page);
      expect(Object.keys(charts)).toHaveLength(3);
      expect(problems.console).toEqual([]);
      expect(problems.requests).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('turns words into an active custom behavior: not understood, partly understood, refined, activated, then listed with the audiences', async () => {
    const { page, problems } = await open('/behaviors');
    try {
      const words = page.getByLabel('In your words');
      const describe = page.locator('form', { has: page.locator('#describe-title') });
      // Nothing understood: the reason in one line under the words, and no reading or spec.
      await words.fill('blorf zzzq');
      await page.getByRole('button', { name: 'Read my words' }).click();
      expect(await describe.getByRole('alert').textContent()).toBe(
        'could not understand the description: no word of it names a product, a behaviour or a customer trait (not understood: "blorf", "zzzq") (invalid_input)',
      );
      expect(await page.getByLabel('Rule (edit it to refine)').count()).toBe(0);
      expect(problems.requests).toEqual([expect.stringMatching(/POST .*\/v1\/behaviors\/preview: 400$/)]);
      problems.requests.length = 0;
      problems.console.length = 0;

      // Half understood: the reading says which half, and the spec is what the API reads from the same words.
      const text = 'premium sneaker buyers who have not bought in 60 days, blorf';
      const api = await apiJson<BehaviorPreview>('/v1/behaviors/preview', { text });
      // The spec is checked as it is typed; each check is let finish before the next edit, which would cancel it.
      const checked = async (edit: () => Promise<void>) => {
        const answer = page.waitForResponse((r) => r.url().endsWith('/v1/rules/check'));
        await edit();
        await answer;
      };
      await words.fill(text);
      const spec = page.getByLabel('Rule (edit it to refine)');
      await checked(() => page.getByRole('button', { name: 'Read my words' }).click());
      expect(await page.locator('.reading-message').textContent()).toBe(`Partly understood: ${api.reading.message}`);
      expect(api.reading.message).toContain('not understood: "blorf"');
      expect(await page.locator('ul.not-understood li').allTextContents()).toEqual(['blorf']);
      const spans = await page.locator('table.spans tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      expect(spans).toEqual(api.reading.spans.map((s) => [s.text, s.meaning]));
      expect(await page.locator('p.reading mark').allTextContents()).toEqual(api.reading.spans.map((s) => s.text));
      expect(await spec.inputValue()).toBe(api.spec);
      const preview = page.locator('section', { has: page.locator('#preview-title') });
      expect(number(await preview.locator('dl.figures dd').first().textContent())).toBe(api.preview.size);
      const waterfall = await preview.locator('table.waterfall tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      expect(waterfall.map((r) => [r[1], number(r[2]!)])).toEqual(api.preview.waterfall.map((w) => [w.condition, w.remaining]));
      expect(await preview.locator('table.samples tbody tr').count()).toBe(api.preview.samples.length);
      expect(api.preview.size).toBeGreaterThan(0);
      expect(api.preview.size).toBeLessThan(api.preview.customers);
      const drawn = await chartCoverage(page);
      expect(drawn['Customers remaining after each condition']).toBeGreaterThan(0.01);
      // The reading and the preview, like every page: accessible, and within a phone's width.
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.setViewportSize({ width: WIDTHS[1]!.width, height: WIDTHS[1]!.height });
      // The charts take the new width at the frames after the resize: measured at once, the page had the old one.
      await settled(page);
      await screenshotOnFailure(page, 'behaviors-wizard-phone', async () => {
        expect(await horizontalOverflow(page), 'the wizard scrolls sideways').toBeLessThanOrEqual(0);
      });
      await page.setViewportSize({ width: WIDTHS[0]!.width, height: WIDTHS[0]!.height });

      // Refined: a misspelt feature is shown at its position, and nothing can be previewed or activated until fixed.
      await checked(() => spec.fill(api.spec.replace('recency_days', 'recency_dayz')));
      const specState = page.locator('#behavior-spec-state');
      const alert = specState.getByRole('alert');
      await alert.waitFor();
      const at = api.spec.indexOf('recency_days');
      expect(await alert.locator('.error').textContent()).toBe(`unknown feature "recency_dayz" at 1:${at + 1}; did you mean recency_days?`);
      expect((await alert.locator('pre').textContent())!.split('\n')[1]!.indexOf('^')).toBe(at);
      expect(await page.getByRole('button', { name: 'Preview this spec' }).isDisabled()).toBe(true);
      expect(await page.getByRole('button', { name: 'Activate', exact: true }).isDisabled()).toBe(true);
      await checked(() => alert.getByRole('button', { name: 'recency_days' }).click());
      expect(await spec.inputValue()).toBe(api.spec);
      // A wider window, previewed again: the page shows what the API counts for the edited spec.
      const refined = api.spec.replace('recency_days > 60', 'recency_days > 30');
      expect(refined).not.toBe(api.spec);
      const again = await apiJson<BehaviorPreview>('/v1/behaviors/preview', { text, spec: refined });
      expect(again.preview.size).toBeGreaterThan(api.preview.size);
      await checked(() => spec.fill(refined));
      await page.getByRole('button', { name: 'Preview this spec' }).click();
      await preview.locator('p code', { hasText: 'recency_days > 30' }).waitFor();
      expect(number(await preview.locator('dl.figures dd').first().textContent())).toBe(again.preview.size);

      // Named and activated: computed at once on the latest run, as many customers as the preview counted.
      await page.getByLabel('Name', { exact: true }).fill('Lapsed premium sneaker fans');
      await page.getByRole('button', { name: 'Activate', exact: true }).click();
      const done = page.locator('form', { has: page.locator('#activate-title') }).locator('.done');
      await done.waitFor();
      expect(await done.textContent()).toContain(`Activated Lapsed premium sneaker fans: ${again.preview.size.toLocaleString('en')} customers now`);
      await settled(page);
      const listed = page.locator('table.custom-behaviors tbody tr', { hasText: 'Lapsed premium sneaker fans' });
      expect(await listed.locator('code').textContent()).toBe(refined);
      expect(await listed.textContent()).toContain('active');

      await page.getByRole('link', { name: 'Audiences', exact: true }).click();
      await settled(page);
      const row = page.locator('tbody tr', { has: page.getByRole('link', { name: 'Lapsed premium sneaker fans', exact: true }) });
      expect(await row.count()).toBe(1);
      const cells = await row.locator('td').allTextContents();
      expect(cells.slice(1, 3)).toEqual(['Custom behaviors', again.preview.size.toLocaleString('en')]);
      expect(cells[4]).toBe('computed');
      expect(problems.console).toEqual([]);
      expect(problems.requests).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

/** Every number a fact's value shows, as a statement may write it: as is, rounded, and a share as a whole percent. */
function allowedNumbers(text: string): Set<number> {
  return new Set(numbersIn(text).flatMap((n) => [n, Math.round(n), Math.round(n * 100)]));
}
const numbersIn = (text: string): number[] => (text.match(/\d+(?:\.\d+)?/g) ?? []).map(Number);

describe('a customer profile', () => {
  /** The demo's injected behavior shifts (ground_truth.csv's `shift` column): customer id -> category. */
  const shifts = (): Map<string, string> =>
    new Map(
      readFileSync(join(dir.path, 'demo', 'ground_truth.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(','))
        .filter((cells) => cells[3])
        .map((cells) => [cells[0]!, cells[3]!]),
    );

  it('marks the new behavior of a customer with an injected shift, and not of one without', async () => {
    const shifted = shifts();
    const [id, category] = [...shifted][0]!;
    const profile = await apiJson<CustomerProfile>(`/v1/customers/${id}/profile`);
    expect(profile.current_purchase_moment.new_behavior, `${id} was made to browse ${category}`).toBe(true);
    expect(shifted.has(ids.customer)).toBe(false);
    const steady = await apiJson<CustomerProfile>(`/v1/customers/${ids.customer}/profile`);
    expect(steady.current_purchase_moment.new_behavior).toBe(false);
    for (const [customer, p] of [[id, profile], [ids.customer, steady]] as const) {
      const { page, problems } = await open(`/customers/${customer}`);
      try {
        const moment = page.locator('.profile .moment');
        expect(await moment.locator('.marker').textContent()).toBe(p.current_purchase_moment.new_behavior ? 'New behavior' : 'No new behavior');
        expect(await moment.evaluate((el) => el.classList.contains('shifted'))).toBe(p.current_purchase_moment.new_behavior);
        expect(await moment.locator('[data-path="current_purchase_moment.relationship_with_history"] .text').textContent()).toBe(p.current_purchase_moment.relationship_with_history);
        expect(problems.console).toEqual([]);
        expect(problems.requests).toEqual([]);
      } finally {
        await page.close();
      }
    }
  });

  it('opens every statement onto the facts it cites, whose values hold its numbers; its looks are cards of real products; it refreshes', async () => {
    const [id] = [...shifts()][0]!;
    const profile = await apiJson<CustomerProfile>(`/v1/customers/${id}/profile`);
    const { page, problems } = await open(`/customers/${id}`);
    try {
      const statements = statementPaths(profile);
      expect(statements.size).toBeGreaterThan(20);
      let numbers = 0;
      for (const [path, statement] of statements) {
        const shown = page.locator(`.profile [data-path="${path}"]`);
        const details = shown.locator('details.evidence');
        if (typeof statement === 'string') expect(await shown.locator('.text').textContent(), path).toBe(statement);
        expect(await details.evaluate((d) => (d as HTMLDetailsElement).open), `${path}: evidence is on demand`).toBe(false);
        await details.locator('summary').click();
        expect(await details.locator('li code').allTextContents(), path).toEqual(profile.evidence[path]);
        const allowed = allowedNumbers((await details.locator('.value').allTextContents()).join(' '));
        if (typeof statement !== 'string') continue;
        for (const n of numbersIn(statement)) {
          expect(allowed.has(n), `${path}: ${n} in "${statement}" is a value of a cited fact`).toBe(true);
          numbers++;
        }
      }
      expect(numbers, 'statements with numbers were checked').toBeGreaterThan(5);

      const looks = profile.occasions.flatMap((o) => o.look_suggestion);
      expect(looks.length).toBeGreaterThan(2);
      const cards = page.locator('.profile ul.look li.card');
      const shownCards = await cards.evaluateAll((lis) =>
        lis.map((li) => ({
          name: li.querySelector('.name')?.textContent,
          id: li.querySelector('.product-id')?.textContent ?? '',
          slot: li.querySelector('.slot')?.textContent,
          price: li.querySelector('.price')?.textContent,
        })),
      );
      const catalog = await workspaces.use('default', (s) =>
        s.all<{ id: string; price: number }>(sql`SELECT id, price FROM products WHERE id IN (${sqlJoin(shownCards.map((c) => sql`${c.id}`))})`),
      );
      const prices = new Map(catalog.map((r) => [r.id, money(r.price)]));
      expect(shownCards).toEqual(looks.map((l) => ({ name: l.description, id: l.product_id, slot: l.slot, price: prices.get(l.product_id) })));
      expect(prices.size, 'every product id of the looks is in the catalog').toBe(looks.length);

      await page.getByRole('button', { name: 'Refresh profile' }).click();
      const done = page.locator('.profile .done');
      await done.waitFor();
      const kept = await apiJson<CustomerProfile>(`/v1/customers/${id}/profile`);
      expect(await done.textContent()).toBe(`New profile made ${kept.generated_at} UTC.`);
      expect(await page.locator('.profile > p.small').first().textContent()).toContain(`Made ${kept.generated_at} UTC`);
      expect(problems.console).toEqual([]);
      expect(problems.requests).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('campaigns', () => {
  /** What the test types into each type's content fields (by the API's path of the field), and a text the preview must show. */
  const TYPES: Array<{ type: string; fields: Record<string, string>; selects?: Record<string, string>; shows: string }> = [
    { type: 'popup_banner', fields: { 'content.headline': 'Winter sale starts now', 'content.body': 'Everything 20% off until Sunday.', 'content.cta.label': 'Shop the sale', 'content.cta.url': '/sale' }, shows: 'Winter sale starts now' },
    { type: 'email_collection', fields: { 'content.headline': 'Ten percent off your first order', 'content.consent_text': 'Yes, email me offers.' }, shows: 'Yes, email me offers.' },
    {
      type: 'form_survey',
      fields: { 'content.headline': 'Help us improve', 'content.questions.0.id': 'found', 'content.questions.0.label': 'Did you find it?', 'content.questions.0.options': 'Yes\nNo' },
      selects: { 'content.questions.0.kind': 'single_choice' },
      shows: 'Did you find it?',
    },
    { type: 'notification_bar', fields: { 'content.message': 'Free returns for thirty days' }, shows: 'Free returns for thirty days' },
    { type: 'hero_banner', fields: { 'content.headline': 'The snow collection', 'content.image_url': '/storefront/hero.svg', 'content.image_alt': 'Snowy hills', 'content.cta.label': 'Discover' }, shows: 'The snow collection' },
  ];
  const field = (page: Page, path: string) => page.locator(`#f-${path.replaceAll('.', '-')}`);

  it.each(TYPES)('creates a $type through the editor, the preview drawing it as the snippet does, and activates it', async ({ type, fields, selects, shows }) => {
    const { page, problems } = await open(`/new-campaign?type=${type}`);
    try {
      const preview = page.frameLocator('iframe[title="Storefront preview"]');
      expect(await preview.getByText(shows, { exact: true }).count(), 'nothing typed yet').toBe(0);
      await page.getByLabel('Name', { exact: true }).fill(`Browser ${type}`);
      for (const [path, value] of Object.entries(fields)) await field(page, path).fill(value);
      for (const [path, value] of Object.entries(selects ?? {})) await field(page, path).selectOption(value);
      // The snippet's renderer drew the campaign in the frame, as its type shows on the storefront.
      await preview.locator(`[data-segmint-type="${type}"]`).waitFor();
      await preview.getByText(shows, { exact: true }).waitFor();
      expect(await page.evaluate(() => document.activeElement?.tagName), 'the preview leaves the focus in the editor').not.toBe('IFRAME');
      expect(await accessibilityViolations(page)).toEqual([]);

      await page.getByRole('button', { name: 'Create draft' }).click();
      await page.waitForURL(/\/campaigns\/cmp-/);
      await settled(page);
      const id = decodeURIComponent(page.url().split('/').at(-1)!);
      const stored = await apiJson<Campaign>(`/v1/campaigns/${id}`);
      expect(stored).toMatchObject({ type, name: `Browser ${type}`, status: 'draft' });
      for (const [path, value] of Object.entries(fields)) {
        const parts = path.split('.').slice(1);
        const got = parts.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], stored.content);
        expect(got, path).toEqual(path.endsWith('options') ? value.split('\n') : value);
      }
      // Opened again, the editor previews the stored campaign.
      await preview.getByText(shows, { exact: true }).waitFor();

      await page.getByRole('button', { name: `Activate Browser ${type}` }).click();
      await page.locator('.campaign-state .status', { hasText: 'active' }).waitFor();
      expect((await apiJson<Campaign>(`/v1/campaigns/${id}`)).status).toBe('active');
      await page.getByRole('link', { name: 'All campaigns' }).click();
      await settled(page);
      const row = page.locator('table.campaigns tbody tr', { has: page.getByRole('link', { name: `Browser ${type}`, exact: true }) });
      expect(await row.locator('.status').textContent()).toBe('active');
      expect(problems.console).toEqual([]);
      expect(problems.requests).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows each of the server\'s refusals on the field it names, in one line, until the campaign is right', async () => {
    const { page, problems } = await open('/new-campaign?type=popup_banner');
    try {
      await page.getByLabel('Name', { exact: true }).fill('Refused at first');
      await field(page, 'content.headline').fill('Hello');
      await field(page, 'content.cta.label').fill('Go');
      await field(page, 'targeting.url_pattern').fill('/(sale');
      await field(page, 'schedule.start_at').fill('2026-12-10T10:00:00');
      await field(page, 'schedule.end_at').fill('2026-12-09T10:00:00');
      await page.getByRole('button', { name: 'Add variant' }).click();
      await page.getByRole('button', { name: 'Add variant' }).click();
      await field(page, 'experiment.variants.0.weight').fill('40');
      await field(page, 'experiment.variants.1.weight').fill('40');
      await field(page, 'experiment.variants.1.content').fill('{"headline": "Hello again"}');
      await field(page, 'experiment.holdout').fill('10');
      // The second variant's content, previewed through the same renderer.
      await page.getByLabel('Variant shown').selectOption({ label: 'variant-2' });
      await page.frameLocator('iframe[title="Storefront preview"]').getByText('Hello again', { exact: true }).waitFor();

      await page.getByRole('button', { name: 'Create draft' }).click();
      const error = (path: string) => page.locator(`#f-${path.replaceAll('.', '-')}-error`);
      await error('targeting.url_pattern').waitFor();
      // Each on its own field, nothing left over under the form.
      const lines = await page.locator('.campaign-editor .error').allTextContents();
      expect(lines).toEqual([
        expect.stringMatching(/^targeting\.url_pattern: does not compile: Invalid regular expression/),
        'schedule.end_at: ends (2026-12-09T10:00) before it starts (2026-12-10T10:00)',
        'experiment.variants: weights add up to 90 with the holdout, not 100',
      ]);
      expect(await error('targeting.url_pattern').textContent()).toBe(lines[0]);
      expect(await error('schedule.end_at').textContent()).toBe(lines[1]);
      expect(await error('experiment.variants').textContent()).toBe(lines[2]);
      expect(await field(page, 'targeting.url_pattern').getAttribute('aria-invalid')).toBe('true');
      for (const line of await page.locator('.campaign-editor .error').allTextContents()) expect(line).not.toContain('\n');

      await field(page, 'targeting.url_pattern').fill('/sale');
      await field(page, 'schedule.end_at').fill('2026-12-24T10:00:00');
      await field(page, 'experiment.holdout').fill('20');
      await page.getByLabel('Audience', { exact: true }).fill('Window Shopers');
      await page.getByRole('button', { name: 'Include', exact: true }).click();
      await page.getByRole('button', { name: 'Create draft' }).click();
      await error('targeting.audiences.include').waitFor();
      expect(await error('targeting.audiences.include').textContent()).toBe('targeting.audiences.include[0]: no audience "Window Shopers"');
      expect(await page.locator('.campaign-editor .error').count()).toBe(1);

      // Picked from the list instead, by kind: stored by id.
      await page.getByRole('button', { name: 'Remove Window Shopers' }).click();
      await page.getByLabel('Kind').selectOption('smart');
      await page.getByLabel('Audience', { exact: true }).fill('Big Spenders');
      await page.getByRole('button', { name: 'Include', exact: true }).click();
      await page.getByRole('button', { name: 'Create draft' }).click();
      await page.waitForURL(/\/campaigns\/cmp-refused-at-first$/);
      const stored = await apiJson<Campaign>('/v1/campaigns/cmp-refused-at-first');
      expect(stored.targeting.audiences.include).toEqual(['smart-big-spenders']);
      expect(stored.targeting.url_pattern).toBe('/sale');
      expect(stored.experiment).toMatchObject({ variants: [{ id: 'control', weight: 40 }, { id: 'variant-2', weight: 40, content: { headline: 'Hello again' } }], holdout: 20 });
      expect(problems.requests).toEqual([expect.stringMatching(/POST .*\/v1\/campaigns: 400$/), expect.stringMatching(/POST .*\/v1\/campaigns: 400$/)]);
    } finally {
      await page.close();
    }
  });
});

describe('campaign results', () => {
  const pp = (x: number) => `${(x * 100).toLocaleString('en', { maximumFractionDigits: 2 })} pp`;

  it("draws each variant's uplift in its 95% interval around 0, overall and per audience, CUPED beside the raw estimate, with the sample still needed", async () => {
    const r = await apiJson<ExperimentResults>(`/v1/campaigns/${ids.experiment}/report`);
    const overall = r.report.overall;
    expect(overall.srm!.mismatch).toBe(false);
    expect(r.report.audiences).toHaveLength(2);
    const comparisons = [overall, ...r.report.audiences].flatMap((g) => g.comparisons ?? []);
    expect(comparisons).toHaveLength(3);
    const bold = overall.comparisons![0]!;
    expect(bold.conversion_rate.difference!.ci.low, 'the seeded variant converts better').toBeGreaterThan(0);
    // Every exposed visitor of the seeding sent an impression, and nobody else was exposed.
    expect(r.arms.map((a) => a.impressions)).toEqual(overall.arms.map((a) => a.exposures));
    const { page, problems } = await open(`/campaigns/${ids.experiment}/results`);
    try {
      const charts = await chartCoverage(page);
      expect(charts['Difference in conversion rate with 95% intervals']).toBeGreaterThan(0.01);
      // The chart's words say what it draws: each interval, as the report has it.
      const summary = await page.locator('figure.chart .sr-only').textContent();
      expect(summary).toContain(`bold · All visitors: +${pp(bold.conversion_rate.difference!.estimate)} against control, 95% interval [${pp(bold.conversion_rate.difference!.ci.low)}, ${pp(bold.conversion_rate.difference!.ci.high)}].`);
      for (const a of r.report.audiences) expect(summary).toContain(`bold · ${r.audiences.find((x) => x.id === a.audience_id)!.name}: `);
      const all = page.locator('section[aria-label="Results: All visitors"]');
      const arms = await all.locator('table.arms tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('td')!.textContent, tr.querySelectorAll('td')[2]!.textContent]));
      expect(arms).toEqual(overall.arms.map((a) => [a.arm, a.exposures.toLocaleString('en')]));
      const row = all.locator('table.comparison-table tbody tr').first();
      expect(await row.locator('td.raw').textContent()).toBe(`+${pp(bold.conversion_rate.difference!.estimate)} [${pp(bold.conversion_rate.difference!.ci.low)}, ${pp(bold.conversion_rate.difference!.ci.high)}]`);
      const cuped = bold.conversion_rate.cuped;
      expect(cuped, 'the shop knows each customer\'s spend before exposure').not.toBeNull();
      expect(await row.locator('td.cuped').textContent()).toContain(`${pp(cuped!.difference.estimate)} [${pp(cuped!.difference.ci.low)}, ${pp(cuped!.difference.ci.high)}]`);
      const sample = await all.locator('p.sample').textContent();
      expect(sample).toContain(`${bold.sample!.required.control.toLocaleString('en')} in the control`);
      expect(await page.locator('.srm-warning').count()).toBe(0);
      expect(problems.console).toEqual([]);
      expect(problems.requests).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('hides the comparisons behind the sample-ratio-mismatch warning for an experiment whose split is off its weights', async () => {
    const r = await apiJson<ExperimentResults>(`/v1/campaigns/${ids.skewed}/report`);
    expect(r.report.overall.srm!.mismatch).toBe(true);
    expect(r.report.overall.comparisons).toBeNull();
    const { page, problems } = await open(`/campaigns/${ids.skewed}/results`);
    try {
      const all = page.locator('section[aria-label="Results: All visitors"]');
      expect(await all.getByRole('alert').textContent()).toMatch(/^Sample ratio mismatch: the split of exposures differs from the weights \(chi-square [\d.]+, p [<\d. ]+\)/);
      expect(await all.locator('table.comparison-table').count()).toBe(0);
      // The counts stay, to diagnose it.
      expect(await all.locator('table.arms tbody tr').count()).toBe(2);
      const hidden = [r.report.overall, ...r.report.audiences].filter((g) => g.srm?.mismatch).length;
      expect(await page.locator('.srm-warning').count()).toBe(hidden);
      expect(await page.locator('table.comparison-table').count()).toBe([r.report.overall, ...r.report.audiences].reduce((n, g) => n + (g.comparisons?.length ?? 0), 0));
      expect(problems.console).toEqual([]);
      expect(problems.requests).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('data and settings', () => {
  it('uploads a file with a progress bar, reports it, lists it, and shows its quarantined row', async () => {
    const { page, problems } = await open('/data');
    try {
      const views = Array.from({ length: 4000 }, (_, i) => `up-${i},view,2026-10-30 09:00:00,up-visitor,P0000${1 + (i % 9)},,,`);
      const csv = ['id,type,ts,customer_id,product_id,order_id,quantity,unit_price', ...views, 'up-bad,view,yesterday,up-visitor,P00004,,,'].join('\n');
      await page.getByLabel('File (CSV, JSONL or Parquet, gzipped or not)').setInputFiles({ name: 'browser-upload.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      // The presets come from the API, each with what it reads.
      await page.getByLabel('Preset (optional)').selectOption('segmint-events');
      expect(await page.locator('#upload-preset-about').textContent()).toMatch(/^Events by the store’s own field names.* It reads the columns id, type, ts, customer_id, /);
      // Uploads slowed to 100 KB/s, so the ~200 KB file is seen on its way.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 100_000 });
      await page.getByRole('button', { name: 'Import' }).click();
      await page.waitForFunction(() => {
        const bar = document.querySelector<HTMLProgressElement>('#upload-progress');
        return bar !== null && bar.value > 0 && bar.value < 1;
      });
      const done = page.locator('.done');
      await done.waitFor();
      expect(await done.textContent()).toContain('browser-upload.csv: 4,001 rows, 4,000 accepted, 0 duplicates, 1 quarantined.');
      await settled(page);
      await page.getByRole('link', { name: 'browser-upload.csv' }).click();
      await page.getByRole('heading', { name: 'Quarantine' }).waitFor();
      await settled(page);
      // The import's own page, read by its id: its counts and how it was read.
      expect(await page.locator('dl.figures').textContent()).toBe('Rows4,001Accepted4,000Duplicates0Quarantined1');
      expect(await page.getByText('preset segmint-events').count()).toBe(1);
      const row = await page.locator('section', { hasText: 'Quarantine' }).locator('tbody tr').first().textContent();
      expect(row).toContain('yesterday');
      expect(await page.locator('.pager span').textContent()).toBe('1–1 of 1 quarantined rows');
      expect(problems.console).toEqual([]);
      expect(problems.requests).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("shows an API error in one line where the action was taken, and creates and revokes a key, each in the audit log", async () => {
    const { page, problems } = await open('/settings');
    page.on('dialog', (d) => void d.accept());
    try {
      const consent = page.locator('section', { has: page.getByRole('heading', { name: 'Consent' }) });
      await consent.getByLabel('Customer id').fill('nobody-here');
      await consent.getByLabel('email').selectOption('true');
      await consent.getByRole('button', { name: 'Set consent' }).click();
      expect(await consent.getByRole('alert').textContent()).toBe('customer "nobody-here" is not in the store (not_found)');
      expect(problems.requests).toEqual([expect.stringMatching(/PUT .*\/v1\/customers\/nobody-here\/consent: 404$/)]);
      problems.requests.length = 0;
      problems.console.length = 0;

      const keys = page.locator('section', { has: page.getByRole('heading', { name: 'API keys' }) });
      await keys.getByRole('button', { name: 'Create key' }).click();
      const secret = (await keys.locator('code.secret').textContent())!;
      expect(secret).toMatch(/^sgm_/);
      const id = (await keys.locator('.done').first().textContent())!.match(/Created (key_\S+?)\./)![1]!;
      await keys.getByRole('button', { name: `Revoke ${id}` }).click();
      await keys.getByText(`Revoked ${id}.`).waitFor();
      await settled(page);
      const audit = page.locator('section', { has: page.getByRole('heading', { name: 'Audit log' }) });
      const actions = await audit.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.textContent ?? ''));
      expect(actions.filter((a) => a.includes(id)).length).toBe(2);
      const revoked = await fetch(`${base}/v1/stats`, { headers: { authorization: `Bearer ${secret}` } });
      expect(revoked.status).toBe(401);
      expect(problems.console).toEqual([]);
      expect(problems.requests).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('webhooks', () => {
  it('subscribes a receiver on the audience page, shows its failed delivery in the log, and replays it once the receiver is fixed', async () => {
    const receiver = await Receiver.start();
    receiver.fallback = { status: 503 };
    const { page, problems } = await open('/audiences/smart-big-spenders');
    try {
      const hooks = page.locator('section', { has: page.getByRole('heading', { name: 'Webhooks' }) });
      await hooks.getByLabel('URL').fill(receiver.url);
      await hooks.getByRole('button', { name: 'Add webhook' }).click();
      const secret = (await hooks.locator('code.secret').textContent())!;
      expect(secret).toMatch(/^whsec_/);
      receiver.secrets = [secret];
      await hooks.getByRole('cell', { name: receiver.url, exact: true }).waitFor();
      // A customer who consented to email enters the audience, as a batch of events would make them.
      await workspaces.use('default', async (store) => {
        const who = (await store.one<{ id: string }>(sql`SELECT id FROM customers WHERE consent_email IS TRUE ORDER BY id LIMIT 1`))!.id;
        await enqueueLiveChanges(store, [{ customerId: who, before: new Set(), after: new Set(['smart-big-spenders']) }], '2026-11-01 00:00:00');
      });
      while ((await request(base, 'GET', '/v1/webhooks/deliveries?status=dead', key)).json.total !== 1) await new Promise((resolve) => setTimeout(resolve, 100));

      await page.goto(`${base}/webhooks`);
      await settled(page);
      const row = page.locator('tbody tr', { hasText: 'audience.entered' });
      expect(await row.locator('td').nth(3).textContent()).toBe('dead');
      expect(await row.textContent()).toContain('HTTP 503');
      expect(await accessibilityViolations(page)).toEqual([]);
      receiver.fallback = { status: 200 };
      await row.getByRole('button', { name: /^Replay msg_/ }).click();
      await page.getByText(/is queued again/).waitFor();
      while (receiver.applied.size === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      // The log the replay reloaded has arrived before it is asked for again.
      await settled(page);
      await page.getByRole('button', { name: 'Refresh' }).click();
      await row.locator('td', { hasText: 'delivered' }).waitFor();
      expect([...receiver.applied.values()].every((r) => r.verified)).toBe(true);
      expect(receiver.received.map((r) => r.id)).toEqual([...receiver.applied.keys(), ...receiver.applied.keys()]);
      // Problems of the failed delivery are the receiver's, never the page's.
      expect(problems.console).toEqual([]);
      expect(problems.requests).toEqual([]);
    } finally {
      await page.close();
      await receiver.close();
    }
  });
});

describe('signing in', () => {
  it('shows the server\'s reason for a wrong key on the sign-in form, and signs in with a right one', async () => {
    const page = await browser.context.newPage();
    const problems = watch(page);
    try {
      await page.goto(`${base}/#key=sgm_wrong`);
      expect(await page.getByRole('alert').textContent()).toMatch(/unknown or revoked API key/);
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByLabel('API key').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('h1', { hasText: 'Overview' }).waitFor();
      // The wrong key is checked once, before any page asks for data: one refusal, nothing else.
      expect(problems.requests).toEqual([`GET ${base}/v1/stats: 401`]);
      expect(problems.console).toEqual([expect.stringContaining('401')]);
      expect(page.url()).not.toContain('sgm_');
    } finally {
      await page.close();
    }
  });
});
