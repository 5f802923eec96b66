import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AxeResults } from 'axe-core';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';

/**
 * Debian's Chromium (`apt-get install chromium`, as .ci/run does), never a browser download. CHROMIUM overrides the
 * path for machines that keep it elsewhere.
 */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Where browser tests leave screenshots; ignored by git. */
export const ARTIFACTS = resolve('test-artifacts', 'dashboard');

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The dashboard built fresh from web/ into a temporary directory, so the test sees the sources as they are now. */
export async function buildDashboard(outDir: string): Promise<void> {
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build; build what npm run build does.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: resolve('web', 'vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

/** The storefront snippet built fresh from web/snippet into `outDir`, as `npm run build` builds it; returns the file. */
export async function buildSnippet(outDir: string): Promise<string> {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: resolve('web', 'snippet', 'vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return join(outDir, 'snippet.js');
}

/** Headless Chromium on a fresh profile, removed again by `close`. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM)`);
  const profile = mkdtempSync(join(tmpdir(), 'segmint-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What went wrong on a page while it was open: console errors, and requests that failed or were answered 4xx/5xx. */
export interface PageProblems {
  console: string[];
  requests: string[];
  /** Bytes of every JavaScript file the page loaded, by URL. */
  scripts: Map<string, Buffer>;
}

export function watch(page: Page): PageProblems {
  const problems: PageProblems = { console: [], requests: [], scripts: new Map() };
  page.on('console', (m) => {
    if (m.type() === 'error') problems.console.push(m.text());
  });
  page.on('pageerror', (e) => problems.console.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => problems.requests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText ?? 'failed'}`));
  page.on('response', async (r) => {
    if (r.status() >= 400) problems.requests.push(`${r.request().method()} ${r.url()}: ${r.status()}`);
    else if (r.request().resourceType() === 'script') problems.scripts.set(r.url(), await r.body());
  });
  return problems;
}

/** Waits until no part of the page says it is loading. */
export async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => document.querySelector('#main') !== null && document.querySelector('.loading') === null);
}

/**
 * Every chart on the page, by title, with the share of its canvas drawn in colour. Axes, labels and grid lines are
 * grey, so an empty chart has only its legend's few coloured pixels (0.2% for ten legend entries): the share says
 * whether data was drawn. Waits for the animations to end first.
 */
export async function chartCoverage(page: Page): Promise<Record<string, number>> {
  const charts = await page.locator('[data-chart]').count();
  if (charts === 0) return {};
  await page.waitForFunction(
    (n) => {
      const boxes = [...document.querySelectorAll('[data-chart]')];
      return boxes.length === n && boxes.every((b) => b.querySelector('canvas') !== null);
    },
    charts,
  );
  // Animations last 300 ms; wait until two readings a frame apart agree.
  let before = '';
  for (;;) {
    const now = await page.evaluate(() => {
      const out: Record<string, number> = {};
      for (const box of document.querySelectorAll<HTMLElement>('[data-chart]')) {
        // ECharts may draw on more than one canvas (a heat map draws its cells on a layer of their own).
        const canvases = [...box.querySelectorAll('canvas')];
        const canvas = canvases[0]!;
        let drawn = 0;
        for (const layer of canvases) {
          const data = layer.getContext('2d')!.getImageData(0, 0, layer.width, layer.height).data;
          for (let i = 0; i < data.length; i += 4) {
            const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
            if (a > 64 && Math.max(r, g, b) - Math.min(r, g, b) > 60) drawn++;
          }
        }
        out[box.dataset.chart!] = drawn / (canvas.width * canvas.height);
      }
      return out;
    });
    const text = JSON.stringify(now);
    if (text === before) return now;
    before = text;
    await page.waitForTimeout(200);
  }
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now, one line each. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's content security policy does not apply to.
  await page.evaluate(axeSource);
  const results = await page.evaluate(() => (window as unknown as { axe: { run: () => Promise<AxeResults> } }).axe.run());
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** How far the page scrolls sideways (0 when it fits its width). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
