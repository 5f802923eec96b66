import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerRows } from '../../src/audiences/customer-context.js';
import { CustomerFields } from '../../src/audiences/customer-fields.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore } from '../helpers.js';

/**
 * The live view holds customers' fields by column (a byte a consent, a vocabulary code a text): each held field must
 * read back as the store's row gives it, for every type, null included. They are read as numbers (an instant as
 * epoch milliseconds computed by the engine): instants with microseconds, before 1970 too, read back as the row's Date.
 */
let store: Store;
beforeAll(async () => {
  store = await memoryStore();
  await store.run(sql`INSERT INTO customers (id, email, created_at, country, consent_email, consent_sms, attributes) VALUES
    ('a', 'a@example.org', TIMESTAMP '2024-03-01 10:00:01', 'DE', true, false, '{"gender":"f"}'),
    ('b', NULL, NULL, 'DE', NULL, true, NULL),
    ('c', 'c@example.org', TIMESTAMP '1969-12-31 23:59:59.5', NULL, false, NULL, '{"gender":"f"}'),
    ('d', NULL, TIMESTAMP '2024-03-01 10:00:01.123456', 'FR', NULL, NULL, NULL),
    ('e', NULL, TIMESTAMP '1969-12-31 23:59:59.999501', 'FR', NULL, NULL, NULL)`);
});
afterAll(() => store.close());

describe('customer fields by column', () => {
  it('read back every held column as the store row gives it, and an empty row for a customer without one', async () => {
    const numbers = new Map(['a', 'b', 'c', 'gone', 'd', 'e'].map((id, i) => [id, i]));
    const fields = new CustomerFields(new Set(['email', 'created_at', 'country', 'attributes']), 2);
    fields.put(await fields.fetch(store, 'all'), [], (id) => numbers.get(id));
    const rows = await customerRows(store, 'all');
    const held = ['email', 'created_at', 'country', 'attributes', 'consent_email', 'consent_sms', 'consent_push', 'consent_ads'];
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      const row = rows.get(id)!;
      expect(fields.row(numbers.get(id)!), id).toEqual(Object.fromEntries(held.map((name) => [name, row[name]])));
    }
    expect(fields.row(3)).toEqual({});
    // Asked about again without a row in the store (erased since): an empty row.
    fields.put(await fields.fetch(store, ['gone', 'b']), ['gone', 'b'], (id) => numbers.get(id));
    expect(fields.row(3)).toEqual({});
    expect(fields.row(1).consent_sms).toBe(true);
  });

  it('hold the consent values and the columns rules read; other columns need a new build', () => {
    const fields = new CustomerFields(new Set(['country']), 1);
    expect(fields.covers(new Set(['country', 'consent_ads']))).toBe(true);
    expect(fields.covers(new Set(['attributes']))).toBe(false);
  });
});
