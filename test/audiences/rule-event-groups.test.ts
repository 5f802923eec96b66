import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeRuleMemberships, type RuleAudience } from '../../src/audiences/rules.js';
import { FEATURE_TABLE } from '../../src/features/index.js';
import { asTimestamp, days, ident, sql, type Sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { demoWithRuleAudiences } from '../helpers/rule-audiences.js';

/**
 * A run computes the event aggregates of its rules in groups (one type of event, with its product or not), each group
 * in its own table, and joins a rule only to the groups it reads (rules.ts storeRuleMemberships): each rule must read
 * its own aggregates, and keep a customer who has events of one of its groups and none of the other's. Checked against
 * each rule counted straight from the events.
 */
const AS_OF = '2026-06-01 00:00:00';
const at = asTimestamp(AS_OF);
const RULES = [
  { name: 'Carts without orders', rule: 'count(add_to_cart, last 30 days) >= 1 and count(order, last 30 days) = 0' },
  { name: 'Shoe buyers', rule: 'count(order where category = "shoes", last 90 days) >= 1' },
  { name: 'Mobile viewers', rule: 'count(view where device = "mobile", last 60 days) >= 2' },
  { name: 'Viewers without shoes', rule: 'count(view, last 60 days) >= 1 and count(order where category = "shoes", last 90 days) = 0' },
];

/** The customers with events of `type` in the last `since` days before the date, as many as `test` asks. */
const counted = (type: string, since: number, test: Sql, on: Sql = sql`TRUE`): Sql =>
  sql`(SELECT count(*) FROM events ev LEFT JOIN products p ON p.id = ev.product_id
    WHERE ev.customer_id = f.customer_id AND ev.type = ${type} AND ev.ts < ${at} AND ev.ts >= ${at} - ${days(since)} AND ${on}) ${test}`;

const shoes = sql`p.category = 'shoes'`;
const EXPECTED: Record<string, Sql> = {
  'Carts without orders': sql`${counted('add_to_cart', 30, sql`>= 1`)} AND ${counted('order', 30, sql`= 0`)}`,
  'Shoe buyers': counted('order', 90, sql`>= 1`, shoes),
  'Mobile viewers': counted('view', 60, sql`>= 2`, sql`ev.device = 'mobile'`),
  'Viewers without shoes': sql`${counted('view', 60, sql`>= 1`)} AND ${counted('order', 90, sql`= 0`, shoes)}`,
};

let store: Store;
let rules: RuleAudience[];
let idByName: Map<string, string>;
let close: () => void;

beforeAll(async () => {
  ({ store, rules, idByName, close } = await demoWithRuleAudiences(RULES, AS_OF));
}, 120_000);

afterAll(() => close());

const ids = (rows: Array<{ customer_id: string }>) => rows.map((r) => r.customer_id);

describe('rule audiences reading event aggregates of several groups', () => {
  it('give every rule the members its own events select, keeping those without events of its other group', async () => {
    await storeRuleMemberships(store, AS_OF, rules, idByName);
    const customers = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM ${ident(FEATURE_TABLE)}`))!.n;
    for (const r of RULES) {
      const stored = ids(await store.all(sql`SELECT customer_id FROM memberships WHERE as_of = ${at} AND audience_id = ${idByName.get(r.name)!} ORDER BY 1`));
      const expected = ids(await store.all(sql`SELECT f.customer_id FROM ${ident(FEATURE_TABLE)} f WHERE ${EXPECTED[r.name]!} ORDER BY 1`));
      // Every rule selects someone and leaves someone out, so a rule reading another's values would show.
      expect(expected.length, r.name).toBeGreaterThan(0);
      expect(expected.length, r.name).toBeLessThan(customers);
      expect(stored, r.name).toEqual(expected);
    }
  });
});
