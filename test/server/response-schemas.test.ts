import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CAMPAIGNS } from '../../src/demo/storefront-campaigns.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { cliJson } from '../helpers/cli.js';
import { copyDemoStore } from '../helpers/demo-store.js';
import { tempDir } from '../helpers.js';
import { documentedSchema, operationOf, request, serverRoutes, serveForTest, stopServer, undocumented, type OpenApiDoc } from './harness.js';

/**
 * One schema end to end: every route answers through a zod response schema, which /docs/json documents, and the CLI
 * prints the same JSON as the API for the same question. The store is made with the CLI (the demo shop, two runs, a
 * CLV fit, a product clustering, a file with bad lines); the CLI's answers are taken first, as DuckDB lets one
 * process at a time open the file, then the server opens it.
 */

const dir = tempDir();
const { db } = copyDemoStore(dir.path);
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let key = '';
let doc: OpenApiDoc;
let importId = '';

const segmint = (...args: string[]) => cliJson(db, args);

/** The same question to the CLI and to the API: [CLI arguments, API path], both answered with JSON. */
const SAME_ANSWER: Array<[string[], string]> = [
  [['audiences'], '/v1/audiences'],
  [['members', 'smart-active-loyals', '--limit', '5'], '/v1/audiences/smart-active-loyals/members?limit=5'],
  [['features', 'C001'], '/v1/customers/C001/features'],
  [['explain', 'C001'], '/v1/customers/C001/explain'],
  [['clv', 'C001'], '/v1/customers/C001/clv'],
  [['movement', '--from', '2026-05-01', '--to', '2026-11-01', '--kind', 'rfm'], '/v1/movement?from=2026-05-01&to=2026-11-01&kind=rfm'],
  [['overlap', 'smart-active-loyals', 'rfm-champions'], '/v1/overlap?audience=smart-active-loyals&audience=rfm-champions'],
  [['clusters', 'show', '--method', 'rfm'], '/v1/clusters/rfm'],
  [['clusters', 'show', '--entity', 'products'], '/v1/clusters/products'],
  [['stats'], '/v1/stats'],
  [['imports'], '/v1/imports'],
  [['campaign', 'list'], '/v1/campaigns'],
  [['campaign', 'show', 'cmp-free-shipping-bar'], '/v1/campaigns/cmp-free-shipping-bar'],
  [['webhooks', 'list'], '/v1/webhooks'],
];
/** An experiment's report: the same JSON but for as_of, the moment each read it. */
const REPORT: [string[], string] = [['campaign', 'report', 'cmp-autumn-collection-hero'], '/v1/campaigns/cmp-autumn-collection-hero/report'];
/** The rows the file with bad lines sent to quarantine: its import id is known once imported. */
const quarantine = (): [string[], string] => [['quarantine', '--import', importId], `/v1/imports/${importId}/quarantine`];
const cliAnswers = new Map<string, unknown>();

