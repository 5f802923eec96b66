import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSync, deleteSync, exportDryRun, listSyncs, writeExport, type ExportRecord } from '../../src/activation/index.js';
import { createAudience } from '../../src/audiences/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { sql } from '../../src/sql/index.js';
import { eraseCustomer, identityMapping, importFile, setConsent, type Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Six customers who all bought, so the rule audience "Buyers" (orders >= 1) holds them all; what differs is their
 * contact data and consent (ads for ad files; email and SMS for the contact columns of plain files). c6 buys only in
 * the second period, joining at the second run.
 */
const CUSTOMERS = [
  'id,email,phone,country,consent_ads,consent_email,consent_sms',
  'c1, Ann@Example.com ,06 12 34 56 78,FR,true,true,true',
  'c2,bob@example.com,,US,true,true,',
  'c3,cat@example.com,+44 7700 900123,GB,false,false,true',
  'c4,,(657) 777-0000,US,true,,false',
  'c5,dan@example.com,,DE,,,',
  'c6,eve@example.com,,US,true,true,',
].join('\n');
const EVENTS = [
  'id,type,ts,customer_id,product_id,order_id,quantity,unit_price',
  ...['c1', 'c2', 'c3', 'c4', 'c5'].map((c, i) => `e${i},order,2024-02-0${i + 1} 10:00:00,${c},p1,o${i},1,20`),
  'e9,order,2024-05-02 10:00:00,c6,p1,o9,1,20',
].join('\n');

const dir = tempDir();
let store: Store;

const lines = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n');
const out = (name: string) => join(dir.path, name);

beforeAll(async () => {
  writeFileSync(out('customers.csv'), CUSTOMERS);
  writeFileSync(out('events.csv'), EVENTS);
  store = await memoryStore();
  await importFile(store, out('customers.csv'), identityMapping('customers'));
  await importFile(store, out('events.csv'), identityMapping('events'));
  await createAudience(store, { name: 'Buyers', rule: 'orders >= 1' });
  await runPipeline(store, '2024-04-01 00:00:00');
});
afterAll(() => {
  store.close();
  dir.cleanup();
});

describe('a plain export', () => {
  it('writes the columns asked for, in their order, one member a row', async () => {
    const r = await writeExport(store, 'Buyers', { format: 'csv', columns: ['email', 'id', 'orders'] }, { path: out('plain.csv') });
    expect(r).toMatchObject({ audience: 'buyers', destination: null, rows: 5, removals: null, columns: ['email', 'id', 'orders'], file: 'plain.csv' });
    const [header, ...rows] = lines(out('plain.csv'));
    expect(header).toBe('email,id,orders');
    expect(rows.map((l) => l.split(',')[1]).sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect(rows).toContain('bob@example.com,c2,1');
  });

  it('writes an email only with consent to email and a phone only with consent to SMS, keeping every member', async () => {
    await writeExport(store, 'buyers', { format: 'csv', columns: ['id', 'email', 'phone'] }, { path: out('contacts.csv') });
    const [header, ...rows] = lines(out('contacts.csv'));
    expect(header).toBe('id,email,phone');
    // c3 refused email but gave SMS; c4 refused SMS; c5 never stated either.
    expect(rows.sort()).toEqual(['c1, Ann@Example.com ,06 12 34 56 78', 'c2,bob@example.com,', 'c3,,+44 7700 900123', 'c4,,', 'c5,,']);
  });

  it('writes JSON lines with the default columns', async () => {
    await writeExport(store, 'buyers', { format: 'jsonl' }, { path: out('plain.jsonl') });
    const rows = lines(out('plain.jsonl')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(5);
    expect(Object.keys(rows[0]!)).toEqual(['id', 'email', 'score']);
    expect(rows.find((r) => r.id === 'c2')).toEqual({ id: 'c2', email: 'bob@example.com', score: 1 });
  });

  it('refuses an unknown column, a column asked twice, columns for an ad file and an unknown audience, naming each', async () => {
    await expect(writeExport(store, 'buyers', { format: 'csv', columns: ['id', 'shoe_size'] }, { path: out('x.csv') })).rejects.toThrow(/^columns: no column "shoe_size"/);
    await expect(writeExport(store, 'buyers', { format: 'csv', columns: ['id', 'id'] }, { path: out('x.csv') })).rejects.toThrow(/^columns: "id" is asked for twice/);
    await expect(writeExport(store, 'buyers', { format: 'csv', columns: ['id'], destination: 'meta' }, { path: out('x.csv') })).rejects.toThrow(/^columns: an ad-audience file/);
    await expect(writeExport(store, 'nobody', { format: 'csv' }, { path: out('x.csv') })).rejects.toThrow(/no audience "nobody"/);
  });
});

describe('ad-audience files', () => {
  const first: Record<string, ExportRecord> = {};

  it('says before an export how many members have an email, a phone and ads consent', async () => {
    expect(await exportDryRun(store, 'buyers')).toEqual({ audience: 'buyers', as_of: '2024-04-01 00:00:00', members: 5, with_email: 4, with_phone: 3, with_ads_consent: 3, reachable_for_ads: 3 });
  });

  it('holds the hashed email and phone of the members who consented to ads, normalised as each platform documents', async () => {
    first.meta = await writeExport(store, 'buyers', { format: 'csv', destination: 'meta' }, { path: out('meta.csv') });
    expect(lines(out('meta.csv')).sort()).toEqual(
      ['email,phone', `${sha('ann@example.com')},${sha('33612345678')}`, `${sha('bob@example.com')},`, `,${sha('16577770000')}`].sort(),
    );
    first.google = await writeExport(store, 'buyers', { format: 'jsonl', destination: 'google' }, { path: out('google.jsonl') });
    expect(lines(out('google.jsonl')).map((l) => JSON.parse(l) as unknown)).toEqual(
      expect.arrayContaining([{ Email: sha('ann@example.com'), Phone: sha('+33612345678') }, { Email: null, Phone: sha('+16577770000') }]),
    );
    expect(first.google).toMatchObject({ rows: 3, removals: null, removals_file: null, columns: ['Email', 'Phone'] });
    // c3 refused ads consent and c5 never stated it: neither is anywhere in the files.
    for (const file of ['meta.csv', 'google.jsonl']) {
      const text = readFileSync(out(file), 'utf8');
      for (const absent of [sha('cat@example.com'), sha('447700900123'), sha('+447700900123'), sha('dan@example.com')]) expect(text).not.toContain(absent);
    }
  });

  it('gives, in the next file, the removals of members who withdrew consent, were erased or left', async () => {
    await setConsent(store, 'c2', { ads: false });
    await eraseCustomer(store, 'c1');
    await store.run(sql`UPDATE audiences SET definition = ${JSON.stringify({ kind: 'rule', text: 'orders >= 1 and customer.country != "US"' })} WHERE id = 'buyers'`);
    await setConsent(store, 'c3', { ads: true });
    await runPipeline(store, '2024-06-01 00:00:00');
    const next = await writeExport(store, 'buyers', { format: 'csv', destination: 'meta' }, { path: out('meta-2.csv') });
    expect(next).toMatchObject({ rows: 1, removals: 3, removals_file: 'meta-2.removals.csv' });
    expect(lines(out('meta-2.csv'))).toEqual(['email,phone', `${sha('cat@example.com')},${sha('447700900123')}`]);
    expect(lines(out('meta-2.removals.csv')).sort()).toEqual(
      ['email,phone', `${sha('ann@example.com')},${sha('33612345678')}`, `${sha('bob@example.com')},`, `,${sha('16577770000')}`].sort(),
    );
    // The erased customer's hashes were kept only until this export said to remove them.
    const kept = await store.all(sql`SELECT email_sha256 FROM export_identities WHERE destination = 'meta'`);
    expect(kept).toEqual([{ email_sha256: sha('cat@example.com') }]);
    // Removals are per destination: Google's next file removes from Google's last one.
    const google = await writeExport(store, 'buyers', { format: 'jsonl', destination: 'google' }, { path: out('google-2.jsonl') });
    expect(google).toMatchObject({ rows: 1, removals: 3 });
    expect(readFileSync(out('google-2.removals.jsonl'), 'utf8')).toContain(sha('+33612345678'));
  });
});

describe('syncs', () => {
  it('write the next export of each followed audience after every run of the latest date', async () => {
    const syncDir = out('synced');
    const sync = await createSync(store, { audience: 'Buyers', format: 'csv', destination: 'tiktok', directory: syncDir });
    expect(await listSyncs(store)).toEqual([sync]);
    await runPipeline(store, '2024-07-01 00:00:00');
    expect(readdirSync(syncDir)).toHaveLength(1);
    await setConsent(store, 'c3', { ads: false });
    await runPipeline(store, '2024-08-01 00:00:00');
    // A backfill run for a past date leaves the synced files alone.
    await runPipeline(store, '2024-03-01 00:00:00');
    const files = readdirSync(syncDir).sort();
    expect(files).toHaveLength(3);
    const removals = files.find((f) => f.includes('.removals.'))!;
    expect(lines(join(syncDir, removals))).toEqual(['Email_SHA256,Phone_SHA256', `${sha('cat@example.com')},${sha('447700900123')}`]);
    expect(await deleteSync(store, sync.id)).toEqual({ deleted: sync.id });
    await expect(deleteSync(store, sync.id)).rejects.toThrow(/no export sync/);
    await expect(createSync(store, { audience: 'Buyers', format: 'csv', columns: ['id', 'nope'] })).rejects.toThrow(/columns: no column "nope"/);
  });
});
