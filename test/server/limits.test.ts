import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, Workspaces } from '../../src/server/index.js';
import { tempDir } from '../helpers.js';
import { serveForTest, stopServer } from './harness.js';

const dir = tempDir();
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
const keys = { a: '', b: '' };

const get = (path: string, key?: string) => fetch(`${base}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

beforeAll(async () => {
  workspaces = await Workspaces.open({ dbPath: join(dir.path, 'shop.duckdb') });
  keys.a = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
  keys.b = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces, { rateLimit: { max: 3, windowMs: 60_000 } }));
});

afterAll(() => stopServer(app, workspaces, dir));

describe('limits', () => {
  it('answers 429 with Retry-After once a key passes its rate, and only for that key', async () => {
    for (let i = 0; i < 3; i++) expect((await get('/v1/stats', keys.a)).status).toBe(200);
    const limited = await get('/v1/stats', keys.a);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await limited.json()) as { error: { code: string; message: string; details: { retry_after_seconds: number } } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.details.retry_after_seconds).toBeGreaterThan(0);
    expect((await get('/v1/stats', keys.b)).status).toBe(200);
    expect((await get('/docs')).status).toBe(200);
  });
});
