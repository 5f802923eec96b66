import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/sql/index.js';
import { eventBatchSchema, Store } from '../../src/store/index.js';
import { isoMicros, microsToMs } from '../../src/store/ingest/iso-instant.js';

/** A batch's instants are read in this process, no longer by DuckDB's cast: both must agree on every form the schema takes. */
let store: Store;
beforeAll(async () => {
  store = await Store.open({ path: ':memory:' });
});
afterAll(() => store.close());

const TEXTS = [
  '2026-06-01T10:00:00Z',
  '2026-06-01T10:00:00.250+02:00',
  '2026-06-01T10:00:00.1234567Z',
  '2026-06-01T10:00',
  '2026-06-01T10:00:59.5',
  '2026-06-01T01:00:00-23:59',
  '2024-02-29T23:59:59.9999995-05:30',
  '1969-12-31T23:59:59.9995Z',
  '0024-03-01T12:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999999+00:00',
];

describe('isoMicros', () => {
  it('reads each form the event schema takes as DuckDB casts it, to the microsecond, and its milliseconds as epoch_ms rounds them', async () => {
    for (const text of TEXTS) expect(eventBatchSchema.safeParse({ events: [{ id: 'e', type: 'view', ts: text, customer_id: 'c' }] }).success, text).toBe(true);
    for (const text of TEXTS) {
      const cast = sql`CAST(CAST(${text} AS TIMESTAMPTZ) AS TIMESTAMP)`;
      const row = (await store.one<{ us: number; ms: number }>(sql`SELECT CAST(epoch_us(${cast}) AS VARCHAR) AS us, epoch_ms(${cast}) AS ms`))!;
      expect(String(isoMicros(text)), text).toBe(row.us);
      expect(microsToMs(isoMicros(text)), text).toBe(row.ms);
    }
  });
});
