import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSync, exportsDir, writeExport } from '../../src/activation/index.js';
import { createWebhook, listDeliveries } from '../../src/activation/webhooks/index.js';
import { createAudience } from '../../src/audiences/index.js';
import { createBehavior } from '../../src/audiences/custom-behaviors.js';
import { createCampaign, setAudienceHoldout, setCampaignStatus, storeCampaignEvents } from '../../src/campaigns/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { fitClv, saveClvFit } from '../../src/models/clv/index.js';
import { createKey, listKeys, Workspaces } from '../../src/server/index.js';
import { ident, sql, storeColumns, update } from '../../src/sql/index.js';
import { copyTables, importFile, presetMapping, type Store } from '../../src/store/index.js';
import { ENGINES, workspacesPath } from '../engines.js';
import { memoryStore, tempDir } from '../helpers.js';
import { request, serverRoutes, serveForTest, stopServer, undocumented, type OpenApiDoc } from './harness.js';
import { fitOnLatestRun, runPipeline } from '../../src/pipeline/index.js';

/**
 * Workspace isolation, route by route. Workspace A (`default`, the one a careless lookup would fall back to) holds a
 * demo shop with runs, clusters, a CLV fit, imports and a built live view; workspace B holds a few customers of its
 * own. B's admin key then calls every route the server has, asking for A's ids and for its own, and no reply may
 * show any row of A. The route list is read from the server itself, so a route added later without a request here
 * fails the test instead of going unchecked.
 */

const A = 'default';
const B = 'other';
let dir: ReturnType<typeof tempDir>;
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let bKey = '';
let aKey = '';
/** Ids of A's rows that requests below aim at. */
const a = { customer: '', audience: '', import: '', key: '', job: '', campaign: '', draft: '', visitor: 'a-visitor-1', export: '', sync: '', webhook: '', delivery: '' };
/** B's own audience with members at its run, a profile job of it, an export and a sync of it, and a webhook with a dead letter. */
const b = { audience: '', job: '', export: '', sync: '', webhook: '', delivery: '' };
const A_HOOK = 'http://127.0.0.1:9/a-secret-hook';
/** A campaign B creates for itself. */
const B_BAR = { type: 'notification_bar', content: { message: 'B news' } };
/** Every id, email and name of A's rows, to look for in B's replies. */
let aTokens: string[] = [];
let bImport = '';

const B_EVENTS = [
  'id,type,ts,customer_id,product_id,order_id,quantity,unit_price',
  ...Array.from({ length: 12 }, (_, i) => [
    `b-e${i}-1,view,2026-10-0${1 + (i % 9)} 10:00:00,b-cust-${i},b-prod-${i % 3},,,`,
    `b-e${i}-2,order,2026-10-0${1 + (i % 9)} 11:00:00,b-cust-${i},b-prod-${i % 3},b-ord-${i},${1 + (i % 4)},${10 + i}`,
    // A repeat purchase for most, so that B's CLV fit has repeat buyers.
    ...(i % 4 === 0 ? [] : [`b-e${i}-3,order,2026-10-1${i % 9} 11:00:00,b-cust-${i},b-prod-${(i + 1) % 3},b-ord-${i}-2,1,${20 + i}`]),
  ]).flat(),
].join('\n');

/** Ids B holds itself: B may see those even where A has the same (both have the built-in audiences). */
async function bOwn(): Promise<Set<string>> {
  const rows = await workspaces.use(B, (s) =>
    s.all<{ v: string }>(sql`SELECT id AS v FROM customers UNION ALL SELECT email FROM customers WHERE email IS NOT NULL
      UNION ALL SELECT id FROM audiences UNION ALL SELECT name FROM audiences UNION ALL SELECT id FROM products UNION ALL SELECT id FROM imports
      UNION ALL SELECT id FROM campaigns UNION ALL SELECT name FROM campaigns`),
  );
  const keys = (await listKeys(workspaces.control, B)).map((k) => k.id);
  return new Set([...rows.map((r) => r.v), ...keys]);
}

