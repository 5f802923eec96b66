import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerFeatures } from '../../src/features/index.js';
import { identityMapping, importFile, type Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';

/** A hand-made store whose rhythm, visit and style features are worked out by hand below. */
const AS_OF = '2026-03-01 00:00:00';
const dir = tempDir();
let store: Store;


beforeAll(async () => {
  store = await memoryStore();
  await importFile(store, dir.file('products.csv', ['id,category,price,style_tags', 'p1,knitwear,50,comfort|basics', 'p2,dresses,80,trend', 'p3,bags,200,']), identityMapping('products'));
  await importFile(store, dir.file('customers.csv', ['id,created_at', 'a,2026-01-01 00:00:00', 'b,2026-02-20 00:00:00', 'c,2025-03-01 00:00:00']), identityMapping('customers'));
  const header = 'id,type,ts,customer_id,session_id,product_id,order_id,quantity,unit_price';
  await importFile(
    store,
    dir.file('events.csv', [
      header,
      // a: two online visits with an order, one in-store order (no session), one visit that only looks.
      'e1,view,2026-01-05 10:00:00,a,s1,p1,,,',
      'e2,order,2026-01-05 10:05:00,a,s1,p1,o1,2,50',
      'e3,order,2026-01-20 12:00:00,a,s2,p2,o2,1,80',
      'e4,order,2026-02-10 15:00:00,a,,p2,o3,1,80',
      'e5,view,2026-02-15 09:00:00,a,s3,p3,,,',
      'e6,view,2026-02-15 09:01:00,a,s3,p2,,,',
      // a's carts: in s1, which went on to an order, and in s3, abandoned.
      'e10,add_to_cart,2026-01-05 10:02:00,a,s1,p1,,,',
      'e11,add_to_cart,2026-02-15 09:02:00,a,s3,p2,,,',
      // b: registered nine days before the date, one order.
      'e7,order,2026-02-25 18:00:00,b,s4,p3,o4,1,200',
      // c: browses, never orders.
      'e8,view,2026-02-01 20:00:00,c,s5,p1,,,',
      // After the date: ignored.
      'e9,order,2026-03-02 10:00:00,a,s6,p1,o5,5,50',
    ]),
    identityMapping('events'),
  );
});

afterAll(() => {
  store.close();
  dir.cleanup();
});

describe('rhythm, visit and style features', () => {
  it('counts orders per year of tenure, with a 30-day floor', async () => {
    // a: 3 orders over 59 days; b: 1 order over 9 days, counted as 30; c: no order.
    expect((await customerFeatures(store, AS_OF, 'a'))?.orders_per_year).toBeCloseTo((3 * 365) / 59, 9);
    expect((await customerFeatures(store, AS_OF, 'b'))?.orders_per_year).toBeCloseTo(365 / 30, 9);
    expect((await customerFeatures(store, AS_OF, 'c'))?.orders_per_year).toBe(0);
  });

  it('counts the online visits that included an order; till purchases are not visits', async () => {
    expect((await customerFeatures(store, AS_OF, 'a'))?.visit_conversion_rate).toBeCloseTo(2 / 3, 9);
    expect((await customerFeatures(store, AS_OF, 'b'))?.visit_conversion_rate).toBe(1);
    expect((await customerFeatures(store, AS_OF, 'c'))?.visit_conversion_rate).toBe(0);
  });

  it('counts a session with a cart and no order as abandoned', async () => {
    expect((await customerFeatures(store, AS_OF, 'a'))?.cart_abandon_rate).toBe(0.5);
    expect((await customerFeatures(store, AS_OF, 'b'))?.cart_abandon_rate).toBeNull();
  });

  it('shares units by style tag, and leaves a tag no product carries unknown', async () => {
    // a bought 2 units of p1 (comfort, basics) and 2 of p2 (trend).
    expect(await customerFeatures(store, AS_OF, 'a')).toMatchObject({ comfort_share: 0.5, basics_share: 0.5, trend_share: 0.5, premium_share: null, classic_share: null });
    // b bought only an untagged product; c bought nothing, so has no share.
    expect(await customerFeatures(store, AS_OF, 'b')).toMatchObject({ comfort_share: 0, trend_share: 0, premium_share: null });
    expect((await customerFeatures(store, AS_OF, 'c'))?.comfort_share).toBeNull();
  });
});
