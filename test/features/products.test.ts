import { afterAll, describe, expect, it } from 'vitest';
import { materializeProductFeatures } from '../../src/features/index.js';
import { sql } from '../../src/sql/index.js';
import { identityMapping, importFile, type Store } from '../../src/store/index.js';
import { ENGINES, storeOn } from '../engines.js';
import { tempDir } from '../helpers.js';

/** A hand-made store whose product features are worked out by hand below, on each engine. */
const AS_OF = '2026-03-01 00:00:00';
const dir = tempDir();
afterAll(() => dir.cleanup());


async function load(store: Store): Promise<void> {
  await importFile(store, dir.file('products.csv', ['id,category,price', 'p1,knitwear,50', 'p2,bags,80']), identityMapping('products'));
  await importFile(store, dir.file('customers.csv', ['id,created_at', ...['x', 'y', 'z', 'w'].map((c) => `${c},2026-01-01 00:00:00`)]), identityMapping('customers'));
  await importFile(
    store,
    dir.file('events.csv', [
      'id,type,ts,customer_id,anonymous_id,product_id,order_id,quantity,unit_price',
      // x: two lines of p1 in one order, and p2 in it too: one order of each, not a repeat buyer.
      'e1,order,2026-01-05 10:00:00,x,,p1,o1,1,50',
      'e2,order,2026-01-05 10:00:00,x,,p1,o1,1,50',
      'e3,order,2026-01-05 10:00:00,x,,p2,o1,1,80',
      // y: p1 in two orders, one unit of the second returned.
      'e4,order,2026-01-10 10:00:00,y,,p1,o2,1,50',
      'e5,order,2026-01-20 10:00:00,y,,p1,o3,2,50',
      'e6,return,2026-01-25 10:00:00,y,,p1,o3,1,50',
      // z: p1 once.
      'e7,order,2026-01-12 10:00:00,z,,p1,o4,1,50',
      // w: p1 on two till lines without an order id, each an order of its own.
      'e8,order,2026-01-13 10:00:00,w,,p1,,1,50',
      'e9,order,2026-01-14 10:00:00,w,,p1,,1,50',
      // An anonymous shopper's two orders: units and revenue, no buyer.
      'e10,order,2026-01-15 10:00:00,,v1,p1,o5,1,50',
      'e11,order,2026-01-16 10:00:00,,v1,p1,o6,1,50',
      // After the date: ignored.
      'e12,order,2026-03-02 10:00:00,z,,p1,o7,1,50',
    ]),
    identityMapping('events'),
  );
}

describe.each(ENGINES)('product features on %s', (engine) => {
  it('counts a buyer as repeat when they bought it in two orders, lines without an order id each one', async () => {
    const { store, close } = await storeOn(engine, load);
    try {
      await materializeProductFeatures(store, AS_OF);
      const rows = await store.all(sql`SELECT product_id, units, revenue, buyers, repeat_buyer_rate FROM product_features ORDER BY product_id`);
      expect(rows).toEqual([
        // y and w bought p1 in two orders; x twice in one; z once.
        { product_id: 'p1', units: 9, revenue: 450, buyers: 4, repeat_buyer_rate: 0.5 },
        { product_id: 'p2', units: 1, revenue: 80, buyers: 1, repeat_buyer_rate: 0 },
      ]);
    } finally {
      await close();
    }
  });
});