async function tokensOf(store: Store): Promise<string[]> {
  const rows = await store.all<{ v: string }>(sql`SELECT id AS v FROM customers UNION ALL SELECT email FROM customers WHERE email IS NOT NULL
    UNION ALL SELECT id FROM audiences UNION ALL SELECT name FROM audiences UNION ALL SELECT id FROM products
    UNION ALL SELECT id FROM imports UNION ALL SELECT DISTINCT order_id FROM events WHERE order_id IS NOT NULL
    UNION ALL SELECT id FROM campaigns UNION ALL SELECT name FROM campaigns UNION ALL SELECT DISTINCT visitor_id FROM campaign_events`);
  return rows.map((r) => r.v);
}

interface Call {
  path: string;
  body?: unknown;
  /** A file for POST /v1/imports, sent as the raw body. */
  file?: string;
}

/**
 * One or more requests per route, `METHOD /path/:param` as the server names it: with A's ids, which B must not reach,
 * and with B's own, which must answer with B's rows only. Writes come with B's data.
 */
const FIXTURES: Record<string, () => Call[]> = {
  // Writes first, so that the reads after them find B's rows to answer with.
  'POST /v1/events': () => [{ path: '/v1/events', body: { events: [{ id: 'b-live-1', type: 'view', ts: '2026-10-20T10:00:00Z', customer_id: 'b-cust-1', product_id: 'b-prod-1' }] } }],
  'POST /v1/imports': () => [{ path: '/v1/imports?preset=segmint-events&name=b-more.csv', file: B_EVENTS.replaceAll('b-e', 'b-f') }],
  'POST /v1/audiences': () => [{ path: '/v1/audiences', body: { name: 'B buyers', rule: 'orders >= 1' } }],
  'POST /v1/runs': () => [{ path: '/v1/runs', body: { as_of: '2026-10-15' } }, { path: '/v1/runs', body: {} }],
  'POST /v1/clusters': () => [{ path: '/v1/clusters', body: { method: 'rfm', k: 2, seed: 1 } }],
  'POST /v1/clv/fit': () => [{ path: '/v1/clv/fit', body: {} }],
  'POST /v1/keys': () => [{ path: '/v1/keys', body: { scopes: ['audiences:read'] } }],
  'PUT /v1/customers/:id/consent': () => [
    { path: `/v1/customers/${a.customer}/consent`, body: { email: false } },
    { path: '/v1/customers/b-cust-1/consent', body: { email: true } },
  ],
  'POST /v1/campaigns': () => [
    { path: '/v1/campaigns', body: { ...B_BAR, name: 'B bar' } },
    { path: '/v1/campaigns', body: { ...B_BAR, name: 'B draft' } },
    // A's audience is unknown here.
    { path: '/v1/campaigns', body: { ...B_BAR, name: 'B aimed at A', targeting: { audiences: { include: [a.audience], exclude: [] } } } },
  ],
  'PUT /v1/campaigns/:id': () => [
    { path: `/v1/campaigns/${a.campaign}`, body: { ...B_BAR, name: 'taken over' } },
    { path: '/v1/campaigns/cmp-b-bar', body: { ...B_BAR, name: 'B bar', priority: 5 } },
  ],
  'POST /v1/campaigns/:id/activate': () => [{ path: `/v1/campaigns/${a.campaign}/activate` }, { path: '/v1/campaigns/cmp-b-bar/activate' }],
  'GET /v1/decide': () => [{ path: `/v1/decide?visitor=${a.visitor}&customer=${a.customer}` }, { path: '/v1/decide?visitor=b-visitor&customer=b-cust-1' }],
  'POST /v1/campaign-events': () => [
    { path: '/v1/campaign-events', body: { visitor_id: 'b-visitor', events: [{ id: 'b-ev-00001', campaign_id: a.campaign, variant: 'default', type: 'click' }] } },
    { path: '/v1/campaign-events', body: { visitor_id: 'b-visitor', customer_id: 'b-cust-1', events: [{ id: 'b-ev-00002', campaign_id: 'cmp-b-bar', variant: 'default', type: 'impression' }] } },
  ],
  'GET /v1/campaigns': () => [{ path: '/v1/campaigns' }],
  'GET /v1/campaigns/:id': () => [{ path: `/v1/campaigns/${a.campaign}` }, { path: '/v1/campaigns/cmp-b-bar' }],
  'GET /v1/campaigns/:id/report': () => [{ path: `/v1/campaigns/${a.campaign}/report` }, { path: '/v1/campaigns/cmp-b-bar/report' }],
  'PUT /v1/audiences/:id/holdout': () => [{ path: `/v1/audiences/${a.audience}/holdout`, body: { share: 5 } }, { path: '/v1/audiences/b-buyers/holdout', body: { share: 5 } }],
  'GET /v1/audiences/:id/holdout': () => [{ path: `/v1/audiences/${a.audience}/holdout` }, { path: '/v1/audiences/b-buyers/holdout' }],
  'GET /v1/audiences/:id/holdout-report': () => [{ path: `/v1/audiences/${a.audience}/holdout-report` }, { path: '/v1/audiences/b-buyers/holdout-report' }],
  'POST /v1/campaigns/:id/pause': () => [{ path: `/v1/campaigns/${a.campaign}/pause` }, { path: '/v1/campaigns/cmp-b-bar/pause' }],
  'POST /v1/campaigns/:id/end': () => [{ path: `/v1/campaigns/${a.campaign}/end` }, { path: '/v1/campaigns/cmp-b-bar/end' }],
  'PATCH /v1/audiences/:id': () => [
    { path: `/v1/audiences/${a.audience}`, body: { description: 'taken over' } },
    { path: '/v1/audiences/b-buyers', body: { description: 'B only' } },
  ],
  'POST /v1/audiences/:id/exports': () => [
    { path: `/v1/audiences/${a.audience}/exports`, body: { destination: 'meta' } },
    { path: `/v1/audiences/${b.audience}/exports`, body: { columns: ['id', 'email', 'orders'] } },
    { path: `/v1/audiences/${b.audience}/exports`, body: { dry_run: true } },
  ],
  'GET /v1/exports/:id/file': () => [{ path: `/v1/exports/${a.export}/file` }, { path: `/v1/exports/${b.export}/file` }],
  'POST /v1/export-syncs': () => [{ path: '/v1/export-syncs', body: { audience: a.audience } }, { path: '/v1/export-syncs', body: { audience: b.audience, destination: 'google' } }],
  'GET /v1/export-syncs': () => [{ path: '/v1/export-syncs' }],
  'GET /v1/stats': () => [{ path: '/v1/stats' }],
  'GET /v1/runs': () => [{ path: '/v1/runs' }],
  'GET /v1/rfm': () => [{ path: '/v1/rfm' }],
  'GET /v1/rules/vocabulary': () => [{ path: '/v1/rules/vocabulary' }],
  'POST /v1/rules/check': () => [{ path: '/v1/rules/check', body: { rule: 'in audience "B buyers" and orders >= 1' } }],
  'POST /v1/rules/preview': () => [
    { path: '/v1/rules/preview', body: { rule: 'in audience "A secret shoppers"' } },
    { path: '/v1/rules/preview', body: { rule: 'in audience "B buyers" and orders >= 1' } },
  ],
  'GET /v1/customers/:id/events': () => [{ path: `/v1/customers/${a.customer}/events` }, { path: '/v1/customers/b-cust-1/events' }],
  'GET /v1/customers/:id/audiences': () => [{ path: `/v1/customers/${a.customer}/audiences` }, { path: '/v1/customers/b-cust-1/audiences' }],
  'POST /v1/classify': () => [
    { path: '/v1/classify', body: { customer_id: a.customer } },
    { path: '/v1/classify', body: { customer_id: 'b-cust-1' } },
    { path: '/v1/classify', body: { features: { orders: 5, revenue: 900 } } },
  ],
  'GET /v1/customers/:id/features': () => [{ path: `/v1/customers/${a.customer}/features` }, { path: '/v1/customers/b-cust-1/features' }],
  'GET /v1/customers/:id/explain': () => [{ path: `/v1/customers/${a.customer}/explain` }, { path: '/v1/customers/b-cust-1/explain' }],
  'GET /v1/customers/:id/clv': () => [{ path: `/v1/customers/${a.customer}/clv` }, { path: '/v1/customers/b-cust-1/clv' }],
  'GET /v1/customers/:id/profile': () => [{ path: `/v1/customers/${a.customer}/profile?refresh=true` }, { path: '/v1/customers/b-cust-1/profile?refresh=true' }],
  'POST /v1/audiences/:id/profiles': () => [
    { path: `/v1/audiences/${a.audience}/profiles`, body: {} },
    { path: `/v1/audiences/${b.audience}/profiles`, body: { refresh: true } },
  ],
  'GET /v1/profile-jobs/:id': () => [{ path: `/v1/profile-jobs/${a.job}` }, { path: `/v1/profile-jobs/${b.job}` }],
  'GET /v1/profile-jobs/:id/profiles': () => [{ path: `/v1/profile-jobs/${a.job}/profiles` }, { path: `/v1/profile-jobs/${b.job}/profiles` }],
  'GET /v1/audiences/:id/profile-groups': () => [{ path: `/v1/audiences/${a.audience}/profile-groups` }, { path: `/v1/audiences/${b.audience}/profile-groups` }],
  'GET /v1/customers/:id/export': () => [{ path: `/v1/customers/${a.customer}/export` }, { path: '/v1/customers/b-cust-1/export' }],
  'GET /v1/audiences': () => [{ path: '/v1/audiences' }],
  'GET /v1/audiences/:id': () => [{ path: `/v1/audiences/${a.audience}` }, { path: '/v1/audiences/b-buyers' }],
  'GET /v1/audiences/:id/members': () => [{ path: `/v1/audiences/${a.audience}/members` }, { path: '/v1/audiences/b-buyers/members' }],
  'GET /v1/movement': () => [{ path: '/v1/movement?from=2026-10-15&to=2026-11-01&kind=rfm' }, { path: '/v1/movement?from=2026-10-15&to=2026-10-21&kind=rfm' }],
  'GET /v1/overlap': () => [
    { path: `/v1/overlap?audience=${a.audience}&audience=rfm-champions` },
    { path: '/v1/overlap?audience=rfm-champions&audience=b-buyers' },
  ],
  'GET /v1/clusters/:method': () => [{ path: '/v1/clusters/rfm' }, { path: '/v1/clusters/behavior' }],
  'GET /v1/clusters/:method/sample': () => [{ path: '/v1/clusters/rfm/sample' }, { path: '/v1/clusters/behavior/sample' }],
  'POST /v1/behaviors/preview': () => [
    { path: '/v1/behaviors/preview', body: { text: 'customers with more than one order' } },
    { path: '/v1/behaviors/preview', body: { text: 'customers in audience A secret shoppers', spec: 'in audience "A secret shoppers"' } },
  ],
  'POST /v1/behaviors': () => [
    { path: '/v1/behaviors', body: { name: 'B repeat buyers', text: 'customers with more than one order', active: true } },
    // A's name is taken in A only.
    { path: '/v1/behaviors', body: { name: 'A secret behavior', spec: 'orders >= 1' } },
  ],
  'GET /v1/behaviors': () => [{ path: '/v1/behaviors' }, { path: '/v1/behaviors?entity=products' }],
  'GET /v1/behaviors/:id': () => [{ path: '/v1/behaviors/a-secret-behavior' }, { path: '/v1/behaviors/b-repeat-buyers' }],
  'POST /v1/behaviors/:id/deactivate': () => [{ path: '/v1/behaviors/a-secret-behavior/deactivate' }, { path: '/v1/behaviors/b-repeat-buyers/deactivate' }],
  'POST /v1/behaviors/:id/activate': () => [{ path: '/v1/behaviors/a-secret-behavior/activate' }, { path: '/v1/behaviors/b-repeat-buyers/activate' }],
  'GET /v1/keys': () => [{ path: '/v1/keys' }],
  'GET /v1/audit': () => [{ path: '/v1/audit?limit=1000' }],
  'GET /v1/imports': () => [{ path: '/v1/imports' }],
  'GET /v1/imports/presets': () => [{ path: '/v1/imports/presets' }],
  'GET /v1/imports/:id': () => [{ path: `/v1/imports/${a.import}` }, { path: `/v1/imports/${bImport}` }],
  'GET /v1/imports/:id/quarantine': () => [{ path: `/v1/imports/${a.import}/quarantine` }, { path: `/v1/imports/${bImport}/quarantine` }],
  // Deletions last.
  'POST /v1/webhooks': () => [
    { path: '/v1/webhooks', body: { audience_id: a.audience, url: 'https://93.184.215.14/hook' } },
    { path: '/v1/webhooks', body: { audience_id: 'b-buyers', url: 'https://93.184.215.14/hook', events: ['exit'] } },
  ],
  'GET /v1/webhooks': () => [{ path: '/v1/webhooks' }, { path: `/v1/webhooks?audience=${a.audience}` }],
  'GET /v1/webhooks/:id': () => [{ path: `/v1/webhooks/${a.webhook}` }, { path: `/v1/webhooks/${b.webhook}` }],
  'POST /v1/webhooks/:id/rotate': () => [{ path: `/v1/webhooks/${a.webhook}/rotate`, body: {} }, { path: `/v1/webhooks/${b.webhook}/rotate`, body: { grace_hours: 1 } }],
  'GET /v1/webhooks/deliveries': () => [{ path: '/v1/webhooks/deliveries' }, { path: `/v1/webhooks/deliveries?subscription_id=${a.webhook}` }],
  'POST /v1/webhooks/deliveries/:id/replay': () => [{ path: `/v1/webhooks/deliveries/${a.delivery}/replay` }, { path: `/v1/webhooks/deliveries/${b.delivery}/replay` }],
  'DELETE /v1/webhooks/:id': () => [{ path: `/v1/webhooks/${a.webhook}` }, { path: `/v1/webhooks/${b.webhook}` }],
  'DELETE /v1/customers/:id': () => [{ path: `/v1/customers/${a.customer}` }, { path: '/v1/customers/b-cust-11' }],
  'DELETE /v1/audiences/:id': () => [{ path: `/v1/audiences/${a.audience}` }, { path: '/v1/audiences/b-buyers' }],
  'DELETE /v1/keys/:id': () => [{ path: `/v1/keys/${a.key}` }],
  'DELETE /v1/campaigns/:id': () => [{ path: `/v1/campaigns/${a.draft}` }, { path: '/v1/campaigns/cmp-b-draft' }],
  'DELETE /v1/imports/:id': () => [{ path: `/v1/imports/${a.import}` }, { path: `/v1/imports/${bImport}` }],
  'DELETE /v1/export-syncs/:id': () => [{ path: `/v1/export-syncs/${a.sync}` }, { path: `/v1/export-syncs/${b.sync}` }],
};