beforeAll(async () => {
  segmint('run', '--as-of', '2026-05-01');
  segmint('run');
  segmint('clv', 'fit');
  segmint('clusters', '--entity', 'products', '--k', '3');
  const bar = join(dir.path, 'bar.json');
  writeFileSync(bar, JSON.stringify(DEMO_CAMPAIGNS.find((c) => c.type === 'notification_bar')));
  segmint('campaign', 'create', bar);
  segmint('campaign', 'activate', 'cmp-free-shipping-bar');
  const hero = join(dir.path, 'hero.json');
  writeFileSync(hero, JSON.stringify(DEMO_CAMPAIGNS.find((c) => c.type === 'hero_banner')));
  segmint('campaign', 'create', hero);
  cliAnswers.set(REPORT[1], segmint(...REPORT[0]));
  // An address of TEST-NET-1 (RFC 5737): public by the policy, and never reached, as no run follows.
  segmint('webhooks', 'create', '--audience', 'rfm-champions', '--url', 'http://192.0.2.1/hook');
  cliAnswers.set('/v1/webhooks/deliveries', segmint('webhooks', 'deliveries'));
  const bad = join(dir.path, 'bad.csv');
  writeFileSync(bad, 'id,type,ts,customer_id\nx1,view,2026-10-01 10:00:00,C001\nx2,view,someday,C001\n');
  importId = (segmint('import', bad) as { import_id: string }).import_id;
  for (const [args, path] of [...SAME_ANSWER, quarantine()]) cliAnswers.set(path, segmint(...args));

  workspaces = await Workspaces.open({ dbPath: db });
  key = (await createKey(workspaces.control, 'default', ['admin'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces));
  doc = (await request(base, 'GET', '/docs/json')).json as OpenApiDoc;
}, 180_000);

afterAll(() => stopServer(app, workspaces, dir));

// First, while the store is as the CLI left it; the next tests change it.
describe('the CLI and the API give the same answer', () => {
  it.each(SAME_ANSWER.map(([args, path]) => ({ cli: args.join(' '), path })))('segmint $cli --json = GET $path', async ({ path }) => {
    const api = await request(base, 'GET', path, key);
    expect(api.status, api.text).toBe(200);
    expect(api.json).toEqual(cliAnswers.get(path));
  });

  it('segmint campaign report ID --json = GET /v1/campaigns/ID/report, but for when each was read', async () => {
    const api = await request(base, 'GET', REPORT[1], key);
    expect(api.status, api.text).toBe(200);
    const cli = cliAnswers.get(REPORT[1]) as { as_of: string };
    expect(api.json).toMatchObject({ subject: { kind: 'campaign', id: 'cmp-autumn-collection-hero' }, report: { control: 'holdout' } });
    expect({ ...api.json, as_of: cli.as_of }).toEqual(cli);
  });

  it('segmint webhooks deliveries --json = GET /v1/webhooks/deliveries', async () => {
    const api = await request(base, 'GET', '/v1/webhooks/deliveries', key);
    expect(api.status, api.text).toBe(200);
    expect(api.json).toEqual(cliAnswers.get('/v1/webhooks/deliveries'));
  });

  it('segmint quarantine --import ID --json = GET /v1/imports/ID/quarantine', async () => {
    const [, path] = quarantine();
    const api = await request(base, 'GET', path, key);
    expect(api.status, api.text).toBe(200);
    expect(api.json).toMatchObject({ total: 1, rows: [{ line: 3, column: 'ts' }] });
    expect(api.json).toEqual(cliAnswers.get(path));
  });
});

describe('response schemas in /docs/json', () => {
  it('documents a success response schema for every /v1 route the server holds', () => {
    const routes = serverRoutes(app).filter((r) => r.includes(' /v1/'));
    expect(routes.length).toBeGreaterThan(25);
    const success = (route: string) =>
      // A download documents its file's content types instead of JSON.
      Object.entries(operationOf(doc, route)?.responses ?? {}).filter(([status, r]) => /^2\d\d$/.test(status) && Object.values(r.content ?? {}).some((c) => c.schema !== undefined));
    const without = routes.filter((r) => success(r).length === 0);
    expect(without, 'routes without a documented success response').toEqual([]);
  });

  it('gives every response of every operation a schema, errors the one Error component, and every reference a component', () => {
    const components = doc.components?.schemas ?? {};
    expect(Object.keys(components)).toEqual(expect.arrayContaining(['Error', 'ClusteringReport', 'ApiKeyListing']));
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ where: `${method} ${path}`, op })));
    expect(operations.length).toBeGreaterThan(25);
    for (const { where, op } of operations) {
      const responses = Object.entries(op.responses ?? {});
      expect(responses.length, where).toBeGreaterThan(0);
      for (const [status, response] of responses) {
        const schema = response.content?.['application/json']?.schema ?? Object.values(response.content ?? {})[0]?.schema;
        expect(schema, `${where} ${status}`).toBeTypeOf('object');
        if (Number(status) >= 400) expect(schema, `${where} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.filter((r) => !(r in components))).toEqual([]);
  });

  it('answers each route as documented, successes and refusals alike', async () => {
    const calls: Array<[string, string, string | undefined, unknown?]> = [
      ...[...SAME_ANSWER, quarantine(), REPORT].map(([, path]): [string, string, string] => [`GET ${routeOf(path)}`, path, key]),
      ['GET /v1/campaigns/:id/report', '/v1/campaigns/cmp-free-shipping-bar/report', key],
      ['PUT /v1/audiences/:id/holdout', '/v1/audiences/smart-active-loyals/holdout', key, { share: 5 }],
      ['PUT /v1/audiences/:id/holdout', '/v1/audiences/smart-active-loyals/holdout', key, { share: 90 }],
      ['GET /v1/audiences/:id/holdout', '/v1/audiences/smart-active-loyals/holdout', key],
      ['GET /v1/audiences/:id/holdout-report', '/v1/audiences/smart-active-loyals/holdout-report', key],
      ['GET /v1/audiences/:id/holdout-report', '/v1/audiences/rfm-champions/holdout-report', key],
      ['GET /v1/audiences/:id', '/v1/audiences/no-such-audience', key],
      ['GET /v1/customers/:id/clv', '/v1/customers/no-such-customer/clv', key],
      ['GET /v1/customers/:id/profile', '/v1/customers/C002/profile', key],
      ['GET /v1/customers/:id/profile', '/v1/customers/no-such-customer/profile', key],
      ['GET /v1/customers/:id/profile', '/v1/customers/C002/profile?seed=x', key],
      ['GET /v1/keys', '/v1/keys', key],
      ['GET /v1/keys', '/v1/keys', undefined],
      ['GET /v1/audit', '/v1/audit?limit=5', key],
      ['GET /v1/customers/:id/export', '/v1/customers/C002/export', key],
      ['PUT /v1/customers/:id/consent', '/v1/customers/C002/consent', key, { email: false }],
      ['POST /v1/audiences', '/v1/audiences', key, { name: 'Big baskets', rule: 'items_per_order >= 3' }],
      ['POST /v1/audiences', '/v1/audiences', key, { name: 'Broken', rule: 'orders >= ' }],
      ['PATCH /v1/audiences/:id', '/v1/audiences/big-baskets', key, { description: 'three items or more an order' }],
      ['DELETE /v1/audiences/:id', '/v1/audiences/big-baskets', key],
      ['POST /v1/clusters', '/v1/clusters', key, { method: 'rfm', k: 3, seed: 1 }],
      ['POST /v1/clv/fit', '/v1/clv/fit', key, {}],
      ['DELETE /v1/imports/:id', `/v1/imports/${importId}`, key],
      ['DELETE /v1/customers/:id', '/v1/customers/C003', key],
      ['GET /v1/decide', '/v1/decide?visitor=v1&customer=C002&url=https://shop.example/', key],
      ['GET /v1/decide', '/v1/decide?visitor=v1&device=fridge', key],
      ['POST /v1/campaign-events', '/v1/campaign-events', key, { visitor_id: 'v1', events: [{ id: 'ev-000001', campaign_id: 'cmp-free-shipping-bar', variant: 'default', type: 'impression' }] }],
      ['POST /v1/campaign-events', '/v1/campaign-events', key, { visitor_id: 'v1', events: [{ id: 'ev-000002', campaign_id: 'cmp-free-shipping-bar', variant: 'b', type: 'click' }] }],
      ['POST /v1/campaigns', '/v1/campaigns', key, { ...DEMO_CAMPAIGNS[0], name: 'Second bar' }],
      ['POST /v1/campaigns', '/v1/campaigns', key, { ...DEMO_CAMPAIGNS[0], name: 'Broken bar', content: {} }],
      ['PUT /v1/campaigns/:id', '/v1/campaigns/cmp-second-bar', key, { ...DEMO_CAMPAIGNS[0], name: 'Second bar', priority: 3 }],
      ['POST /v1/campaigns/:id/end', '/v1/campaigns/cmp-free-shipping-bar/end', key],
      ['POST /v1/campaigns/:id/activate', '/v1/campaigns/cmp-free-shipping-bar/activate', key],
      ['DELETE /v1/campaigns/:id', '/v1/campaigns/cmp-second-bar', key],
      ['POST /v1/audiences/:id/exports', '/v1/audiences/rfm-champions/exports', key, { dry_run: true }],
      ['POST /v1/audiences/:id/exports', '/v1/audiences/rfm-champions/exports', key, { destination: 'google' }],
      ['POST /v1/audiences/:id/exports', '/v1/audiences/rfm-champions/exports', key, { columns: ['id', 'shoe_size'] }],
      ['POST /v1/audiences/:id/exports', '/v1/audiences/no-such-audience/exports', key, {}],
      ['POST /v1/export-syncs', '/v1/export-syncs', key, { audience: 'rfm-champions', destination: 'meta' }],
      ['GET /v1/export-syncs', '/v1/export-syncs', key],
      ['POST /v1/webhooks', '/v1/webhooks', key, { audience_id: 'rfm-champions', url: 'gopher://192.0.2.1/' }],
      ['POST /v1/webhooks', '/v1/webhooks', key, { audience_id: 'rfm-champions', url: 'http://192.0.2.1/other', events: ['exit'] }],
      ['GET /v1/webhooks/deliveries', '/v1/webhooks/deliveries?status=dead', key],
      ['GET /v1/webhooks/deliveries', '/v1/webhooks/deliveries?status=lost', key],
      ['POST /v1/webhooks/deliveries/:id/replay', '/v1/webhooks/deliveries/msg_none/replay', key],
      ['GET /v1/webhooks/:id', '/v1/webhooks/wh_none', key],
    ];
    const problems: string[] = [];
    const statuses: number[] = [];
    for (const [route, path, withKey, body] of calls) {
      const reply = await request(base, route.split(' ')[0]!, path, withKey, body);
      statuses.push(reply.status);
      problems.push(...undocumented(doc, route, reply.status, reply.json));
    }
    expect(problems).toEqual([]);
    // Refusals were among them, each a documented error status.
    expect(new Set(statuses)).toEqual(new Set([200, 201, 400, 401, 404, 409]));
  });

  it('refuses a reply that does not fit the documented schema', () => {
    const page = cliAnswers.get('/v1/audiences/smart-active-loyals/members?limit=5') as { members: Array<Record<string, unknown>> };
    expect(undocumented(doc, 'GET /v1/audiences/:id/members', 200, page)).toEqual([]);
    const extra = { ...page, members: page.members.map((m) => ({ ...m, email: 'x@example.org' })) };
    expect(undocumented(doc, 'GET /v1/audiences/:id/members', 200, extra)).not.toEqual([]);
    expect(undocumented(doc, 'GET /v1/audiences/:id/members', 409, page)).toEqual(['GET /v1/audiences/:id/members: status 409 is not documented']);
    expect(documentedSchema(doc, 'GET /v1/customers/:id/clv', 409)).toEqual({ $ref: '#/components/schemas/Error' });
  });
});

/** The route of a request path, as the server names it. */
function routeOf(path: string): string {
  const bare = path.split('?')[0]!;
  const route = serverRoutes(app).find((r) => new RegExp(`^GET ${r.slice(4).replace(/:\w+/g, '[^/]+')}$`).test(`GET ${bare}`));
  return route!.slice(4);
}
