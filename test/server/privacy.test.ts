import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import { importFile, presetMapping } from '../../src/store/index.js';
import { columnsHolding, tempDir } from '../helpers.js';
import { request, serveForTest, stopServer } from './harness.js';
import { runPipeline } from '../../src/pipeline/index.js';

const dir = tempDir();
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
let eventsFile = '';
const keys = { admin: '', read: '', ingest: '', otherAdmin: '' };

const call = (method: string, path: string, key: string, body?: unknown) => request(base, method, path, key, body);


beforeAll(async () => {
  const files = await generateDemo({ customers: 300, seed: 4, outDir: join(dir.path, 'demo') });
  eventsFile = files.events;
  workspaces = await Workspaces.open({ dbPath: join(dir.path, 'shop.duckdb') });
  await workspaces.use('default', async (store) => {
    await importDemoFiles(store, files);
    await runPipeline(store, '2026-11-01 00:00:00');
  });
  keys.admin = (await createKey(workspaces.control, 'default', ['admin'], 'test')).key;
  keys.read = (await createKey(workspaces.control, 'default', ['audiences:read'], 'test')).key;
  keys.ingest = (await createKey(workspaces.control, 'default', ['ingest:write'], 'test')).key;
  keys.otherAdmin = (await createKey(workspaces.control, 'other', ['admin'], 'test')).key;
  ({ app, base } = await serveForTest(workspaces));
}, 120_000);

afterAll(() => stopServer(app, workspaces, dir));

describe('privacy over the API', () => {
  it('sets consent per channel with ingest:write, and nowhere else', async () => {
    expect((await call('PUT', '/v1/customers/C002/consent', keys.read, { email: false })).status).toBe(403);
    expect((await call('PUT', '/v1/customers/C002/consent', keys.otherAdmin, { email: false })).status).toBe(404);
    expect((await call('PUT', '/v1/customers/C002/consent', keys.ingest, {})).status).toBe(400);
    expect((await call('PUT', '/v1/customers/C002/consent', keys.ingest, { fax: true })).status).toBe(400);
    const r = await call('PUT', '/v1/customers/C002/consent', keys.ingest, { email: false, ads: true });
    expect(r.status).toBe(200);
    expect(r.json.consent).toMatchObject({ email: false, ads: true });
  });

  it('exports all data held on a customer to an admin key of their workspace only', async () => {
    expect((await call('GET', '/v1/customers/C001/export', keys.read)).status).toBe(403);
    expect((await call('GET', '/v1/customers/C001/export', keys.otherAdmin)).status).toBe(404);
    const r = await call('GET', '/v1/customers/C001/export', keys.admin);
    expect(r.status).toBe(200);
    expect(r.json.customer.id).toBe('C001');
    expect(r.json.events.length).toBeGreaterThan(0);
    expect(r.json.memberships.length).toBeGreaterThan(0);
  });

  it('erases a customer: no table holds the id, the audit log does not name them, re-imports do not restore them', async () => {
    expect((await call('DELETE', '/v1/customers/C001', keys.read)).status).toBe(403);
    expect((await call('DELETE', '/v1/customers/C001', keys.otherAdmin)).status).toBe(404);
    const r = await call('DELETE', '/v1/customers/C001', keys.admin);
    expect(r.status).toBe(200);
    expect(r.json.deleted.events).toBeGreaterThan(0);
    expect((await call('GET', '/v1/customers/C001/export', keys.admin)).status).toBe(404);
    await workspaces.use('default', async (store) => {
      expect(await columnsHolding(store, 'C001')).toEqual([]);
      const again = await importFile(store, eventsFile, presetMapping('segmint-events'));
      expect(again.accepted).toBe(0);
      expect(again.erased).toBeGreaterThan(0);
      expect(await columnsHolding(store, 'C001')).toEqual([]);
    });
    const audit = await workspaces.control.all<{ action: string; details: string }>(sql`SELECT action, details::VARCHAR AS details FROM audit_log WHERE action = 'customer.erase'`);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).not.toContain('C001');
  });
});
