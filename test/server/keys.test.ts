import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, KEY_CACHE_CHECK_MS, Workspaces } from '../../src/server/index.js';
import { cliJson, runCliAsync, startCli } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';
import { seenWithin, serveForTest, stopServer } from './harness.js';

type AuditEntry = { actor: string; action: string; details: { id?: string } };

function client(base: () => string) {
  return async (method: string, path: string, key?: string, body?: unknown) => {
    const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base()}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : null };
  };
}

describe('keys over the API', () => {
  const dir = tempDir();
  let workspaces: Workspaces;
  let app: FastifyInstance;
  let base = '';
  const call = client(() => base);
  const keys = { admin: '', adminId: '', read: '', readId: '', otherAdmin: '', otherId: '' };

  beforeAll(async () => {
    workspaces = await Workspaces.open({ dbPath: join(dir.path, 'shop.duckdb') });
    ({ key: keys.admin, id: keys.adminId } = await createKey(workspaces.control, 'default', ['admin'], 'test'));
    ({ key: keys.read, id: keys.readId } = await createKey(workspaces.control, 'default', ['audiences:read'], 'test'));
    ({ key: keys.otherAdmin, id: keys.otherId } = await createKey(workspaces.control, 'other', ['admin'], 'test'));
    ({ app, base } = await serveForTest(workspaces));
  });

  afterAll(() => stopServer(app, workspaces, dir));

  const ROUTES = [
    { method: 'GET', path: '/v1/keys' },
    { method: 'POST', path: '/v1/keys', body: { scopes: ['audiences:read'] } },
    { method: 'DELETE', path: '/v1/keys/KEY' },
    { method: 'GET', path: '/v1/audit' },
  ];

  it.each(ROUTES)('$method $path: 401 without a key, 403 without admin, only the own workspace for another', async (r) => {
    const path = r.path.replace('KEY', keys.readId);
    expect((await call(r.method, path, undefined, r.body)).status).toBe(401);
    const scopeless = await call(r.method, path, keys.read, r.body);
    expect(scopeless.status).toBe(403);
    expect(scopeless.json.error).toMatchObject({ code: 'forbidden', details: { needs: 'admin' } });
    const other = await call(r.method, path, keys.otherAdmin, r.body);
    if (r.method === 'DELETE') expect(other.status).toBe(404);
    else expect(other.status).toBeLessThan(300);
    // A refusal only echoes the id asked for; a success shows nothing of the default workspace.
    if (other.status >= 400) expect(Object.keys(other.json)).toEqual(['error']);
    else expect(other.text).not.toContain(keys.readId);
    expect(other.text).not.toContain(keys.adminId);
    // The key of the default workspace that the other admin aimed at is still live.
    expect((await call('GET', '/v1/stats', keys.read)).status).toBe(200);
  });

  it('creates a key that works at once, lists it without the key, and logs it', async () => {
    const created = await call('POST', '/v1/keys', keys.admin, { scopes: ['audiences:read', 'audiences:read'] });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ workspace: 'default', scopes: ['audiences:read'] });
    expect(created.json.key).toMatch(/^sgm_[A-Za-z0-9_-]{43}$/);
    expect((await call('GET', '/v1/stats', created.json.key)).status).toBe(200);
    const listed = await call('GET', '/v1/keys', keys.admin);
    const rows = listed.json as Array<{ id: string; workspace: string }>;
    expect(rows.map((k) => k.id)).toEqual(expect.arrayContaining([keys.adminId, keys.readId, created.json.id]));
    expect(rows.map((k) => k.workspace)).not.toContain('other');
    expect(listed.text).not.toContain(created.json.key);
    const audit = await call('GET', '/v1/audit?limit=1', keys.admin);
    expect(audit.json).toMatchObject({ limit: 1, offset: 0, entries: [{ actor: keys.adminId, action: 'key.create', details: { id: created.json.id, scopes: ['audiences:read'] } }] });
    expect(audit.json.total).toBeGreaterThanOrEqual(3);
    expect(audit.text).not.toContain(created.json.key);
    expect((await call('POST', '/v1/keys', keys.admin, { scopes: ['root'] })).status).toBe(400);
    expect((await call('POST', '/v1/keys', keys.admin, { scopes: [] })).status).toBe(400);
  });

  it('refuses a revoked key on its very next request, and logs the revocation once', async () => {
    const { json: doomed } = await call('POST', '/v1/keys', keys.admin, { scopes: ['audiences:read'] });
    expect((await call('GET', '/v1/stats', doomed.key)).status).toBe(200);
    const revoked = await call('DELETE', `/v1/keys/${doomed.id}`, keys.admin);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({ id: doomed.id, workspace: 'default', revoked: true });
    const refused = await call('GET', '/v1/stats', doomed.key);
    expect(refused.status).toBe(401);
    expect(refused.json.error.code).toBe('unauthorized');
    const again = await call('DELETE', `/v1/keys/${doomed.id}`, keys.admin);
    expect(again.json.revoked_at).toBe(revoked.json.revoked_at);
    expect((await call('DELETE', '/v1/keys/key_nope', keys.admin)).status).toBe(404);
    const audit = await call('GET', '/v1/audit', keys.admin);
    const entries = audit.json.entries as AuditEntry[];
    const revocations = entries.filter((e) => e.action === 'key.revoke' && e.details.id === doomed.id);
    expect(revocations).toHaveLength(1);
    expect((await call('GET', '/v1/audit', keys.otherAdmin)).text).not.toContain(doomed.id);
  });

  it('lets an admin key revoke itself, and then refuses it', async () => {
    const { json: self } = await call('POST', '/v1/keys', keys.admin, { scopes: ['admin'] });
    expect((await call('DELETE', `/v1/keys/${self.id}`, self.key)).status).toBe(200);
    expect((await call('GET', '/v1/keys', self.key)).status).toBe(401);
  });

  it('documents the routes in OpenAPI with their scope', async () => {
    const doc = (await call('GET', '/docs/json')).json as { paths: Record<string, Record<string, { description: string }>> };
    for (const [path, method] of [['/v1/keys', 'get'], ['/v1/keys', 'post'], ['/v1/keys/{id}', 'delete'], ['/v1/audit', 'get']] as const) {
      expect(doc.paths[path]?.[method]?.description, `${method} ${path}`).toContain('admin');
    }
  });
});

