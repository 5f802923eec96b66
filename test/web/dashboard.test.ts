import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspaces } from '../../src/server/index.js';
import { ROUTES, type RouteId } from '../../web/src/routes.js';
import { tempDir } from '../helpers.js';
import { serveForTest, stopServer } from '../server/harness.js';
import { accessibilityViolations, buildDashboard, chartCoverage, horizontalOverflow, launchBrowser, screenshot, settled, watch, type PageProblems } from './browser.js';
import { demoShop } from './demo-shop.js';

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
const ids = { customer: '', importId: '' };

/** Where each route is opened: its path with real ids of the demo shop. */
const PATHS: Record<RouteId, () => string> = {
  overview: () => '/',
};

const WIDTHS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
];

/** JavaScript the pages loaded, by URL, over every visit. */
const scripts = new Map<string, Buffer>();

beforeAll(async () => {
  const web = join(dir.path, 'web');
  await buildDashboard(web);
  let shop;
  ({ workspaces, ...shop } = await demoShop(dir.path));
  ({ key, customer: ids.customer, importId: ids.importId } = shop);
  ({ app, base } = await serveForTest(workspaces, { webRoot: web }));
  browser = await launchBrowser();
}, 300_000);

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
        expect(await page.locator('h1').textContent()).toBe(ROUTES.find((r) => r.id === id)!.title);
        expect(page.url(), 'the key is gone from the address bar').not.toContain('key=');
        const charts = await chartCoverage(page);
        for (const [title, drawn] of Object.entries(charts)) expect(drawn, `chart "${title}" draws no data`).toBeGreaterThan(0.01);
        expect(await accessibilityViolations(page)).toEqual([]);
        expect(await horizontalOverflow(page), 'the page scrolls sideways').toBeLessThanOrEqual(0);
        await screenshot(page, `${id}-${width.name}`);
        expect(problems.console).toEqual([]);
        expect(problems.requests).toEqual([]);
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
