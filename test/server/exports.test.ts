import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import { cliJson, runCli } from '../helpers/cli.js';
import { copyDemoStore } from '../helpers/demo-store.js';
import { tempDir } from '../helpers.js';
import { request, serveForTest, stopServer, undocumented, type OpenApiDoc } from './harness.js';

/**
 * Exports through the CLI and the API over real HTTP, on a demo shop the CLI makes (its run fits every kind's
 * audiences) with a rule audience of its own. The CLI's answers are taken first, as DuckDB lets one process at a time
 * open the file; then the server opens it.
 */

const dir = tempDir();
const { db } = copyDemoStore(dir.path);
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let key = '';
let doc: OpenApiDoc;
const cli: Record<string, unknown> = {};
const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const segmint = (...args: string[]) => runCli(['--db', db, ...args]);
const segmintJson = (...args: string[]) => cliJson(db, args);

/** A request whose reply must be as /docs/json documents it; a download is checked as text of its content type. */
async function call(method: string, route: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get('content-type')?.split(';')[0] ?? '';
  const text = await res.text();
  const json = type === 'application/json' ? (JSON.parse(text) as Record<string, unknown>) : null;
  expect(undocumented(doc, `${method} ${route}`, res.status, json ?? text, type), text.slice(0, 200)).toEqual([]);
  return { status: res.status, text, json, type, disposition: res.headers.get('content-disposition') };
}
const exportOf = (audience: string, body: unknown) => call('POST', '/v1/audiences/:id/exports', `/v1/audiences/${encodeURIComponent(audience)}/exports`, body);
const download = (id: string, part = 'members') => call('GET', '/v1/exports/:id/file', `/v1/exports/${id}/file?part=${part}`);
const query = <T>(q: ReturnType<typeof sql>) => workspaces.use('default', (s) => s.all<T>(q));

