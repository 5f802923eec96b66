import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dependencyLevels, storeRuleMemberships, type RuleAudience } from '../../src/audiences/rules.js';
import { FEATURE_TABLE } from '../../src/features/index.js';
import { readsCustomer } from '../../src/segments/index.js';
import { asTimestamp, ident, join, sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { demoWithRuleAudiences } from '../helpers/rule-audiences.js';

/**
 * A run evaluates its rule audiences a level at a time, all of a level in one statement over the customers (and the
 * customers table joined only where some rule of the level reads it): each audience must get the members, scores and
 * reasons it gets when computed alone.
 */
const AS_OF = '2026-06-01 00:00:00';
const at = asTimestamp(AS_OF);
const RULES = [
  { name: 'Frequent', rule: 'orders >= 3' },
  { name: 'French', rule: 'customer.country = "FR"' },
  { name: 'Recent shoes', rule: 'count(order where category = "shoes", last 90 days) >= 1 or aov >= 120' },
  // Event rules of one level reading one type over different windows (the narrowest first), with and without the
  // product, over all history, and other types: computed together, each type's events are scanned once from the
  // widest window's start, which must give each rule the members it has alone.
  { name: 'Ordered lately', rule: 'count(order, last 30 days) >= 1' },
  { name: 'Ordered this year', rule: 'count(order, last 365 days) >= 3' },
  { name: 'Lapsed', rule: 'stopped(order, 365 days, 120 days)' },
  { name: 'First ordered long ago', rule: 'first(order) <= 300 days ago' },
  { name: 'Premium spenders', rule: 'sum(order where tag = "premium", between 2026-01-01 and 2026-05-31) > 100' },
  { name: 'Mobile viewers', rule: 'count(view where device = "mobile", last 60 days) >= 2' },
  { name: 'Frequent French', rule: 'in audience "Frequent" and customer.country = "FR"' },
  { name: 'Frequent shoe buyers', rule: 'in audience "Recent shoes" and orders >= 2' },
];

let store: Store;
let rules: RuleAudience[];
let idByName: Map<string, string>;
let close: () => void;

beforeAll(async () => {
  ({ store, rules, idByName, close } = await demoWithRuleAudiences(RULES, AS_OF));
}, 120_000);

afterAll(() => close());

const rowsOf = (ids: readonly string[]) =>
  store.all<Record<string, unknown>>(sql`SELECT audience_id, customer_id, score, reasons FROM memberships
    WHERE as_of = ${at} AND audience_id IN (${join(ids.map((id) => sql`${id}`))}) ORDER BY audience_id, customer_id`);

describe('rule audiences evaluated a level at a time', () => {
  it('give every audience the members, scores and reasons it has computed alone', async () => {
    const levels = dependencyLevels(rules);
    // Both kinds of level: one where some rules read the customer row and others do not (the smart segments among
    // them), and one where one rule reads it; every level has rules that do not.
    expect(levels.length).toBe(2);
    for (const level of levels) {
      expect(level.some((r) => readsCustomer(r.rule)), level.map((r) => r.audience.name).join()).toBe(true);
      expect(level.some((r) => !readsCustomer(r.rule))).toBe(true);
    }
    expect(levels[0]!.length).toBeGreaterThan(10);

    await storeRuleMemberships(store, AS_OF, rules, idByName);
    const ids = rules.map((r) => r.audience.id);
    const together = await rowsOf(ids);
    // Every audience selects someone and leaves someone out.
    const customers = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM ${ident(FEATURE_TABLE)}`))!.n;
    for (const r of RULES) {
      const size = together.filter((m) => m.audience_id === idByName.get(r.name)).length;
      expect(size, r.name).toBeGreaterThan(0);
      expect(size, r.name).toBeLessThan(customers);
    }
    // Each alone, reading the others' members of the date through `in audience` as the run stored them.
    for (const r of rules) {
      await store.run(sql`DELETE FROM memberships WHERE as_of = ${at} AND audience_id = ${r.audience.id}`);
      await storeRuleMemberships(store, AS_OF, [r], idByName);
    }
    expect(await rowsOf(ids)).toEqual(together);
  });
});
