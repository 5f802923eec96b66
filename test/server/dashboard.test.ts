import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, Workspaces } from '../../src/server/index.js';
import { tempDir } from '../helpers.js';
import { serveForTest, stopServer } from './harness.js';

/**
 * How the server hands out the dashboard, on a stand-in build (the real one is tested in Chromium, test/web): files
 * without a key, the app's paths answered with its page, and /v1 exactly as before.
 */
const dir = tempDir();
const web = join(dir.path, 'web');
const PAGE = '<!doctype html><title>app</title>';
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let key = '';

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${base}${path}`, { headers });
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, text: await res.text() };
};
const browser = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

beforeAll(async () => {
  mkdirSync(join(web, 'assets'), { recursive: true });
  writeFileSync(join(web, 'index.html'), PAGE);
  writeFileSync(join(web, 'assets', 'app-1234.js'), 'console.log(1)');
  workspaces = await Workspaces.open({ dbPath: join(dir.path, 'shop.duckdb') });
  key = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces, { webRoot: web }));
});

afterAll(() => stopServer(app, workspaces, dir));

describe('the dashboard as static files', () => {
  it('serves the page and its assets without a key, the page never cached and under a content security policy', async () => {
    const page = await get('/', browser);
    expect(page).toMatchObject({ status: 200, text: PAGE });
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const asset = await get('/assets/app-1234.js');
    expect(asset.status).toBe(200);
    expect(asset.type).toContain('javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it("answers a browser on any of the app's paths with the page, so a reload or a shared link works", async () => {
    for (const path of ['/segments', '/audiences/smart-big-spenders', '/customers/C001?tab=clv']) {
      expect(await get(path, browser), path).toMatchObject({ status: 200, text: PAGE });
    }
  });

  it('keeps /v1, /docs and missing assets out of the fallback: the JSON 404, and the API still wants its key', async () => {
    for (const path of ['/v1/nothing', '/v1', '/docs/nothing', '/assets/gone.js']) {
      const res = await get(path, browser);
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.text).error.code, path).toBe('not_found');
    }
    // A client that does not ask for a page (a script, curl) gets the JSON 404 on an unknown path too.
    expect((await get('/segments')).status).toBe(404);
    expect((await get('/v1/stats', browser)).status).toBe(401);
    expect((await get('/v1/stats', { authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await get('/docs/json')).status).toBe(200);
  });
});

describe('without a built dashboard', () => {
  it('says how to build it, and the API works as before', async () => {
    const bare = await serveForTest(workspaces, { webRoot: join(dir.path, 'nothing-here') });
    try {
      const res = await fetch(`${bare.base}/`, { headers: browser });
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('npm run build');
      expect((await fetch(`${bare.base}/v1/stats`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    } finally {
      await bare.app.close();
    }
  });
});
