import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, Workspaces } from '../../src/server/index.js';
import { runCli } from '../helpers/cli.js';
import { copyDemoStore } from '../helpers/demo-store.js';
import { tempDir } from '../helpers.js';
import { request, serveForTest, stopServer } from './harness.js';

/**
 * `segmint behavior preview "TEXT"` and POST /v1/behaviors/preview: one answer through the real CLI and the real
 * server, with the errors a marketer's text can meet (nothing understood, an invalid refined spec, no run yet).
 */
const dir = tempDir();
const { db, files } = copyDemoStore(dir.path);
const empty = join(dir.path, 'empty.duckdb');
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let key = '';
const TEXT = 'premium sneaker buyers from Germany who have not bought in 60 days';
let cliAnswer: unknown;
/** Taken before the server opens the file: DuckDB lets one process at a time open it. */
let cliNonsense: ReturnType<typeof segmint>;

// Without an LLM endpoint the environment may name (SEGMINT_LLM_URL).
const segmint = (dbPath: string, ...args: string[]) => runCli(['--db', dbPath, ...args], { env: { SEGMINT_LLM_URL: undefined } });

beforeAll(async () => {
  expect(segmint(db, 'run', '--json').code).toBe(0);
  const cli = segmint(db, 'behavior', 'preview', TEXT, '--json');
  expect(cli.stderr).toBe('');
  cliAnswer = JSON.parse(cli.stdout);
  cliNonsense = segmint(db, 'behavior', 'preview', 'blorp glarg');
  // A store with events but no run yet.
  expect(segmint(empty, 'import', join(files, 'events.csv'), '--json').code).toBe(0);
  workspaces = await Workspaces.open({ dbPath: db });
  key = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces));
}, 240_000);

afterAll(() => stopServer(app, workspaces, dir));

describe('behavior preview over the CLI and the API', () => {
  it('answers the same JSON from both, with the spec, its reading and its preview', async () => {
    const api = await request(base, 'POST', '/v1/behaviors/preview', key, { text: TEXT });
    expect(api.status, api.text).toBe(200);
    expect(api.json).toEqual(cliAnswer);
    expect(api.json.spec).toBe('customer.country = "DE" and count(order where tag = "premium" and category = "sneakers") >= 1 and recency_days > 60');
    expect(api.json.reading.status).toBe('understood');
    expect(api.json.preview.waterfall).toHaveLength(3);
  });

  it('previews a refined spec as written, marking the reading as edited', async () => {
    const api = await request(base, 'POST', '/v1/behaviors/preview', key, { text: TEXT, spec: 'recency_days > 60' });
    expect(api.status, api.text).toBe(200);
    expect(api.json.spec).toBe('recency_days > 60');
    expect(api.json.reading.source).toBe('edited');
    expect(api.json.preview.waterfall).toEqual([{ condition: 'recency_days > 60', remaining: api.json.preview.size }]);
  });

  it('refuses text with nothing understood as a 400 listing the words, and the CLI exits 1 with one line', async () => {
    const api = await request(base, 'POST', '/v1/behaviors/preview', key, { text: 'blorp glarg' });
    expect(api.status).toBe(400);
    expect(api.json.error.message).toMatch(/^could not understand the description.*"blorp", "glarg"/);
    expect(api.json.error.details).toEqual({ not_understood: ['blorp', 'glarg'] });
    expect(cliNonsense.code).toBe(1);
    expect(cliNonsense.stderr.trim().split('\n')).toEqual([`segmint: ${api.json.error.message as string}`]);
  });

  it('refuses an invalid refined spec with its position, and a body without text', async () => {
    const bad = await request(base, 'POST', '/v1/behaviors/preview', key, { text: TEXT, spec: 'recnecy_days > 60' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toBe('unknown feature "recnecy_days" at 1:1; did you mean recency_days?');
    expect(bad.json.error.details).toMatchObject({ position: { offset: 0, line: 1, column: 1 }, suggestions: ['recency_days'] });
    const missing = await request(base, 'POST', '/v1/behaviors/preview', key, { words: TEXT });
    expect(missing.status).toBe(400);
    expect(await request(base, 'POST', '/v1/behaviors/preview', undefined, { text: TEXT }).then((r) => r.status)).toBe(401);
  });

  it('says a run is needed on a store without one', () => {
    const cli = segmint(empty, 'behavior', 'preview', 'customers from Germany');
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^segmint: no run yet/);
  });
});
