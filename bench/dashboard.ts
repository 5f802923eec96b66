/**
 * Dashboard benchmark (issue 12): on the demo store after its runs (1M customers by default), every page of the
 * dashboard opened in headless Chromium, the API calls each page makes recorded, then each call repeated on loopback
 * (p95, target < 300 ms); the time from navigation to the first chart drawn (target < 2 s); the JavaScript the pages
 * load, gzipped (target < 500 KB). The server runs as its own process (`segmint serve`, the dashboard `npm run build`
 * made), as in production.
 * Usage: npm run bench -- --only dashboard [--customers 1000000] [--seed 1] [--repeat 40] [--visits 5] [--out bench/out]
 * The store (bench/out/dashboard-<customers>-<seed>.duckdb) is built once: the demo files of that size (reused from
 * bench/out/demo-<customers>-<seed> when there), a run 91 days before the last event's day, the RFM and behavioral
 * clusterings, a run on that day (which refits them), the product clustering and a CLV fit.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { createCampaign, listCampaigns } from '../src/campaigns/index.js';
import { fitOnLatestRun, runPipeline } from '../src/pipeline/index.js';
import { fitProductClustering } from '../src/clusters/index.js';
import { importDemoFiles } from '../src/demo/index.js';
import { DEMO_CAMPAIGNS } from '../src/demo/storefront-campaigns.js';
import { defaultAsOf } from '../src/features/index.js';
import { fitClv, saveClvFit } from '../src/models/clv/index.js';
import { sql } from '../src/sql/index.js';
import { Store } from '../src/store/index.js';
import { launchBrowser, settled, watch } from '../test/web/browser.js';
import { ROUTES, type RouteId } from '../web/src/routes.js';
import { arg, benchMemory, demoFiles, fmt, newKey, serveStore, stopServer } from './lib.js';

const customers = Number(arg('customers', '1000000'));
const seed = Number(arg('seed', '1'));
const repeat = Number(arg('repeat', '40'));
const visits = Number(arg('visits', '5'));
const out = arg('out', join('bench', 'out'));
const demoDir = join(out, `demo-${customers}-${seed}`);
const db = join(out, `dashboard-${customers}-${seed}.duckdb`);
mkdirSync(out, { recursive: true });

const seconds = (since: number): number => (performance.now() - since) / 1000;

/**
 * The store, built under another name and renamed when complete, so a build that was stopped is started again rather
 * than measured.
 */
async function buildStore(): Promise<void> {
  const building = `${db}.building`;
  for (const f of [building, `${building}.wal`]) rmSync(f, { force: true });
  const store = await Store.open({ path: building, memory: benchMemory() });
  const steps: string[] = [];
  let t = performance.now();
  const files = await demoFiles(demoDir, customers, seed);
  await importDemoFiles(store, files);
  steps.push(`import ${fmt(seconds(t))} s`);
  const last = await defaultAsOf(store);
  const first = new Date(Date.parse(`${last.replace(' ', 'T')}Z`) - 91 * 86_400_000).toISOString().slice(0, 19).replace('T', ' ');
  t = performance.now();
  await runPipeline(store, first);
  steps.push(`run 1 ${fmt(seconds(t))} s`);
  t = performance.now();
  await fitOnLatestRun(store, 'rfm', { seed: 1 });
  await fitOnLatestRun(store, 'behavior', { seed: 1 });
  steps.push(`clusterings ${fmt(seconds(t))} s`);
  t = performance.now();
  await runPipeline(store, last);
  steps.push(`run 2 ${fmt(seconds(t))} s`);
  t = performance.now();
  await fitProductClustering(store, { seed: 1 });
  await saveClvFit(store, await fitClv(store, last, 'day'));
  steps.push(`product clusters and CLV ${fmt(seconds(t))} s`);
  // Everything into the file itself before it is renamed: no write-ahead log left beside the old name.
  await store.run(sql`CHECKPOINT`);
  store.close();
  renameSync(building, db);
  console.log(`Built ${db}: ${steps.join(', ')}`);
}

