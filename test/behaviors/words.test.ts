import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewRule } from '../../src/audiences/rule-builder.js';
import { fitOnLatestRun, runPipeline } from '../../src/pipeline/index.js';
import { loadCustomerContexts } from '../../src/audiences/customer-context.js';
import { previewSpec as preview } from '../../src/audiences/behavior-preview.js';
import { interpret, keepPreviewLines, previewFeaturesHold, previewLinesHold, PREVIEW_LINES_TABLE } from '../../src/behaviors/words/index.js';

import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { ValidationError } from '../../src/shared/errors.js';
import { join, sql } from '../../src/sql/index.js';
import { eraseCustomer, type Store } from '../../src/store/index.js';
import { evaluateRule, parseRule, printRule, type CustomerContext } from '../../src/segments/index.js';
import { memoryStore, tempDir } from '../helpers.js';
import { NOT_UNDERSTOOD, WORDS_CASES } from './words-cases.js';

const AS_OF = '2026-06-01 00:00:00';
const dir = tempDir();
let store: Store;
let contexts: Map<string, CustomerContext>;

/** Who a hand-written rule selects, by the in-memory evaluator: the other of the two evaluators the preview is not. */
function byHand(spec: string): string[] {
  const rule = parseRule(spec);
  return [...contexts].filter(([, ctx]) => evaluateRule(rule, ctx)).map(([id]) => id).sort();
}

beforeAll(async () => {
  const files = await generateDemo({ customers: 800, seed: 5, outDir: dir.path });
  store = await memoryStore();
  await importDemoFiles(store, files);
  await runPipeline(store, AS_OF);
  await fitOnLatestRun(store, 'behavior', { seed: 1 });
  // Again, so the clustering's members and sizes are stored with the run the preview counts on.
  await runPipeline(store, AS_OF);
  const ids = (await store.all<{ id: string }>(sql`SELECT customer_id AS id FROM customer_features`)).map((r) => r.id);
  contexts = await loadCustomerContexts(store, ids, AS_OF, () => () => false);
}, 300_000);

afterAll(() => {
  store.close();
  dir.cleanup();
});