describe('segmint keys while segmint serve runs', () => {
  const dir = tempDir();
  const db = join(dir.path, 'live.duckdb');
  let server: ChildProcess | undefined;
  let base = '';
  const call = client(() => base);
  const segmint = (...args: string[]) => cliJson(db, args) as { id: string; key: string; revoked: boolean };
  const segmintAsync = (...args: string[]) => runCliAsync(['--db', db, ...args, '--json']);

  const answers = (key: string, status: number) => async () => (await call('GET', '/v1/stats', key)).status === status;

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    dir.cleanup();
  });

  it('creates and revokes keys from the CLI while the server is busy with the control file', async () => {
    const admin = segmint('keys', 'create', '--scopes', 'admin');
    server = startCli(['--db', db, 'serve', '--port', '0', '--json']);
    let text = '';
    for await (const line of createInterface({ input: server.stdout! })) {
      text += line;
      if (line === '}') break;
    }
    base = (JSON.parse(text) as { url: string }).url;
    expect((await call('GET', '/v1/keys', admin.key)).status).toBe(200);

    // Meanwhile, keys come and go over the API: each opens the control file for writing in the server process.
    let busy = true;
    let apiWrites = 0;
    const churn = (async () => {
      while (busy) {
        const made = await call('POST', '/v1/keys', admin.key, { scopes: ['audiences:read'] });
        expect(made.status).toBe(201);
        expect((await call('DELETE', `/v1/keys/${made.json.id}`, admin.key)).status).toBe(200);
        apiWrites += 2;
      }
    })();

    const rounds = 3;
    const cliMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const [created, other] = await Promise.all([
        segmintAsync('keys', 'create', '--scopes', 'audiences:read'),
        segmintAsync('keys', 'create', '--workspace', `w${i}`, '--scopes', 'audiences:read'),
      ]);
      for (const r of [created, other]) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      const key = JSON.parse(created.stdout) as { id: string; key: string };
      const createdAt = performance.now();
      cliMs.push(createdAt - t0);
      // The server sees a change made by another process when notified, at the latest KEY_CACHE_CHECK_MS later.
      expect(await seenWithin(answers(key.key, 200), createdAt, KEY_CACHE_CHECK_MS)).toBe(true);
      expect(await seenWithin(answers((JSON.parse(other.stdout) as { key: string }).key, 200), createdAt, KEY_CACHE_CHECK_MS)).toBe(true);
      const t1 = performance.now();
      const revoked = await segmintAsync('keys', 'revoke', key.id);
      const revokedAt = performance.now();
      cliMs.push(revokedAt - t1);
      expect({ code: revoked.code, stderr: revoked.stderr }).toEqual({ code: 0, stderr: '' });
      expect(await seenWithin(answers(key.key, 401), revokedAt, KEY_CACHE_CHECK_MS)).toBe(true);
    }
    busy = false;
    await churn;
    expect(apiWrites).toBeGreaterThan(0);
    console.log(`segmint keys create/revoke beside a server writing the control file ${apiWrites} times: ${cliMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);

    const listed = segmint('keys', 'list') as unknown as Array<{ workspace: string; revoked: boolean }>;
    expect(listed.filter((k) => k.workspace === 'default' && !k.revoked)).toHaveLength(1);
    expect(listed.filter((k) => k.workspace.startsWith('w'))).toHaveLength(rounds);
    const audit = await call('GET', '/v1/audit?limit=1000', admin.key);
    expect((audit.json.entries as AuditEntry[]).filter((e) => e.actor === 'cli' && e.action === 'key.revoke')).toHaveLength(rounds);
  }, 120_000);
});
