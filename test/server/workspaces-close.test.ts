import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKey } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { campaignShop, request, serveForTest } from './harness.js';

/**
 * Closing the workspaces saves the live memberships event batches left unsaved. A save that fails there (here: the
 * table it writes is gone) must not leave the stores open: the error comes after they are closed, and no event is
 * lost, since they were committed before their batch was answered.
 */

const dir = tempDir();
afterAll(() => dir.cleanup());

describe('closing the workspaces', () => {
  it('closes the stores when saving the live memberships fails, then says why', async () => {
    const workspaces = await campaignShop(dir.path, { customers: 80, seed: 5 });
    await workspaces.rebuildView('default');
    const key = (await createKey(workspaces.control, 'default', ['admin'], 'test')).key;
    const { app, base } = await serveForTest(workspaces);
    const events = [1, 2, 3].map((i) => ({ id: `closing-${i}`, type: 'view', ts: new Date(Date.now() - 3_600_000).toISOString(), customer_id: 'C001', product_id: 'P00001' }));
    expect((await request(base, 'POST', '/v1/events', key, { events })).status).toBe(200);
    expect(workspaces.view('default')!.unsavedCount).toBe(1);

    const store = await workspaces.use('default', async (s) => {
      await s.run(sql`DROP TABLE live_memberships`);
      return s;
    });
    await app.close();
    await expect(workspaces.close()).rejects.toThrow(/live_memberships/);

    await expect(store.all(sql`SELECT 1`)).rejects.toThrow(/disconnected/);
    // The batch's events were committed before it was answered.
    const again = await Store.open({ path: join(dir.path, 'shop.duckdb') });
    expect((await again.one<{ n: number }>(sql`SELECT count(*)::INTEGER AS n FROM events WHERE id LIKE 'closing-%'`))!.n).toBe(3);
    again.close();
  });
});
