import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, Workspaces } from '../../src/server/index.js';
import { ident, sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { ENGINES, workspacesPath } from '../engines.js';
import { tempDir } from '../helpers.js';
import { serveForTest, stopServer } from './harness.js';

const dir = tempDir();
let workspaces: Workspaces;
let app: FastifyInstance;
let base = '';
const keys = { ingest: '', admin: '' };

async function call(method: string, path: string, key: string, body?: string | object, contentType = 'application/json') {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: typeof body === 'object' ? JSON.stringify(body) : body,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const importCustomers = async (csv: string) => {
  const r = await call('POST', '/v1/imports?entity=customers', keys.ingest, csv, 'text/csv');
  expect(r.status).toBe(201);
  return r.json as { accepted: number; duplicates: number; rejected: number };
};

interface Held {
  consent_email: boolean | null;
  consent_sms: boolean | null;
  consent_email_at: string | null;
  consent_sms_at: string | null;
  consent_push_at: string | null;
  consent_ads_at: string | null;
  email: string;
}

const exported = async (id: string) => {
  const r = await call('GET', `/v1/customers/${id}/export`, keys.admin);
  expect(r.status).toBe(200);
  return r.json.customer as Held;
};

/** An answer's time, `YYYY-MM-DD HH:MM:SS` in UTC, in ms. */
const msOf = (time: string) => Date.parse(`${time.replace(' ', 'T')}Z`);
/** `YYYY-MM-DD HH:MM:SS` in UTC, as a file would write it (and the API answers it), `ms` after an answer's time. */
const fileTime = (time: string, ms: number) => new Date(msOf(time) + ms).toISOString().slice(0, 19).replace('T', ' ');

const OLD_FILE = 'id,email,consent_email,consent_sms\nK1,k1@example.org,true,true\nK2,k2@example.org,true,false\n';

afterAll(() => dir.cleanup());

describe.each(ENGINES)('consent on %s: the newest statement wins', (engine) => {
  const own = tempDir();
  beforeAll(async () => {
    workspaces = await Workspaces.open({ dbPath: workspacesPath(engine, own.path) });
    keys.ingest = (await createKey(workspaces.control, 'default', ['ingest:write'], 'test')).key;
    keys.admin = (await createKey(workspaces.control, 'default', ['admin'], 'test')).key;
    ({ app, base } = await serveForTest(workspaces));
  });

  afterAll(() => stopServer(app, workspaces, own));

  let statedAt = '';

  it('keeps consent stated through the API when an older file without consent times is imported again', async () => {
    expect(await importCustomers(OLD_FILE)).toMatchObject({ accepted: 2, rejected: 0 });
    const before = await exported('K1');
    expect(before).toMatchObject({ consent_email: true, consent_email_at: null });
    const asked = Date.now();
    const put = await call('PUT', '/v1/customers/K1/consent', keys.ingest, { email: false });
    const answered = Date.now();
    expect(put.json).toEqual({ customer_id: 'K1', consent: { email: false, sms: true, push: null, ads: null } });
    const after = await exported('K1');
    expect(after.consent_email).toBe(false);
    expect(after.consent_email_at).toEqual(expect.any(String));
    statedAt = after.consent_email_at!;
    // Stated at the request: between asking and the answer (to the second the store keeps, at the least).
    expect(msOf(statedAt)).toBeGreaterThanOrEqual(Math.floor(asked / 1000) * 1000);
    expect(msOf(statedAt)).toBeLessThanOrEqual(answered);
    // Only the channel stated has a time.
    expect(after).toMatchObject({ consent_sms_at: null, consent_push_at: null, consent_ads_at: null });

    // The same old file again: nothing in it is newer than what the store holds.
    expect(await importCustomers(OLD_FILE)).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await exported('K1')).toMatchObject({ consent_email: false, consent_email_at: statedAt, consent_sms: true });
  });

  it('lets a file row replace it only when the row says a later time, and keeps that time', async () => {
    const row = (email: string, sms: string, at: number) => `id,email,consent_email,consent_sms,consent_updated_at\nK1,k1@example.org,${email},${sms},${fileTime(statedAt, at)}\n`;
    const stated = (at: number) => fileTime(statedAt, at);
    // A minute older than the API's statement: email stays; sms, never stated with a time, takes the row's.
    expect(await importCustomers(row('true', 'true', -60_000))).toMatchObject({ accepted: 1 });
    expect(await exported('K1')).toMatchObject({ consent_email: false, consent_email_at: statedAt, consent_sms: true, consent_sms_at: stated(-60_000) });

    // A later row that says nothing of email (empty) does not clear it.
    await importCustomers(row('', 'true', 60_000));
    expect(await exported('K1')).toMatchObject({ consent_email: false, consent_email_at: statedAt, consent_sms_at: stated(60_000) });

    expect(await importCustomers(row('true', 'true', 120_000))).toMatchObject({ accepted: 1 });
    expect(await exported('K1')).toMatchObject({ consent_email: true, consent_email_at: stated(120_000), consent_sms: true, consent_sms_at: stated(120_000) });

    // From then on an untimed file cannot undo the timed statements either.
    expect(await importCustomers(OLD_FILE.replace('K1,k1@example.org,true,true', 'K1,k1@example.org,false,false'))).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await exported('K1')).toMatchObject({ consent_email: true, consent_email_at: stated(120_000), consent_sms: true });
  });

  it('still lets any file change consent that was never stated with a time', async () => {
    await importCustomers('id,email,consent_email,consent_sms\nK2,k2@example.org,true,true\n');
    expect(await exported('K2')).toMatchObject({ consent_email: true, consent_sms: true, consent_sms_at: null });
    // Other fields of a row follow the file whatever its consent does.
    await importCustomers(`id,email,consent_email,consent_sms,consent_updated_at\nK1,new@example.org,false,false,${fileTime(statedAt, -3_600_000)}\n`);
    expect(await exported('K1')).toMatchObject({ email: 'new@example.org', consent_email: true, consent_sms: true });
  });
});

describe('migration 5 on a store made before it', () => {
  it('adds the consent times to existing customers, empty, and keeps their consent', async () => {
    const path = join(dir.path, 'old.duckdb');
    const store = await Store.open({ path });
    await store.run(sql`INSERT INTO customers (id, consent_email) VALUES ('old-1', true)`);
    // The store as version 4 left it.
    for (const c of ['email', 'sms', 'push', 'ads']) await store.run(sql`ALTER TABLE customers DROP COLUMN ${ident(`consent_${c}_at`)}`);
    await store.run(sql`DELETE FROM schema_migrations WHERE version = 5`);
    store.close();
    const reopened = await Store.open({ path });
    try {
      expect(await reopened.all(sql`SELECT id, consent_email, consent_email_at, consent_ads_at FROM customers`)).toEqual([
        { id: 'old-1', consent_email: true, consent_email_at: null, consent_ads_at: null },
      ]);
    } finally {
      reopened.close();
    }
  });
});
