import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeRuleMemberships } from '../../src/audiences/rules.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { asTimestamp, sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';
import { ruleAudiencesAt } from '../helpers/rule-audiences.js';

/**
 * A rule member's stored score is the share of the rule's clauses they hold, and their reasons the line of each
 * clause held ("text [their value]", joined with '; '). A member of an `and` holds every clause, which the run
 * knows without testing each clause per member: its rows must be byte for byte those of the same clauses under `or`
 * (tested clause by clause) for the customers holding all of them.
 */
const AS_OF = '2026-06-01 00:00:00';
const at = asTimestamp(AS_OF);
// A whole number, a fraction, a text attribute, a time and a count of events, and a clause without a value.
const CLAUSES = [
  'orders >= 2',
  'aov >= 40',
  'customer.country in ["FR", "DE", "GB", "US", "ES", "IT", "NL"]',
  'last(order) >= 200 days ago',
  'count(order, last 365 days) >= 1',
  'not recency_days > 150',
];
const RULES = [
  { name: 'All', rule: CLAUSES.join(' and ') },
  { name: 'Any', rule: CLAUSES.join(' or ') },
  { name: 'Lapsed', rule: 'stopped(order, 365 days, 120 days)' },
  { name: 'Rare', rule: 'orders <= 1' },
];

type Row = { customer_id: string; score: number; reasons: string };
const dir = tempDir();
let store: Store;
const rows = new Map<string, Row[]>();

beforeAll(async () => {
  const files = await generateDemo({ customers: 800, seed: 5, outDir: dir.path });
  store = await memoryStore();
  await importDemoFiles(store, files);
  const { rules, idByName } = await ruleAudiencesAt(store, RULES, AS_OF);
  await storeRuleMemberships(store, AS_OF, rules, idByName);
  for (const { name } of RULES) {
    rows.set(name, await store.all<Row>(sql`SELECT customer_id, score, reasons FROM memberships WHERE audience_id = ${idByName.get(name)!} AND as_of = ${at} ORDER BY customer_id`));
  }
}, 120_000);

afterAll(() => {
  store.close();
  dir.cleanup();
});

const lines = (r: Row) => r.reasons.split('; ');

describe('rule members stored with their score and reasons', () => {
  it('give a member of an `and` the score and reasons they get under `or` holding every clause', () => {
    const all = rows.get('All')!;
    const any = new Map(rows.get('Any')!.map((r) => [r.customer_id, r]));
    expect(all.length).toBeGreaterThan(10);
    // Members with different values, so that the lines are the members' own.
    expect(new Set(all.map((r) => r.reasons)).size).toBeGreaterThan(all.length / 2);
    for (const r of all) {
      expect(any.get(r.customer_id), r.customer_id).toEqual(r);
      expect(r.score).toBe(1);
      expect(lines(r).map((l, i) => l.startsWith(CLAUSES[i]!))).toEqual(CLAUSES.map(() => true));
    }
  });

  it('give a member of an `or` only the lines of the clauses they hold, and the share of them as score', () => {
    const any = rows.get('Any')!;
    const allIds = new Set(rows.get('All')!.map((r) => r.customer_id));
    for (const r of any) {
      expect(lines(r).length, r.reasons).toBe(Math.round(r.score * CLAUSES.length));
      expect(r.score === 1, r.customer_id).toBe(allIds.has(r.customer_id));
      // Each line is a clause's, in the rule's order.
      const at = lines(r).map((l) => CLAUSES.findIndex((c) => l.startsWith(c)));
      expect(at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1]!)), r.reasons).toBe(true);
    }
    expect(any.some((r) => lines(r).length === 1)).toBe(true);
    expect(any.some((r) => r.score < 1 && lines(r).length > 1)).toBe(true);
  });

  it('give a member of a rule of one clause score 1 and its line: its text, with their value where it has one', () => {
    const lapsed = rows.get('Lapsed')!;
    expect(lapsed.length).toBeGreaterThan(0);
    for (const r of lapsed) expect(r).toEqual({ customer_id: r.customer_id, score: 1, reasons: 'stopped(order, 365 days, 120 days)' });
    const rare = rows.get('Rare')!;
    expect(new Set(rare.map((r) => r.reasons))).toEqual(new Set(['orders <= 1 [0]', 'orders <= 1 [1]']));
    expect(rare.every((r) => r.score === 1)).toBe(true);
  });
});
