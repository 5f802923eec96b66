import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/sql/index.js';
import { eraseCustomer, exportCustomer, identityMapping, importFile, setConsent, type Store } from '../../src/store/index.js';
import { columnsHolding, memoryStore, tempDir } from '../helpers.js';
import { runPipeline } from '../../src/pipeline/index.js';

const WHO = 'cust-erase-me';
const dir = tempDir();
const customers = join(dir.path, 'customers.csv');
const events = join(dir.path, 'events.csv');


describe('erasing a customer', () => {
  let store: Store;
  beforeAll(async () => {
    writeFileSync(customers, `id,email,phone,created_at,consent_email\n${WHO},who@example.com,+100,2024-01-01,true\nc2,c2@example.com,,2024-01-02,false\n`);
    writeFileSync(
      events,
      [
        'id,type,ts,customer_id,product_id,order_id,quantity,unit_price',
        `e1,order,2024-02-01 10:00:00,${WHO},p1,o1,1,20`,
        `e2,order,2024-03-01 10:00:00,${WHO},p2,o2,2,15`,
        'e3,order,2024-03-02 10:00:00,c2,p1,o3,1,20',
        `e4,order,not-a-date,${WHO},p1,o4,1,20`,
        `e5,view,2024-03-03 10:00:00,${WHO},p1,,,,extra`,
      ].join('\n') + '\n',
    );
    store = await memoryStore();
    await importFile(store, customers, identityMapping('customers'));
    await importFile(store, events, identityMapping('events'));
    await runPipeline(store, '2024-04-01 00:00:00');
  });
  afterAll(() => {
    store.close();
    dir.cleanup();
  });

  it('exports everything held on the customer first', async () => {
    const data = await exportCustomer(store, WHO);
    expect(data.customer).toMatchObject({ id: WHO, email: 'who@example.com', consent_email: true });
    expect((data.events as unknown[]).length).toBe(2);
    expect((data.memberships as unknown[]).length).toBeGreaterThan(0);
    expect((data.customer_features as unknown[]).length).toBe(1);
    expect((data.quarantine as unknown[]).length).toBe(1);
  });

  it('leaves no table holding the id, and keeps the other customers', async () => {
    expect((await columnsHolding(store, WHO)).length).toBeGreaterThan(3);
    const erasure = await eraseCustomer(store, WHO);
    expect(erasure.deleted).toMatchObject({ customers: 1, events: 2, customer_features: 1 });
    expect(await columnsHolding(store, WHO)).toEqual([]);
    expect(await store.all(sql`SELECT id FROM customers`)).toEqual([{ id: 'c2' }]);
    await expect(exportCustomer(store, WHO)).rejects.toThrow(/not in the store/);
  });

  it('does not bring the customer back when the old files are imported again', async () => {
    const c = await importFile(store, customers, identityMapping('customers'));
    const e = await importFile(store, events, identityMapping('events'));
    expect(c).toMatchObject({ erased: 1, accepted: 0, rows: 2 });
    // Two orders, the bad-date row and the line that could not be parsed: all the erased customer's, none stored.
    expect(e).toMatchObject({ erased: 4, accepted: 0, duplicates: 1, rejected: 0, rows: 5 });
    expect(await columnsHolding(store, WHO)).toEqual([]);
  });

  it('sets consent per channel, leaving the others as they were', async () => {
    expect(await setConsent(store, 'c2', { sms: true })).toEqual({ email: false, sms: true, push: null, ads: null });
    expect(await setConsent(store, 'c2', { email: true, ads: false })).toEqual({ email: true, sms: true, push: null, ads: false });
    await expect(setConsent(store, 'nobody', { email: true })).rejects.toThrow(/not in the store/);
  });
});