/** Builds the store unless a previous run left it; returns the ids the pages are opened at. */
async function prepareStore(): Promise<{ customer: string; importId: string; audience: string; campaign: string; runs: [string, string] }> {
  if (!existsSync(db)) await buildStore();
  const store = await Store.open({ path: db, memory: benchMemory() });
  try {
    const runs = await store.all<{ as_of: string }>(sql`SELECT strftime(as_of, '%Y-%m-%d %H:%M:%S') AS as_of FROM runs ORDER BY as_of`);
    const at = sql`(SELECT max(as_of) FROM runs)`;
    // A repeat buyer of the largest smart segment: the customer page has every part filled in.
    const audience = await store.one<{ id: string }>(sql`SELECT audience_id AS id FROM audience_runs WHERE as_of = ${at} AND audience_id LIKE 'smart-%'
      ORDER BY size DESC, audience_id LIMIT 1`);
    const customer = await store.one<{ id: string }>(sql`SELECT m.customer_id AS id FROM memberships m JOIN customer_features f USING (customer_id)
      WHERE m.as_of = ${at} AND m.audience_id = 'smart-active-loyals' AND f.orders >= 3 ORDER BY m.customer_id LIMIT 1`);
    const imported = await store.one<{ id: string }>(sql`SELECT id FROM imports WHERE entity = 'events' ORDER BY started_at DESC LIMIT 1`);
    // A campaign with an experiment for the campaign and results pages: the demo's hero, created once.
    const campaign = (await listCampaigns(store))[0] ?? (await createCampaign(store, DEMO_CAMPAIGNS.find((c) => c.experiment)!));
    return { customer: customer!.id, importId: imported!.id, audience: audience!.id, campaign: campaign.id, runs: [runs[0]!.as_of, runs.at(-1)!.as_of] };
  } finally {
    store.close();
  }
}

const started = performance.now();
const ids = await prepareStore();
console.log(`Store ready in ${fmt(seconds(started))} s`);

/** Where each page is opened; typed by the app's routes, so a new page must be added here. */
const PATHS: Record<RouteId, string> = {
  overview: '/',
  segments: '/segments',
  audiences: '/audiences',
  'new-audience': '/new-audience',
  audience: `/audiences/${ids.audience}`,
  clusters: '/clusters',
  behaviors: '/behaviors',
  movement: `/movement?${new URLSearchParams({ kind: 'rfm', from: ids.runs[0], to: ids.runs[1] }).toString()}`,
  campaigns: '/campaigns',
  'new-campaign': '/new-campaign',
  campaign: `/campaigns/${encodeURIComponent(ids.campaign)}`,
  'campaign-results': `/campaigns/${encodeURIComponent(ids.campaign)}/results`,
  customers: '/customers',
  customer: `/customers/${encodeURIComponent(ids.customer)}`,
  data: '/data',
  import: `/data/imports/${ids.importId}`,
  webhooks: '/webhooks',
  settings: '/settings',
};

const key = newKey(db);
const { server, url: base } = await serveStore(db);

interface Call {
  method: string;
  path: string;
  body: string | undefined;
}
/** The API calls each page made on its first visit, in order. */
const calls = new Map<RouteId, Call[]>();
/** Per page, per visit: ms from navigation to the first chart with data drawn (null: the page has no chart), and to settled. */
const timings = new Map<RouteId, Array<{ chart: number | null; settled: number }>>();
const scripts = new Map<string, Buffer>();

/**
 * The page's clock (ms since navigation) when a chart canvas first holds drawn data, checked every frame; null for a
 * page that finished loading without a chart.
 */
function firstChart(page: Page): Promise<number | null> {
  return page
    .waitForFunction(
      () => {
        const boxes = document.querySelectorAll('[data-chart]');
        if (boxes.length === 0 && document.querySelector('#main') && !document.querySelector('.loading')) return -1;
        for (const box of boxes) {
          for (const canvas of box.querySelectorAll('canvas')) {
            if (!canvas.width || !canvas.height) continue;
            const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
            let drawn = 0;
            // As the browser test counts a drawn chart: pixels in colour, not the grey of axes and labels.
            for (let i = 0; i < data.length; i += 16) if (data[i + 3]! > 64 && Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!) > 60) drawn++;
            if (drawn * 4 > canvas.width * canvas.height * 0.005) return performance.now();
          }
        }
        return false;
      },
      undefined,
      { polling: 'raf', timeout: 60_000 },
    )
    .then(async (h) => {
      const t = (await h.jsonValue()) as number;
      return t < 0 ? null : t;
    });
}

const browser = await launchBrowser();
try {
  for (const route of ROUTES) {
    const id = route.id;
    const list: Array<{ chart: number | null; settled: number }> = [];
    for (let v = 0; v < visits; v++) {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1280, height: 900 });
      const problems = watch(page);
      const seen: Call[] = [];
      page.on('request', (r) => {
        const url = new URL(r.url());
        if (url.pathname.startsWith('/v1/')) seen.push({ method: r.method(), path: url.pathname + url.search, body: r.postData() ?? undefined });
      });
      await page.goto(`${base}${PATHS[id]}#key=${key}`, { waitUntil: 'commit' });
      const chart = await firstChart(page);
      await settled(page);
      list.push({ chart, settled: await page.evaluate(() => performance.now()) });
      if (problems.requests.length || problems.console.length) throw new Error(`${id}: ${[...problems.requests, ...problems.console].join('; ')}`);
      for (const [url, body] of problems.scripts) scripts.set(url, body);
      if (v === 0) calls.set(id, seen);
      await page.close();
    }
    timings.set(id, list);
  }
} finally {
  await browser.close();
}

