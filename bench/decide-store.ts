/**
 * The decide benchmarks' store (bench/decide.ts, bench/alloc.ts): the demo shop at a size, run once, with 20 active
 * campaigns (every type, aimed at smart segments, rules and context); and the storefront's requests to it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createCampaign, listCampaigns, setCampaignStatus, type CampaignInput } from '../src/campaigns/index.js';
import { importDemoFiles } from '../src/demo/index.js';
import { DEMO_CAMPAIGNS } from '../src/demo/storefront-campaigns.js';
import { runPipeline } from '../src/pipeline/index.js';
import { sql } from '../src/sql/index.js';
import { Store } from '../src/store/index.js';
import { demoFiles } from './lib.js';

/** The origin the storefront key is made for, sent with every decide request. */
export const ORIGIN = 'http://bench.test';

/** 20 campaigns: the five demo ones and 15 more aimed at the smart segments, on pages and devices. */
function campaigns(): CampaignInput[] {
  const segments = ['smart-active-loyals', 'smart-big-spenders', 'smart-loyals-at-risk', 'smart-churn-candidates', 'smart-one-time-shoppers'];
  const extra = Array.from({ length: 15 }, (_, i): CampaignInput => {
    const base = structuredClone(DEMO_CAMPAIGNS[i % DEMO_CAMPAIGNS.length]!);
    return {
      ...base,
      name: `Bench ${i} ${base.type}`,
      priority: 30 + i,
      targeting: {
        audiences: { include: [segments[i % segments.length]!], exclude: i % 3 === 0 ? [segments[(i + 1) % segments.length]!] : [] },
        visitor: 'any',
        ...(i % 2 === 0 ? { page_types: ['product'] } : { url_pattern: `/(sale|new)/${i}` }),
        ...(i % 4 === 0 ? { devices: ['mobile' as const] } : {}),
      },
    };
  });
  return [...DEMO_CAMPAIGNS, ...extra];
}

/** The store at `out/decide-<customers>.duckdb`, made on first use; with its active campaigns and 5,000 customer ids. */
export async function decideStore(customers: number, out: string): Promise<{ db: string; active: number; ids: string[] }> {
  mkdirSync(out, { recursive: true });
  const db = join(out, `decide-${customers}.duckdb`);
  const fresh = !existsSync(db);
  const store = await Store.open({ path: db });
  if (fresh) {
    await importDemoFiles(store, await demoFiles(join(out, `demo-${customers}-1`), customers, 1));
    await runPipeline(store, '2026-11-01 00:00:00');
  }
  // A store made by another benchmark (bench/out/decide-1000000.duckdb linked to the dashboard's) gets its campaigns here.
  if ((await listCampaigns(store, 'active')).length === 0) for (const c of campaigns()) await setCampaignStatus(store, (await createCampaign(store, c)).id, 'active');
  const active = (await listCampaigns(store, 'active')).length;
  const ids = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY hash(id) LIMIT 5000`)).map((r) => r.id);
  store.close();
  return { db, active, ids };
}

const PAGES = ['home', 'product', 'cart'];
const DEVICES = ['desktop', 'mobile'];

/** The i-th storefront request: 20,000 visitors on sale pages, half of them signed-in customers. */
export function decidePath(i: number, key: string, ids: readonly string[]): string {
  const params = new URLSearchParams({ key, visitor: `bench-visitor-${i % 20_000}`, url: `${ORIGIN}/sale/${i % 15}`, page_type: PAGES[i % 3]!, device: DEVICES[i % 2]! });
  if (i % 2 === 0) params.set('customer', ids[i % ids.length]!);
  return `/v1/decide?${params.toString()}`;
}