async function send(method: string, call: Call, key: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  let body: string | undefined;
  if (call.file !== undefined) {
    headers['content-type'] = 'text/csv';
    body = call.file;
  } else if (call.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.body);
  }
  const res = await fetch(`${base}${call.path}`, { method, headers, body });
  const type = res.headers.get('content-type')?.split(';')[0] ?? 'application/json';
  return { status: res.status, text: await res.text(), type };
}

/**
 * A's shop up to its first run (imported, its audience, behavior and webhook made, run as of 2026-10-15), built once on
 * DuckDB for both engines and copied into A's workspace: on chdb that import and run took 6 s of CPU and 12 s of wall
 * time, the copy takes 1 s. Everything after, the latest run included, is done on the engine under test.
 */
const aFirstRun = tempDir();
let aShop: Promise<Store> | undefined;

async function buildAShop(): Promise<Store> {
  const s = await memoryStore();
  await importDemoFiles(s, await generateDemo({ customers: 300, seed: 21, outDir: join(aFirstRun.path, 'demo') }));
  await createAudience(s, { name: 'A secret shoppers', rule: 'orders >= 2' });
  await createBehavior(s, { name: 'A secret behavior', spec: 'orders >= 3', active: true });
  a.webhook = (await createWebhook(s, { audience_id: a.audience, url: A_HOOK }, 'loopback')).id;
  await runPipeline(s, '2026-10-15 00:00:00');
  return s;
}