/** Reads only: a page's writes (none on load) are not repeated. */
const isRead = (c: Call): boolean => c.method === 'GET' || /^\/v1\/rules\/(check|preview)$/.test(c.path);
const unique = new Map<string, Call>();
for (const list of calls.values()) for (const c of list) if (isRead(c)) unique.set(`${c.method} ${c.path} ${c.body ?? ''}`, c);

const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
const latency = new Map<string, { first: number; p50: number; p95: number; max: number; bytes: number }>();
for (const [name, c] of unique) {
  const once = async (): Promise<[number, number]> => {
    const t = performance.now();
    const res = await fetch(`${base}${c.path}`, { method: c.method, headers, body: c.body });
    const body = await res.arrayBuffer();
    if (!res.ok) throw new Error(`${name}: ${res.status}`);
    return [performance.now() - t, body.byteLength];
  };
  const [first, bytes] = await once();
  await once();
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) times.push((await once())[0]);
  times.sort((a, b) => a - b);
  const rank = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  latency.set(name, { first, p50: rank(0.5), p95: rank(0.95), max: times.at(-1)!, bytes });
}
await stopServer(server);

const gzipped = [...scripts.values()].reduce((sum, body) => sum + gzipSync(body, { level: 9 }).length, 0);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const [load1, load5] = loadavg();
console.log(
  `\nDashboard on ${fmt(customers, 0)} customers (runs ${ids.runs.join(', ')}), ${availableParallelism()} cores, ${fmt(totalmem() / 1024 ** 3, 0)} GiB, load average ${fmt(load1!, 2)} / ${fmt(load5!, 2)} (1 / 5 min) at the end`,
);
console.log(`\nAPI calls the pages make, each repeated ${repeat} times on loopback after 2 unmeasured (target p95 < 300 ms):`);
const pagesOf = (name: string) => [...calls].filter(([, list]) => list.some((c) => `${c.method} ${c.path} ${c.body ?? ''}` === name)).map(([id]) => id);
let slow = 0;
for (const [name, l] of latency) {
  if (l.p95 >= 300) slow++;
  console.log(
    `  ${name.trim().padEnd(78)} p50 ${fmt(l.p50).padStart(6)} ms  p95 ${fmt(l.p95).padStart(6)} ms  max ${fmt(l.max).padStart(6)} ms  first ${fmt(l.first).padStart(6)} ms  ${fmt(l.bytes / 1024)} KB  [${pagesOf(name).join(', ')}]${l.p95 >= 300 ? '  MISSES' : ''}`,
  );
}
console.log(`\nNavigation to the first chart drawn, headless Chromium at 1280 px, ${visits} visits each, the first with an empty cache (target < 2,000 ms):`);
let late = 0;
for (const [id, list] of timings) {
  const charts = list.map((t) => t.chart).filter((t): t is number => t !== null);
  const worst = charts.length ? Math.max(...charts) : null;
  if (worst !== null && worst >= 2000) late++;
  const chart = charts.length ? `first chart: first visit ${fmt(charts[0]!, 0)} ms, median ${fmt(median(charts), 0)} ms, worst ${fmt(worst!, 0)} ms` : 'no chart';
  console.log(`  ${id.padEnd(14)} ${chart.padEnd(72)} settled (median) ${fmt(median(list.map((t) => t.settled)), 0)} ms${worst !== null && worst >= 2000 ? '  MISSES' : ''}`);
}
console.log(`\nJavaScript loaded: ${scripts.size} file(s), ${fmt(gzipped / 1024)} KB gzipped (target < 500 KB)`);
console.log(`\n${latency.size - slow} of ${latency.size} calls under 300 ms at p95; ${timings.size - late} of ${timings.size} pages draw their first chart (or have none) within 2 s.`);
writeFileSync(
  join(out, `dashboard-${customers}-${seed}.json`),
  JSON.stringify({ customers, load: loadavg(), calls: Object.fromEntries(calls), latency: Object.fromEntries(latency), timings: Object.fromEntries(timings), scripts: scripts.size, gzipped }, null, 1),
);
