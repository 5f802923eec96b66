import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/index.js';
import { eraseCustomer, identityMapping, importFile, type Store } from '../../src/store/index.js';
import { columnsHolding, memoryStore, tempDir } from '../helpers.js';
import { WHO, writePrivacyFiles } from './privacy-files.js';

/**
 * An erased customer stays erased when the files they came from are imported again. Export, erasure and consent
 * themselves are tested on every engine, over the same files, in privacy-engines.test.ts.
 */
const dir = tempDir();
const { customers, events } = writePrivacyFiles(dir);

describe('erasing a customer', () => {
  let store: Store;
  beforeAll(async () => {
    store = await memoryStore();
    await importFile(store, customers, identityMapping('customers'));
    await importFile(store, events, identityMapping('events'));
    await runPipeline(store, '2024-04-01 00:00:00');
    await eraseCustomer(store, WHO);
  });
  afterAll(() => {
    store.close();
    dir.cleanup();
  });

  it('does not bring the customer back when the old files are imported again', async () => {
    const c = await importFile(store, customers, identityMapping('customers'));
    const e = await importFile(store, events, identityMapping('events'));
    expect(c).toMatchObject({ erased: 1, accepted: 0, rows: 3 });
    // Two orders, the bad-date row and the line that could not be parsed: all the erased customer's, none stored.
    expect(e).toMatchObject({ erased: 4, accepted: 0, duplicates: 2, rejected: 0, rows: 6 });
    expect(await columnsHolding(store, WHO)).toEqual([]);
  });
});
