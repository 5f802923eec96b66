import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeRuleMemberships, type RuleAudience } from '../../src/audiences/rules.js';
import { FEATURE_TABLE } from '../../src/features/index.js';
import { asTimestamp, days, ident, sql, type Sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { demoWithRuleAudiences } from '../helpers/rule-audiences.js';

/**
 * A group's scan keeps only its type's events, so its aggregates test only their other conditions, and a condition
 * all of them test is tested once in the scan's WHERE (sql-compiler.ts groupScan): the order group mixes all-history
 * first/last times with counts over several windows, the email clicks' and views' groups have one window each (the
 * customers the WHERE drops must read as without events). Checked against the events counted straight, with events
 * added on the windows' boundaries (the window's first instant counts, the as-of instant does not), members and the
 * values in their reasons.
 */
const AS_OF = '2026-06-01 00:00:00';
const at = asTimestamp(AS_OF);
const RULES = [
  { name: 'Ordering lately', rule: 'count(order, last 30 days) >= 1 and count(order, last 90 days) >= 3' },
  { name: 'Recent last order', rule: 'last(order) >= 60 days ago' },
  { name: 'New buyers', rule: 'first(order) >= 180 days ago' },
  { name: 'Lapsed buyers', rule: 'stopped(order, 365 days, 120 days)' },
  { name: 'No clicks', rule: 'count(email_click, last 90 days) = 0' },
  { name: 'Viewers', rule: 'count(view, last 30 days) >= 1' },
];

/** Events of `type` of the customer before the date, from `since` days before it (all history without). */
const events = (type: string, since?: number): Sql =>
  sql`FROM events ev WHERE ev.customer_id = f.customer_id AND ev.type = ${type} AND ev.ts < ${at} ${since === undefined ? sql`` : sql`AND ev.ts >= ${at} - ${days(since)}`}`;
const count = (type: string, since: number, test: Sql): Sql => sql`(SELECT count(*) ${events(type, since)}) ${test}`;

const EXPECTED: Record<string, Sql> = {
  'Ordering lately': sql`${count('order', 30, sql`>= 1`)} AND ${count('order', 90, sql`>= 3`)}`,
  'Recent last order': sql`(SELECT max(ev.ts) ${events('order')}) >= ${at} - ${days(60)}`,
  'New buyers': sql`(SELECT min(ev.ts) ${events('order')}) >= ${at} - ${days(180)}`,
  'Lapsed buyers': sql`(SELECT count(*) ${events('order', 365)} AND ev.ts < ${at} - ${days(120)}) > 0 AND ${count('order', 120, sql`= 0`)}`,
  'No clicks': count('email_click', 90, sql`= 0`),
  'Viewers': count('view', 30, sql`>= 1`),
};

/** The value shown in a member's reasons for the rules of one time: the time straight from the events. */
const SHOWN: Record<string, Sql> = {
  'Recent last order': sql`(SELECT strftime(max(ev.ts), '%Y-%m-%d %H:%M') ${events('order')})`,
  'New buyers': sql`(SELECT strftime(min(ev.ts), '%Y-%m-%d %H:%M') ${events('order')})`,
};

let store: Store;
let rules: RuleAudience[];
let idByName: Map<string, string>;
let close: () => void;

/** A copy of one of the customer's events of this type (their latest), at `ts`. */
async function copyEventAt(type: string, customer: string, ts: Sql, tag: string): Promise<void> {
  await store.run(sql`INSERT INTO events SELECT * REPLACE (${tag} || id AS id, ${ts} AS ts)
    FROM events WHERE id = (SELECT id FROM events WHERE type = ${type} AND customer_id = ${customer} ORDER BY ts DESC, id LIMIT 1)`);
}

/** A customer with events of `type` before `from` and none from it until the date. */
async function customerWithout(type: string, from: Sql, skip: number): Promise<string> {
  const row = await store.one<{ customer_id: string }>(sql`SELECT customer_id FROM events WHERE type = ${type} AND customer_id IS NOT NULL
    GROUP BY customer_id HAVING count(*) FILTER (WHERE ts >= ${from} AND ts < ${at}) = 0 AND min(ts) < ${from} ORDER BY customer_id LIMIT 1 OFFSET ${skip}`);
  return row!.customer_id;
}

beforeAll(async () => {
  ({ store, rules, idByName, close } = await demoWithRuleAudiences(RULES, AS_OF));
  // On the boundaries: a view at the first instant of the last 30 days (counts) and one at the as-of instant (does
  // not); an email click at the first instant of the last 90 days (counts) and one at the as-of instant; an order at
  // the first instant of the last 30 days; after the feature table, which the rules read no event feature of.
  const d30 = sql`${at} - ${days(30)}`;
  const d90 = sql`${at} - ${days(90)}`;
  await copyEventAt('view', await customerWithout('view', d30, 0), d30, 'b1-');
  await copyEventAt('view', await customerWithout('view', d30, 1), at, 'b2-');
  await copyEventAt('email_click', await customerWithout('email_click', d90, 0), d90, 'b3-');
  await copyEventAt('email_click', await customerWithout('email_click', d90, 1), at, 'b4-');
  await copyEventAt('order', await customerWithout('order', d30, 0), d30, 'b5-');
}, 120_000);

afterAll(() => close());

describe('the event aggregates of a group, with the conditions its aggregates share tested once', () => {
  it('select the members and show the values counted straight from the events, windows on their boundaries', async () => {
    await storeRuleMemberships(store, AS_OF, rules, idByName);
    const customers = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM ${ident(FEATURE_TABLE)}`))!.n;
    for (const r of RULES) {
      const stored = await store.all<{ customer_id: string; reasons: string }>(
        sql`SELECT customer_id, reasons FROM memberships WHERE as_of = ${at} AND audience_id = ${idByName.get(r.name)!} ORDER BY 1`,
      );
      const expected = await store.all<{ customer_id: string; shown: string | null }>(
        sql`SELECT f.customer_id, ${SHOWN[r.name] ?? sql`NULL`} AS shown FROM ${ident(FEATURE_TABLE)} f WHERE ${EXPECTED[r.name]!} ORDER BY 1`,
      );
      // Every rule selects someone and leaves someone out.
      expect(expected.length, r.name).toBeGreaterThan(0);
      expect(expected.length, r.name).toBeLessThan(customers);
      expect(stored.map((m) => m.customer_id), r.name).toEqual(expected.map((e) => e.customer_id));
      if (SHOWN[r.name]) expect(stored.map((m) => m.reasons.slice(m.reasons.lastIndexOf('[') + 1, -1)), r.name).toEqual(expected.map((e) => e.shown));
    }
  });
});