/**
 * Every table of `from` (a DuckDB store) that holds rows and that a new store has too: the rows, the runs and their
 * memberships. Not the tables a run makes (the feature table, the previews' lines) nor `settings`, which marks them
 * built and holds caches of them: the engine's run makes its own, as a first run does.
 */
async function copyShop(from: Store, to: Store): Promise<void> {
  const there = new Set((await to.all<{ t: string }>(sql`SELECT DISTINCT table_name AS t FROM ${storeColumns()} c`)).map((r) => r.t));
  there.delete('settings');
  const tables: string[] = [];
  for (const { t } of await from.all<{ t: string }>(sql`SELECT table_name AS t FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1`)) {
    if (there.has(t) && Number((await from.one<{ n: number }>(sql`SELECT count(*) AS n FROM ${ident(t)}`))!.n) > 0) tables.push(t);
  }
  await copyTables(from, to, tables);
}

afterAll(async () => {
  if (aShop) (await aShop).close();
  aFirstRun.cleanup();
});

describe.each(ENGINES)('on %s', (engine) => {
  beforeAll(async () => {
    dir = tempDir();
    workspaces = await Workspaces.open({ dbPath: workspacesPath(engine, dir.path) });
    a.audience = 'a-secret-shoppers';
    aShop ??= buildAShop();
    const shop = await aShop;
    await workspaces.use(A, async (s) => {
      await copyShop(shop, s);
      await runPipeline(s, '2026-11-01 00:00:00');
      await fitOnLatestRun(s, 'rfm', { seed: 1 });
      await saveClvFit(s, await fitClv(s, '2026-11-01 00:00:00', 'day'));
      const aimed = await createCampaign(s, { type: 'popup_banner', name: 'A secret campaign', content: { headline: 'A only', cta: { label: 'Go' } }, targeting: { audiences: { include: [a.audience], exclude: [] } } });
      a.campaign = (await setCampaignStatus(s, aimed.id, 'active')).id;
      await setAudienceHoldout(s, a.audience, { share: 10 });
      a.draft = (await createCampaign(s, { type: 'notification_bar', name: 'A secret draft', content: { message: 'A draft' } })).id;
      await storeCampaignEvents(s, { visitor_id: a.visitor, events: [{ id: 'a-ev-000001', campaign_id: a.campaign, variant: 'default', type: 'impression' }] }, new Map([[a.campaign, aimed]]));
      aTokens = await tokensOf(s);
      a.customer = (await s.one<{ id: string }>(sql`SELECT customer_id AS id FROM memberships WHERE audience_id = 'a-secret-shoppers' ORDER BY 1 LIMIT 1`))!.id;
      a.import = (await s.one<{ id: string }>(sql`SELECT id FROM imports ORDER BY started_at LIMIT 1`))!.id;
      a.export = (await writeExport(s, a.audience, { format: 'csv', columns: ['id', 'email'] }, { dir: exportsDir(s) })).id;
      a.sync = (await createSync(s, { audience: a.audience, format: 'csv', destination: 'meta' })).id;
      aTokens.push(a.export, a.sync);
      a.delivery = (await listDeliveries(s)).deliveries[0]!.id;
      aTokens.push(a.webhook, a.delivery, A_HOOK);
    });
    await workspaces.rebuildView(A);
    expect(workspaces.view(A)?.audiencesOf(a.customer)).toBeDefined();
    const eventsFile = join(dir.path, 'b-events.csv');
    writeFileSync(eventsFile, B_EVENTS);
    await workspaces.use(B, async (s) => {
      bImport = (await importFile(s, eventsFile, presetMapping('segmint-events'))).import_id;
      b.webhook = (await createWebhook(s, { audience_id: 'rfm-champions', url: 'http://127.0.0.1:9/b-hook' }, 'loopback')).id;
      await runPipeline(s, '2026-10-21 00:00:00');
      // A dead letter of B's, to replay.
      b.delivery = (await listDeliveries(s)).deliveries[0]!.id;
      await s.run(sql`${update(sql`webhook_deliveries`)} status = 'dead', next_attempt_at = NULL WHERE id = ${b.delivery}`);
    });
    b.audience = (await workspaces.use(B, (s) => s.one<{ id: string }>(sql`SELECT audience_id AS id FROM memberships GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`)))!.id;
    await workspaces.use(B, async (s) => {
      b.export = (await writeExport(s, b.audience, { format: 'jsonl', columns: ['id', 'email'] }, { dir: exportsDir(s) })).id;
      b.sync = (await createSync(s, { audience: b.audience, format: 'csv' })).id;
    });
    await workspaces.rebuildView(B);
    ({ key: aKey, id: a.key } = await createKey(workspaces.control, A, ['admin'], 'test'));
    bKey = (await createKey(workspaces.control, B, ['admin'], 'test')).key;
    aTokens.push(a.key);
    ({ app, base } = await serveForTest(workspaces));
    // A finished profile job in each workspace, for B to ask about.
    for (const [job, audience, jobKey] of [['a', a.audience, aKey], ['b', b.audience, bKey]] as const) {
      const started = await request(base, 'POST', `/v1/audiences/${audience}/profiles`, jobKey, {});
      expect(started.status, started.text).toBe(202);
      const id = (started.json as { id: string }).id;
      while ((await request(base, 'GET', `/v1/profile-jobs/${id}`, jobKey)).json.status === 'running') await new Promise((resolve) => setTimeout(resolve, 100));
      (job === 'a' ? a : b).job = id;
    }
    aTokens.push(a.job);
  }, 180_000);

  afterAll(() => stopServer(app, workspaces, dir));

  describe('workspace isolation on every route', () => {
    it('has a request for every route the server holds, and none for a route it lacks', () => {
      const routes = serverRoutes(app).filter((r) => r.includes(' /v1/'));
      expect(routes.length).toBeGreaterThan(20);
      expect(routes.filter((r) => !(r in FIXTURES)), 'routes without a request in FIXTURES').toEqual([]);
      expect(Object.keys(FIXTURES).filter((r) => !routes.includes(r)), 'requests for routes the server lacks').toEqual([]);
    });

    it("shows an admin key of workspace B none of workspace A's rows, and changes nothing of A", async () => {
      const before = await workspaces.use(A, (s) => s.one(sql`SELECT (SELECT count(*) FROM customers) AS c, (SELECT count(*) FROM events) AS e,
        (SELECT count(*) FROM memberships) AS m, (SELECT count(*) FROM audiences) AS a, (SELECT max(description) FROM audiences WHERE id = ${a.audience}) AS d`));
      const answered: string[] = [];
      const doc = (await request(base, 'GET', '/docs/json')).json as OpenApiDoc;
      const notAsDocumented: string[] = [];
      expect(Object.keys(FIXTURES).sort()).toEqual(serverRoutes(app).filter((r) => r.includes(' /v1/')).sort());
      for (const [route, calls] of Object.entries(FIXTURES)) {
        const method = route.split(' ')[0]!;
        for (const call of calls()) {
          const where = `${method} ${call.path}`;
          const reply = await send(method, call, bKey);
          expect(reply.status, `${where}: ${reply.text}`).toBeLessThan(500);
          // Random text of mixed case and digits, a 4-character id of A (C123, P042) could turn up in by chance: a created
          // key, a webhook's signing secret (created, rotated), the test folder's name in the path of B's import.
          const text = reply.text.replace(/sgm_[A-Za-z0-9_-]{43}|whsec_[A-Za-z0-9+/]{43}=|segmint-test-[A-Za-z0-9]{6}/g, '');
          // A refusal may echo what it was asked for; any other reply shows nothing of A at all.
          const asked = reply.status >= 400 ? `${call.path} ${JSON.stringify(call.body ?? '')}` : '';
          const found = aTokens.filter((t) => !asked.includes(t) && text.includes(t));
          // B's own ids are read only for a reply that holds some of A's (a third of this test's time when read for each).
          const own = found.length > 0 ? await bOwn() : new Set<string>();
          const seen = found.filter((t) => !own.has(t));
          expect(seen, `${where} (${reply.status}) shows A's rows: ${text.slice(0, 300)}`).toEqual([]);
          if (reply.status < 300) answered.push(where);
          // A download answers its file, documented as text of its content type.
          const body = reply.type === 'application/json' ? JSON.parse(reply.text) : reply.text;
          notAsDocumented.push(...undocumented(doc, route, reply.status, body, reply.type));
        }
      }
      // Every reply, success or refusal, has its status and its body as /docs/json says.
      expect(notAsDocumented).toEqual([]);
      // B's own requests succeed, so the replies checked above held B's data, not only refusals.
      for (const must of [`GET /v1/exports/${b.export}/file`, `POST /v1/audiences/${b.audience}/exports`, `DELETE /v1/export-syncs/${b.sync}`, 'GET /v1/export-syncs', 'GET /v1/campaigns/cmp-b-bar', 'GET /v1/decide?visitor=b-visitor&customer=b-cust-1', 'POST /v1/campaign-events', 'GET /v1/customers/b-cust-1/events', 'POST /v1/rules/preview', 'GET /v1/customers/b-cust-1/audiences', 'POST /v1/classify', 'GET /v1/customers/b-cust-1/export', 'GET /v1/audiences/b-buyers/members', 'GET /v1/customers/b-cust-1/clv', 'GET /v1/customers/b-cust-1/profile?refresh=true', 'GET /v1/keys', 'GET /v1/imports', 'POST /v1/behaviors', 'GET /v1/behaviors/b-repeat-buyers', 'POST /v1/behaviors/b-repeat-buyers/activate',
        `POST /v1/audiences/${b.audience}/profiles`, `GET /v1/profile-jobs/${b.job}`, 'GET /v1/webhooks', `GET /v1/webhooks/${b.webhook}`, `POST /v1/webhooks/${b.webhook}/rotate`, `POST /v1/webhooks/deliveries/${b.delivery}/replay`, 'GET /v1/webhooks/deliveries', `DELETE /v1/webhooks/${b.webhook}`, `GET /v1/profile-jobs/${b.job}/profiles`, `GET /v1/audiences/${b.audience}/profile-groups`, 'GET /v1/audiences/b-buyers/holdout-report']) {
        expect(answered, must).toContain(must);
      }
      const after = await workspaces.use(A, (s) => s.one(sql`SELECT (SELECT count(*) FROM customers) AS c, (SELECT count(*) FROM events) AS e,
        (SELECT count(*) FROM memberships) AS m, (SELECT count(*) FROM audiences) AS a, (SELECT max(description) FROM audiences WHERE id = ${a.audience}) AS d`));
      expect(after).toEqual(before);
      const aStill = await send('GET', { path: `/v1/customers/${a.customer}/audiences` }, aKey);
      expect(aStill.status).toBe(200);
      expect(aStill.text).toContain(a.audience);
    });
  });
});