describe('custom behaviors from words: description -> spec -> preview', () => {
  it('covers every kind of phrase the issue names', () => {
    const covered = new Set(WORDS_CASES.flatMap((c) => c.covers));
    for (const kind of ['negation', 'numbers', 'durations', 'channels', 'devices', 'countries', 'colors', 'materials', 'synonyms', 'typos', 'unknown words', 'occasions']) {
      expect(covered, kind).toContain(kind);
    }
    expect(WORDS_CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(WORDS_CASES)('$text', async (c) => {
    const { spec, reading } = await interpret(store, c.text);
    expect(spec).toBe(c.spec);
    expect(reading.not_understood).toEqual(c.notUnderstood ?? []);
    expect(reading.status).toBe(c.notUnderstood ? 'partly_understood' : 'understood');
    if (c.notUnderstood) for (const w of c.notUnderstood) expect(reading.message).toContain(`not understood: "${w}"`);
    for (const span of reading.spans) expect(c.text.slice(span.start, span.end)).toBe(span.text);

    const p = await preview(store, spec, { members: true });
    const expected = byHand(c.spec);
    expect(p.members).toEqual(expected);
    expect(p.size).toBe(expected.length);
    expect(p.customers).toBe(contexts.size);
    // The rule editor's own preview counts the same.
    expect((await previewRule(store, spec)).size).toBe(p.size);
    const last = p.waterfall.at(-1)!;
    expect(last.remaining).toBe(p.size);
    p.waterfall.forEach((w, i) => expect(w.remaining).toBeLessThanOrEqual(i === 0 ? p.customers : p.waterfall[i - 1]!.remaining));
    expect(p.samples.length).toBe(Math.min(10, p.size));
    for (const s of p.samples) {
      expect(expected).toContain(s.customer_id);
      expect(s.reasons.length).toBeGreaterThan(0);
    }
    if (c.selectsNobody) {
      expect(p.size).toBe(0);
      const emptied = p.waterfall.findIndex((w) => w.remaining === 0);
      expect(p.empty_reason).toContain(p.waterfall[emptied]!.condition);
    } else {
      // A case that selects nobody or everybody would prove little about the spec.
      expect(p.size).toBeGreaterThan(0);
      expect(p.size).toBeLessThan(p.customers);
      expect(p.empty_reason).toBeNull();
    }
  });

  it.each(NOT_UNDERSTOOD)('refuses "$text" as not understood, listing its words, instead of an audience of everyone', async ({ text, words }) => {
    const err = await interpret(store, text).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/^could not understand/);
    for (const w of words) expect((err as Error).message).toContain(`"${w}"`);
  });

  it('shows top products that match the description, bought by its members', async () => {
    const p = await preview(store, 'count(order where color = "black" and category = "dresses") >= 1');
    expect(p.top_products.length).toBeGreaterThan(0);
    for (const product of p.top_products) {
      const row = await store.one<{ ok: boolean }>(sql`SELECT category = 'dresses' AND list_contains(colors, 'black') AS ok FROM products WHERE id = ${product.id}`);
      expect(row?.ok, product.id).toBe(true);
    }
    const units = p.top_products.map((t) => t.units);
    expect(units).toEqual([...units].sort((a, b) => b - a));
  });

  it('gives overlap with the smart segments and clusters, counted on the members', async () => {
    const p = await preview(store, 'orders >= 3', { members: true });
    const kinds = new Set(p.overlap.map((o) => o.kind));
    expect(kinds).toEqual(new Set(['smart', 'cluster']));
    for (const o of p.overlap) {
      const shared = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM memberships m JOIN audiences a ON a.id = m.audience_id
        WHERE a.name = ${o.audience} AND m.as_of = CAST(${AS_OF} AS TIMESTAMP) AND m.customer_id IN (${join(p.members.map((id) => sql`${id}`))})`);
      expect(o.both).toBe(Number(shared!.n));
      expect(o.jaccard).toBeCloseTo(o.both / (o.size + p.size - o.both), 12);
    }
    expect(p.overlap.map((o) => o.jaccard)).toEqual([...p.overlap.map((o) => o.jaccard)].sort((a, b) => b - a));
  });

  it('says which condition removed the last customers of a description that matches nobody', async () => {
    const p = await preview(store, 'customer.country = "DE" and orders > 100000 and recency_days <= 30');
    expect(p.size).toBe(0);
    expect(p.waterfall.map((w) => w.remaining > 0)).toEqual([true, false, false]);
    expect(p.empty_reason).toBe(`${p.waterfall[0]!.remaining} customers meet the conditions before it, and none of them orders > 100000`);
  });
});

/** The events' order and return lines before the run, as the rules read them, and the lines the run kept. */
const EVENT_COLUMNS = sql`customer_id, type, ts, product_id, quantity, unit_price, channel, device, country, query`;
async function linesDiffer(): Promise<number> {
  const events = sql`SELECT ${EVENT_COLUMNS} FROM events WHERE ts < CAST(${AS_OF} AS TIMESTAMP) AND type IN ('order', 'return') AND customer_id IS NOT NULL`;
  const kept = sql`SELECT ${EVENT_COLUMNS} FROM behavior_preview_lines`;
  const row = await store.one<{ n: number }>(sql`SELECT (SELECT count(*) FROM (${events} EXCEPT ALL ${kept})) + (SELECT count(*) FROM (${kept} EXCEPT ALL ${events})) AS n`);
  return Number(row!.n);
}

/** Numbers to 12 significant digits: a parallel sum (the revenue share) may differ in its last bits from one to the next. */
const digits = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_, x: unknown) => (typeof x === 'number' ? Number(x.toPrecision(12)) : x)));

/** What a preview answers when it reads the events, the kept lines set aside. */
async function fromEvents<T>(fn: () => Promise<T>): Promise<T> {
  await store.run(sql`UPDATE settings SET key = 'set aside' WHERE key = 'behavior_preview_lines.kept'`);
  try {
    expect(await previewLinesHold(store, AS_OF)).toBe(false);
    return await fn();
  } finally {
    await store.run(sql`UPDATE settings SET key = 'behavior_preview_lines.kept' WHERE key = 'set aside'`);
  }
}

/** Specs reading every kind of event condition, beside the words cases': other event types, windows, or, not, stopped. */
const EVENT_SPECS = [
  'count(view where category = "dresses") >= 2 and count(add_to_cart) >= 1',
  'stopped(order where category = "knitwear", 365 days, 90 days)',
  'first(order) < 2025-06-01 or last(return where material = "wool") >= 2026-01-01',
  'not (count(order where device = "mobile", last 60 days) >= 1) and orders >= 2',
  'share(order where channel = "app", last 180 days) >= 0.3 and sum(return) > 0',
  'count(order where tag in ["trend", "sustainable"] and price between 20 and 80, last 365 days) >= 2',
  'last(view where device = "mobile") >= 14 days ago',
  'share(return where occasion in ["work", "travel"]) = 1',
  // Shares the kept units answer, whole or in part, beside lines and events.
  'not (share(order where channel = "store") >= 0.5) or share(order where tag = "comfort") > 0.2',
  'share(order where device = "mobile") >= 0.5 and count(view) >= 3',
  'share(return where channel in ["web", "app"]) = 1 and share(order where device != "desktop") < 0.7',
];

describe('the order lines a run keeps for previews', () => {
  it('are the events\' order and return lines before the run, and every preview reads the same from them as from the events', async () => {
    expect(PREVIEW_LINES_TABLE).toBe('behavior_preview_lines');
    expect(Number((await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM behavior_preview_lines`))!.n)).toBeGreaterThan(0);
    expect(await linesDiffer()).toBe(0);
    // Each line carries the number of its own product, and no two products share one.
    const numbers = (await store.one<{ products: number; wrong: number; numbers: number }>(sql`SELECT count(DISTINCT l.product_id) AS products,
      count(*) FILTER (WHERE k.product_id IS DISTINCT FROM l.product_id) AS wrong, count(DISTINCT l.pk) AS numbers
      FROM behavior_preview_lines l LEFT JOIN behavior_preview_product_keys k ON k.pk = l.pk`))!;
    expect(Number(numbers.products)).toBeGreaterThan(1);
    expect(Number(numbers.wrong)).toBe(0);
    expect(Number(numbers.numbers)).toBe(Number(numbers.products));
    expect(await previewLinesHold(store, AS_OF)).toBe(true);
    expect(await previewFeaturesHold(store, AS_OF)).toBe(true);
    for (const spec of [...WORDS_CASES.map((c) => c.spec), ...EVENT_SPECS]) {
      const kept = await preview(store, spec, { members: true });
      expect(digits(await fromEvents(() => preview(store, spec, { members: true }))), spec).toEqual(digits(kept));
      // Each step of the waterfall counts what the rule editor's preview (the run's own event aggregates) counts.
      const rule = parseRule(spec);
      const clauses = rule.kind === 'and' ? rule.rules : [rule];
      for (const [i, step] of kept.waterfall.entries()) {
        const prefix = printRule(i === 0 ? clauses[0]! : { kind: 'and', rules: clauses.slice(0, i + 1) });
        expect((await previewRule(store, prefix)).size, prefix).toBe(step.remaining);
      }
    }
  }, 300_000);

  it('stay equal to the events: an erasure takes a customer\'s lines away from both; an order added before the run\'s date sends previews to the events', async () => {
    const buyer = (await store.one<{ id: string }>(sql`SELECT customer_id AS id FROM behavior_preview_lines WHERE type = 'order' ORDER BY customer_id LIMIT 1`))!.id;
    await eraseCustomer(store, buyer);
    expect(await linesDiffer()).toBe(0);
    expect(await previewLinesHold(store, AS_OF)).toBe(true);
    // The kept copy of the feature table loses the customer's row as the table does, and still holds.
    expect(await previewFeaturesHold(store, AS_OF)).toBe(true);
    for (const spec of ['orders >= 1', 'customer.country != "US" and count(order where material = "cotton") >= 1']) {
      const kept = await preview(store, spec, { members: true });
      expect(kept.members).not.toContain(buyer);
      expect(digits(await fromEvents(() => preview(store, spec, { members: true }))), spec).toEqual(digits(kept));
    }
    // A customer taken out of the customers as the removal of an import takes one: the copy no longer holds, and the
    // preview leaves the customer out as the join with the customers does.
    const gone = (await store.one<{ id: string }>(sql`SELECT customer_id AS id FROM customer_features WHERE orders >= 1 ORDER BY customer_id DESC LIMIT 1`))!.id;
    await store.run(sql`CREATE TEMP TABLE gone_customer AS SELECT * FROM customers WHERE id = ${gone}`);
    await store.run(sql`DELETE FROM customers WHERE id = ${gone}`);
    try {
      expect(await previewFeaturesHold(store, AS_OF)).toBe(false);
      expect(await previewLinesHold(store, AS_OF)).toBe(true);
      const kept = await preview(store, 'orders >= 1', { members: true });
      expect(kept.members).not.toContain(gone);
      expect(digits(await fromEvents(() => preview(store, 'orders >= 1', { members: true })))).toEqual(digits(kept));
    } finally {
      await store.run(sql`INSERT INTO customers SELECT * FROM gone_customer`);
      await store.run(sql`DROP TABLE gone_customer`);
    }
    expect(await previewFeaturesHold(store, AS_OF)).toBe(true);
    // Events after the run's date change nothing the preview reads.
    await store.run(sql`INSERT INTO events SELECT * REPLACE (id || '-later' AS id, CAST(${AS_OF} AS TIMESTAMP) + INTERVAL 1 DAY AS ts) FROM events WHERE type = 'order' LIMIT 5`);
    expect(await previewLinesHold(store, AS_OF)).toBe(true);
    // The best seller taken out of the catalog: the kept lines find their products in the catalog as it is now.
    const best = (await store.one<{ id: string }>(sql`SELECT product_id AS id FROM behavior_preview_lines WHERE type = 'order' GROUP BY 1 ORDER BY sum(quantity) DESC, 1 LIMIT 1`))!.id;
    const shown = await preview(store, 'orders >= 1');
    expect(shown.top_products[0]!.id).toBe(best);
    const { category } = (await store.one<{ category: string }>(sql`SELECT category FROM products WHERE id = ${best}`))!;
    await store.run(sql`CREATE TEMP TABLE best_seller AS SELECT * FROM products WHERE id = ${best}`);
    await store.run(sql`DELETE FROM products WHERE id = ${best}`);
    try {
      for (const spec of ['orders >= 1', `count(order where category = "${category}") >= 1`, 'share(order where tag = "sustainable") >= 0.2']) {
        const kept = await preview(store, spec, { members: true });
        expect(kept.top_products.map((p) => p.id), spec).not.toContain(best);
        expect(digits(await fromEvents(() => preview(store, spec, { members: true }))), spec).toEqual(digits(kept));
      }
    } finally {
      await store.run(sql`INSERT INTO products SELECT * FROM best_seller`);
      await store.run(sql`DROP TABLE best_seller`);
    }
    // A swimwear order, before the run's date, by a customer who never bought swimwear: a member of the preview at once.
    const spec = 'count(order where category = "swimwear") >= 1';
    const before = await preview(store, spec, { members: true });
    const newcomer = (await store.one<{ id: string }>(sql`SELECT customer_id AS id FROM customer_features
      WHERE customer_id NOT IN (SELECT ev.customer_id FROM events ev JOIN products p ON p.id = ev.product_id WHERE ev.type = 'order' AND p.category = 'swimwear' AND ev.customer_id IS NOT NULL)
      ORDER BY customer_id LIMIT 1`))!.id;
    expect(before.members).not.toContain(newcomer);
    await store.run(sql`INSERT INTO events (id, type, ts, customer_id, product_id, quantity, unit_price)
      SELECT 'late-swimwear', 'order', CAST(${AS_OF} AS TIMESTAMP) - INTERVAL 3 DAY, ${newcomer}, id, 1, 30 FROM products WHERE category = 'swimwear' ORDER BY id LIMIT 1`);
    expect(await previewLinesHold(store, AS_OF)).toBe(false);
    const after = await preview(store, spec, { members: true });
    expect(after.members).toEqual([...before.members, newcomer].sort());
  }, 120_000);

  it('are carried from an earlier run\'s date: only the lines since are added, with the next numbers, and previews read the same as from the events', async () => {
    const EARLIER = '2026-03-01 00:00:00';
    await keepPreviewLines(store, EARLIER);
    const top = async () => (await store.one<{ ck: number; pk: number }>(sql`SELECT (SELECT max(ck) FROM behavior_preview_keys) AS ck, (SELECT max(pk) FROM behavior_preview_product_keys) AS pk`))!;
    const earlier = await top();
    const kept = await store.all<{ customer_id: string; ck: number }>(sql`SELECT customer_id, ck FROM behavior_preview_keys ORDER BY customer_id`);
    // A customer who came between the two runs.
    await store.run(sql`INSERT INTO customers SELECT * REPLACE ('came-later' AS id) FROM customers ORDER BY id LIMIT 1`);
    await keepPreviewLines(store, AS_OF);
    expect(await linesDiffer()).toBe(0);
    expect(await previewLinesHold(store, AS_OF)).toBe(true);
    // The numbers kept stay; the customers and products that came since take the ones after them.
    expect(await store.all(sql`SELECT customer_id, ck FROM behavior_preview_keys WHERE ck <= ${Number(earlier.ck)} ORDER BY customer_id`)).toEqual(kept);
    expect(Number((await store.one<{ ck: number }>(sql`SELECT ck FROM behavior_preview_keys WHERE customer_id = 'came-later'`))!.ck)).toBeGreaterThan(Number(earlier.ck));
    const products = (await store.one<{ since: number; numbered_after: number }>(sql`SELECT count(*) AS since, count(*) FILTER (WHERE k.pk > ${Number(earlier.pk)}) AS numbered_after
      FROM (SELECT product_id FROM behavior_preview_lines WHERE product_id IS NOT NULL GROUP BY 1 HAVING min(ts) >= CAST(${EARLIER} AS TIMESTAMP)) p
      JOIN behavior_preview_product_keys k USING (product_id)`))!;
    expect(Number(products.since)).toBeGreaterThan(0);
    expect(Number(products.numbered_after)).toBe(Number(products.since));
    // Every line carries its own customer's and product's number, and the units are the lines' sums.
    const wrong = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM behavior_preview_lines l
      LEFT JOIN behavior_preview_keys c ON c.ck = l.ck LEFT JOIN behavior_preview_product_keys p ON p.pk = l.pk
      WHERE c.customer_id IS DISTINCT FROM (CASE WHEN l.ck IS NOT NULL THEN l.customer_id END) OR p.product_id IS DISTINCT FROM l.product_id`))!;
    expect(Number(wrong.n)).toBe(0);
    const units = (await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM
      (SELECT ck, type, channel, device, sum(quantity) AS q FROM behavior_preview_units GROUP BY ALL) u
      FULL JOIN (SELECT ck, type, channel, device, sum(quantity) AS q FROM behavior_preview_lines GROUP BY ALL) l
      ON u.ck IS NOT DISTINCT FROM l.ck AND u.type = l.type AND u.channel IS NOT DISTINCT FROM l.channel AND u.device IS NOT DISTINCT FROM l.device
      WHERE u.q IS DISTINCT FROM l.q`))!;
    expect(Number(units.n)).toBe(0);
    for (const spec of EVENT_SPECS) {
      const fromKept = await preview(store, spec, { members: true });
      expect(digits(await fromEvents(() => preview(store, spec, { members: true }))), spec).toEqual(digits(fromKept));
    }
    await store.run(sql`DELETE FROM customers WHERE id = 'came-later'`);
  }, 300_000);
});
