import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { materializeCustomerFeatures } from '../../src/features/index.js';
import { sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { compileRule, eventAggregatesRelation, evaluateRule, parseRule, printRule, type CompileContext, type EventRecord, type Rule } from '../../src/segments/index.js';
import { memoryStore, tempDir } from '../helpers.js';
import { arbitraryRule } from './arbitraries.js';

/**
 * The conformance suite: every rule, hand-written or generated, selects the same customers through the SQL compiler
 * (batch) and through the in-memory evaluator (real time), over the same generated store.
 */
const AS_OF = '2026-06-01 00:00:00';
const AS_OF_MS = Date.parse('2026-06-01T00:00:00Z');
const dir = tempDir();
let store: Store;
let customers: Array<{ features: Record<string, unknown>; customer: Record<string, unknown>; events: EventRecord[] }>;

const BUYERS = 'Buyers';

async function viaSql(rule: Rule): Promise<string[]> {
  const ctx: CompileContext = {
    asOf: sql`CAST(${AS_OF} AS TIMESTAMP)`,
    aggregates: [],
    inAudience: () => sql`f.customer_id IN (SELECT customer_id FROM customer_features WHERE orders >= 1)`,
  };
  const predicate = compileRule(rule, ctx);
  const e = eventAggregatesRelation(ctx);
  const rows = await store.all<{ id: string }>(sql`${e ? sql`WITH e AS (${e}) ` : sql``}
    SELECT f.customer_id AS id FROM customer_features f JOIN customers c ON c.id = f.customer_id
    ${e ? sql`LEFT JOIN e ON e.customer_id = f.customer_id` : sql``}
    WHERE ${predicate} ORDER BY 1`);
  return rows.map((r) => r.id);
}

function inMemory(rule: Rule): string[] {
  return customers
    .filter((c) => evaluateRule(rule, { asOf: AS_OF_MS, features: c.features, customer: c.customer, events: c.events, inAudience: () => Number(c.features.orders) >= 1 }))
    .map((c) => String(c.features.customer_id))
    .sort();
}

beforeAll(async () => {
  const files = await generateDemo({ customers: 400, seed: 5, outDir: dir.path });
  store = await memoryStore();
  await importDemoFiles(store, files);
  await materializeCustomerFeatures(store, AS_OF);
  const features = await store.all(sql`SELECT * FROM customer_features ORDER BY customer_id`);
  const rows = await store.all(sql`SELECT * FROM customers`);
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  const events = await store.all<EventRecord & { customer_id: string; at: Date }>(sql`
    SELECT ev.customer_id, ev.type, ev.ts AS at, ev.product_id, ev.quantity, ev.unit_price, ev.channel, ev.device, ev.country, ev.query,
      p.category, p.brand, p.style_tags
    FROM events ev LEFT JOIN products p ON p.id = ev.product_id WHERE ev.customer_id IS NOT NULL AND ev.ts < CAST(${AS_OF} AS TIMESTAMP)`);
  const eventsOf = new Map<string, EventRecord[]>();
  for (const e of events) {
    const list = eventsOf.get(e.customer_id) ?? [];
    list.push({ ...e, ts: e.at.getTime() });
    eventsOf.set(e.customer_id, list);
  }
  customers = features.map((f) => ({ features: f, customer: byId.get(f.customer_id as string)!, events: eventsOf.get(f.customer_id as string) ?? [] }));
}, 120_000);
afterAll(() => {
  store.close();
  dir.cleanup();
});

describe('rule conformance: SQL compiler and in-memory evaluator agree', () => {
  const handWritten = [
    'recency_days <= 30 and orders >= 3',
    'not (orders >= 2) or top_category = "dresses"',
    'count(order where category = "shoes", last 90 days) >= 1',
    'sum(order where tag = "premium") > 200',
    'last(view where device = "mobile") >= 14 days ago',
    'first(order) < 2025-06-01',
    'stopped(order, 180 days, 60 days)',
    'customer.country in ["DE", "FR"] and customer.consent_email = true',
    'customer.attributes.gender = "f"',
    'email_open_rate is null',
    'count(search where query contains "linen", between 2025-01-01 and 2026-05-31) >= 1',
    'count(order where tag in ["trend", "sustainable"] and price between 20 and 80, last 365 days) >= 2',
    `in audience "${BUYERS}" and not (recency_days <= 60)`,
  ];
  for (const text of handWritten) {
    it(text, async () => {
      const rule = parseRule(text);
      const a = await viaSql(rule);
      expect(inMemory(rule)).toEqual(a);
      // A rule that selects nobody, or everybody, tests little; the hand-written ones select some.
      expect(a.length, 'members').toBeGreaterThan(0);
      expect(a.length, 'members').toBeLessThan(customers.length);
    });
  }

  it('agrees on 200 generated rules', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryRule(), async (rule) => {
        const a = await viaSql(rule);
        const b = inMemory(rule);
        expect(b, printRule(rule)).toEqual(a);
      }),
      { numRuns: 200, seed: 20261122 },
    );
  });
});