beforeAll(async () => {
  segmintJson('audience', 'create', '--name', 'Repeat buyers', '--rule', 'orders >= 2');
  cli.dryRun = segmintJson('export', 'repeat-buyers', '--dry-run');
  cli.export = segmintJson('export', 'Repeat buyers', '--columns', 'id, email,orders', '--out', join(dir.path, 'cli.csv'));
  cli.badDestination = segmint('export', 'repeat-buyers', '--destination', 'myspace', '--out', join(dir.path, 'x.csv'));
  cli.badColumn = segmint('export', 'repeat-buyers', '--columns', 'id,shoe_size', '--out', join(dir.path, 'x.csv'));
  cli.sync = segmintJson('sync', 'create', 'repeat-buyers', '--destination', 'meta', '--dir', join(dir.path, 'synced'));
  cli.syncs = segmintJson('sync', 'list');
  workspaces = await Workspaces.open({ dbPath: db });
  key = (await createKey(workspaces.control, 'default', ['audiences:read', 'audiences:write', 'ingest:write', 'admin'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces));
  doc = (await request(base, 'GET', '/docs/json')).json as OpenApiDoc;
}, 240_000);

afterAll(() => stopServer(app, workspaces, dir));

describe('the CLI', () => {
  it('writes the columns asked for, and answers as the API does', async () => {
    expect(cli.export).toMatchObject({ audience: 'repeat-buyers', columns: ['id', 'email', 'orders'], file: 'cli.csv', destination: null });
    const lines = readFileSync(join(dir.path, 'cli.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('id,email,orders');
    expect(lines.length - 1).toBe((cli.export as { rows: number }).rows);
    expect(lines.slice(1).every((l) => Number(l.split(',')[2]) >= 2)).toBe(true);
    const api = await exportOf('repeat-buyers', { dry_run: true });
    expect(api.status).toBe(200);
    expect(api.json).toEqual(cli.dryRun);
    expect(cli.syncs).toEqual([cli.sync]);
  });

  it('refuses an unsupported destination and an unknown column in one line naming the option', () => {
    const d = cli.badDestination as ReturnType<typeof segmint>;
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/^segmint: --destination: .*"meta"/);
    const c = cli.badColumn as ReturnType<typeof segmint>;
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/^segmint: columns: no column "shoe_size"/);
  });
});

describe('exports through the API', () => {
  it('exports an audience of every kind with all its members', async () => {
    const listed = (await call('GET', '/v1/audiences', '/v1/audiences')).json as unknown as Array<{ id: string; kind: string; size: number | null }>;
    const oneOfEachKind = [...new Map(listed.filter((a) => (a.size ?? 0) > 0).map((a) => [a.kind, a])).values()];
    expect(oneOfEachKind.length).toBeGreaterThanOrEqual(5);
    for (const audience of oneOfEachKind) {
      const written = await exportOf(audience.id, { columns: ['id', 'score', 'reasons'], format: 'jsonl' });
      expect(written.status, written.text).toBe(201);
      expect(written.json).toMatchObject({ audience: audience.id, rows: audience.size, format: 'jsonl' });
      const file = await download(written.json!.id as string);
      expect(file.type).toBe('application/x-ndjson');
      const rows = file.text.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string });
      const members = await query<{ id: string }>(sql`SELECT customer_id AS id FROM memberships WHERE audience_id = ${audience.id} AND as_of = (SELECT max(as_of) FROM runs)`);
      expect(rows.map((r) => r.id).sort()).toEqual(members.map((m) => m.id).sort());
    }
  });

  it('sends an ad-audience file without the unconsented, and the erased and withdrawn in the next removals', async () => {
    const first = await exportOf('repeat-buyers', { destination: 'google' });
    expect(first.status, first.text).toBe(201);
    expect(first.json).toMatchObject({ destination: 'google', columns: ['Email', 'Phone'], removals: null, removals_file: null });
    const dry = (await exportOf('repeat-buyers', { dry_run: true })).json!;
    expect(first.json!.rows).toBe(dry.reachable_for_ads);
    const file = await download(first.json!.id as string);
    expect(file.type).toBe('text/csv');
    expect(file.disposition).toBe(`attachment; filename="${first.json!.file as string}"`);
    const members = await query<{ id: string; email: string; consent_ads: boolean | null }>(sql`SELECT c.id, c.email, c.consent_ads FROM memberships m JOIN customers c ON c.id = m.customer_id
      WHERE m.audience_id = 'repeat-buyers' AND m.as_of = (SELECT max(as_of) FROM runs) AND c.email IS NOT NULL ORDER BY c.id`);
    const consented = members.filter((m) => m.consent_ads === true);
    const unconsented = members.filter((m) => m.consent_ads !== true);
    expect(consented.length).toBeGreaterThan(2);
    expect(unconsented.length).toBeGreaterThan(0);
    for (const m of consented) expect(file.text).toContain(sha(m.email.trim().toLowerCase()));
    for (const m of unconsented) expect(file.text).not.toContain(sha(m.email.trim().toLowerCase()));
    expect((await download(first.json!.id as string, 'removals')).status).toBe(404);

    const [erased, withdrawn] = consented;
    expect((await call('DELETE', '/v1/customers/:id', `/v1/customers/${erased!.id}`)).status).toBe(200);
    expect((await call('PUT', '/v1/customers/:id/consent', `/v1/customers/${withdrawn!.id}/consent`, { ads: false })).status).toBe(200);
    const next = await exportOf('repeat-buyers', { destination: 'google' });
    expect(next.json).toMatchObject({ rows: (first.json!.rows as number) - 2, removals: 2 });
    const again = await download(next.json!.id as string);
    const removals = await download(next.json!.id as string, 'removals');
    for (const m of [erased!, withdrawn!]) {
      expect(again.text).not.toContain(sha(m.email));
      expect(removals.text).toContain(sha(m.email));
    }
    expect(removals.text.split('\n')[0]).toBe('Email,Phone');
  });

  it('refuses bad input with the field named', async () => {
    const unknownAudience = await exportOf('no-such-audience', {});
    expect(unknownAudience.status).toBe(404);
    expect(unknownAudience.json).toMatchObject({ error: { message: 'no audience "no-such-audience"', details: { audience: 'no-such-audience' } } });
    const column = await exportOf('repeat-buyers', { columns: ['id', 'shoe_size'] });
    expect(column.status).toBe(400);
    expect(column.json).toMatchObject({ error: { details: { columns: ['shoe_size'] } } });
    expect(String((column.json!.error as { message: string }).message)).toMatch(/^columns: no column "shoe_size"/);
    for (const [body, field] of [[{ destination: 'myspace' }, 'body.destination'], [{ format: 'xml' }, 'body.format'], [{ columns: [] }, 'body.columns'], [{ destinaton: 'meta' }, 'body']] as const) {
      const r = await exportOf('repeat-buyers', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(String((r.json!.error as { message: string }).message), JSON.stringify(body)).toMatch(new RegExp(`^${field.replace('.', '\\.')}`));
    }
    const both = await exportOf('repeat-buyers', { destination: 'meta', columns: ['id'] });
    expect(both.status).toBe(400);
    expect(String((both.json!.error as { message: string }).message)).toMatch(/^columns: an ad-audience file for meta/);
    expect((await download('exp-nope')).status).toBe(404);
    expect((await call('POST', '/v1/export-syncs', '/v1/export-syncs', { audience: 'nobody' })).status).toBe(404);
  });

  it('keeps syncs that write the next export after every run', async () => {
    const made = await call('POST', '/v1/export-syncs', '/v1/export-syncs', { audience: 'Repeat buyers', format: 'jsonl', columns: ['id', 'revenue'] });
    expect(made.status, made.text).toBe(201);
    const id = made.json!.id as string;
    expect(made.json).toMatchObject({ audience: 'repeat-buyers', directory: null, columns: ['id', 'revenue'] });
    expect((await call('GET', '/v1/export-syncs', '/v1/export-syncs')).json).toEqual([cli.sync, made.json]);
    const run = await call('POST', '/v1/runs', '/v1/runs', {});
    expect(run.status, run.text).toBe(200);
    const synced = readdirSync(`${db}.exports/syncs/${id}`);
    expect(synced).toHaveLength(1);
    expect(JSON.parse(readFileSync(`${db}.exports/syncs/${id}/${synced[0]!}`, 'utf8').split('\n')[0]!)).toHaveProperty('revenue');
    // The CLI's sync to meta wrote its first file at the same run.
    expect(readdirSync(join(dir.path, 'synced'))).toHaveLength(1);
    expect((await call('DELETE', '/v1/export-syncs/:id', `/v1/export-syncs/${id}`)).json).toEqual({ deleted: id });
    expect((await call('DELETE', '/v1/export-syncs/:id', `/v1/export-syncs/${id}`)).status).toBe(404);
  });
});
