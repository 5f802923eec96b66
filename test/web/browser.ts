import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AxeResults } from 'axe-core';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';
import { build } from 'vite';
import { builtAfter } from '../helpers/built-after.js';

/**
 * Debian's Chromium (`apt-get install chromium`, as .ci/run does), never a browser download. CHROMIUM overrides the
 * path for machines that keep it elsewhere.
 */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Where browser tests leave screenshots of pages that failed; ignored by git. */
export const ARTIFACTS = resolve('test-artifacts', 'dashboard');

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** `vite build` of `config` into `outDir`, as `npm run build` builds it. */
async function viteBuild(config: string, outDir: string): Promise<void> {
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build; build what npm run build does.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: config, mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

/**
 * The dashboard as the sources are now: dist/web when `npm run build` made it after the last change to web/, else
 * built fresh into `outDir`. Returns the folder to serve.
 */
export async function freshDashboard(outDir: string): Promise<string> {
  const built = resolve('dist', 'web');
  if (builtAfter(join(built, 'index.html'), ['package-lock.json', resolve('web')])) return built;
  await viteBuild(resolve('web', 'vite.config.ts'), outDir);
  return outDir;
}

/** The storefront snippet as web/snippet is now (dist/snippet when fresh, else built into `outDir`); returns the file. */
export async function freshSnippet(outDir: string): Promise<string> {
  const built = resolve('dist', 'snippet', 'snippet.js');
  if (builtAfter(built, ['package-lock.json', resolve('web', 'snippet')])) return built;
  await viteBuild(resolve('web', 'snippet', 'vite.config.ts'), outDir);
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

/** The requests of each watched page that have not finished yet, and who waits for there to be none. */
const underWay = new WeakMap<Page, { requests: Set<Request>; drained: Array<() => void> }>();

export function watch(page: Page): PageProblems {
  const problems: PageProblems = { console: [], requests: [], scripts: new Map() };
  const pending = { requests: new Set<Request>(), drained: [] as Array<() => void> };
  underWay.set(page, pending);
  const ended = (r: Request) => {
    pending.requests.delete(r);
    if (pending.requests.size === 0) for (const done of pending.drained.splice(0)) done();
  };
  page.on('request', (r) => pending.requests.add(r));
  page.on('requestfinished', ended);
  page.on('console', (m) => {
    if (m.type() === 'error') problems.console.push(m.text());
  });
  page.on('pageerror', (e) => problems.console.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => {
    problems.requests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText ?? 'failed'}`);
    ended(r);
  });
  page.on('response', async (r) => {
    if (r.status() >= 400) problems.requests.push(`${r.request().method()} ${r.url()}: ${r.status()}`);
    else if (r.request().resourceType() === 'script') problems.scripts.set(r.url(), await r.body());
  });
  return problems;
}

let waits = 0;

/**
 * Waits until no part of the page says it is loading: no `.loading` shown and no API call under way (the app counts
 * them on `<html data-requests>`) over three readings a frame apart, and, on a watched page, every request it made
 * answered. The frames let an effect that fetches after a render start its call; the page's own count cannot lag
 * behind as the browser's request events may.
 */
export async function settled(page: Page): Promise<void> {
  for (;;) {
    // The readings are counted on the page, per wait.
    await page.waitForFunction((wait) => {
      const quiet = document.querySelector('#main') !== null && document.querySelector('.loading') === null && (document.documentElement.dataset.requests ?? '0') === '0';
      const w = window as unknown as { quiet?: { wait: number; readings: number } };
      if (w.quiet?.wait !== wait) w.quiet = { wait, readings: 0 };
      w.quiet.readings = quiet ? w.quiet.readings + 1 : 0;
      return w.quiet.readings >= 3;
    }, ++waits);
    const pending = underWay.get(page);
    if (!pending || pending.requests.size === 0) return;
    await new Promise<void>((done) => pending.drained.push(done));
  }
}

/**
 * Every chart on the page, by title, with the share of its canvas drawn in colour. Axes, labels and grid lines are
 * grey, so an empty chart has only its legend's few coloured pixels (0.2% for ten legend entries): the share says
 * whether data was drawn. Read once every chart says it has finished drawing and animating (`data-drawn`, set on
 * ECharts' `finished` event by web/src/components/chart.tsx).
 */
export async function chartCoverage(page: Page): Promise<Record<string, number>> {
  const charts = await page.locator('[data-chart]').count();
  if (charts === 0) return {};
  await page.waitForFunction(
    (n) => {
      const boxes = [...document.querySelectorAll<HTMLElement>('[data-chart]')];
      return boxes.length === n && boxes.every((b) => b.dataset.drawn === 'true' && b.querySelector('canvas') !== null);
    },
    charts,
  );
  return page.evaluate(() => {
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
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now, one line each. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's content security policy does not apply to.
  await page.evaluate(axeSource);
  // Only violations are read: axe then works out selectors for their nodes alone, not for every node that passed.
  // axe is not in the page's frames (the campaign preview's frame is the snippet's, which storefront.test.ts checks),
  // so it would wait half a second for each frame to answer and then leave the frame out: it leaves them out at once.
  const results = await page.evaluate(() =>
    (window as unknown as { axe: { run: (context: Document, options: object) => Promise<AxeResults> } }).axe.run(document, { resultTypes: ['violations'], iframes: false }),
  );
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** How far the page scrolls sideways (0 when it fits its width). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * Runs `check`; when it fails, a full-page screenshot of the page as it failed is left in ARTIFACTS/`name`.png for
 * whoever reads the failure. Nothing compares screenshots, so a passing page takes none.
 */
export async function screenshotOnFailure(page: Page, name: string, check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (failure) {
    // The failure is what the test reports; a page too broken to be photographed must not hide it.
    await screenshot(page, name).catch(() => undefined);
    throw failure;
  }
}
