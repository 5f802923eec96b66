import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAudience } from '../../src/audiences/index.js';
import { previewSpec as preview } from '../../src/audiences/behavior-preview.js';
import type { Store } from '../../src/store/index.js';
import { demoStoreOn, ENGINES, expectClose, type EmbeddedEngine } from '../engines.js';

/**
 * Custom-behavior previews on each engine: the same demo shop, the same specs (features, attributes, `in audience`,
 * every kind of event condition, over the order lines a run keeps and over the events), the same preview and members.
 */

const AS_OF = '2026-11-01 00:00:00';
const SPECS = [
  'orders >= 2 and recency_days <= 120',
  'in audience "Repeat buyers" and customer.country = "DE"',
  'count(order where category = "dresses" and color = "black") >= 1',
  'count(view where category = "dresses") >= 2 and count(add_to_cart) >= 1',
  'stopped(order where category = "knitwear", 365 days, 90 days)',
  'share(order where channel = "app", last 180 days) >= 0.3 and sum(return) > 0',
  'count(order where tag in ["trend", "sustainable"] and price between 20 and 80, last 365 days) >= 2',
  'not (share(order where channel = "store") >= 0.5) or share(order where tag = "comfort") > 0.2',
  'orders >= 100',
];

const answers = new Map<EmbeddedEngine, unknown[]>();

describe.each(ENGINES)('behavior previews on %s', (engine) => {
  let store: Store;
  let close: () => void | Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await demoStoreOn(engine, { customers: 300, seed: 12 }, AS_OF, (s) => createAudience(s, { name: 'Repeat buyers', rule: 'orders >= 2' })));
  }, 300_000);
  afterAll(async () => close());

  it('previews every spec, with its members', async () => {
    const mine = [];
    for (const spec of SPECS) mine.push(await preview(store, spec, { members: true }));
    // The specs select someone, and one selects nobody, so both sides of the answer are compared.
    expect(mine.filter((p) => p.size > 0).length).toBeGreaterThanOrEqual(SPECS.length - 2);
    expect(mine.at(-1)!.size).toBe(0);
    answers.set(engine, mine);
    if (engine !== 'duckdb') expectClose(mine, answers.get('duckdb'), `previews on ${engine}`);
  }, 300_000);
});
