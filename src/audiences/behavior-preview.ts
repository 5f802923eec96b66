import {
  keptCatalog,
  PREVIEW_FEATURES_TABLE,
  PREVIEW_KEYS_TABLE,
  PREVIEW_LINE_TYPES,
  PREVIEW_LINES_TABLE,
  PREVIEW_UNIT_FIELDS,
  PREVIEW_UNITS_TABLE,
  previewFeaturesHold,
  previewLinesHold,
  readSpec,
  type BehaviorPreview,
  type BehaviorPreviewRequest,
  type InterpretOptions,
  type Preview,
} from '../behaviors/words/index.js';
import { FEATURE_TABLE, featureTableAsOf } from '../features/index.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import { allExcept, asTimestamp, castTo, createTableAs, ident, join, sql, type Sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { audienceReferences, clausesOf, compileRule, eventNeeds, explainSql, LIST_FILTER_FIELDS, parseRule, printRule, selectorSql, type CompileContext, type EventSelector, type Rule } from '../segments/index.js';
import { kindOf } from './kinds/index.js';
import { listAudiences } from './repository.js';

/*
 * What a spec would select on the run computed last, nothing stored: size and revenue share as rule previews count
 * them, an attrition waterfall over its conditions, the products its members bought that match its product
 * conditions, ten members with the reasons a run would store, and its overlap with the smart segments and clusters.
 * The events are read once, and only the lines the spec's event conditions can pick (the order and return lines the
 * run kept, src/behaviors/words/lines.ts, while they still hold, and the units kept beside them for shares): the
 * members, each condition's prefix and the event aggregates go to a temporary table the rest reads; reasons are worked
 * out for the ten members shown only. It lives with the audiences, not the behaviors, because it reads them: the
 * overlap with the landmark kinds and the specs' `in audience` conditions.
 */

let previews = 0;

/** Words (and optionally a refined spec) -> the spec, its reading and its preview. */
export async function behaviorPreview(store: Store, request: BehaviorPreviewRequest, options: InterpretOptions = {}): Promise<BehaviorPreview> {
  const { spec, reading } = await readSpec(store, request, options);
  return { text: request.text, spec, reading, preview: await previewSpec(store, spec) };
}

/** `members`: also every member's id, for checking a preview against another evaluator (not part of the API answer). */
export async function previewSpec(store: Store, spec: string): Promise<Preview>;
export async function previewSpec(store: Store, spec: string, options: { members: true }): Promise<Preview & { members: string[] }>;
export async function previewSpec(store: Store, spec: string, options: { members?: boolean } = {}): Promise<Preview & { members?: string[] }> {
  const rule = parseRule(spec);
  const audiences = await listAudiences(store);
  const ids = new Map(audiences.map((a) => [a.name, a.id]));
  for (const ref of audienceReferences(rule)) {
    if (!ids.has(ref)) throw new ValidationError(`in audience "${ref}": no audience has that name`, { audience: ref });
  }
  const asOf = await featureTableAsOf(store);
  if (!asOf) throw new NotFoundError('no run yet: run `segmint run` (or POST /v1/runs) first, so there are features to count');
  const at = asTimestamp(asOf);
  const ctx: CompileContext = {
    asOf: at,
    aggregates: [],
    inAudience: (name) => sql`f.customer_id IN (SELECT customer_id FROM memberships WHERE audience_id = ${ids.get(name) ?? ''} AND as_of = ${at})`,
  };
  const clauses = rule.kind === 'and' ? rule.rules : [rule];
  const prefixes = clauses.map((_, i) => compileRule(i === 0 ? clauses[0]! : { kind: 'and', rules: clauses.slice(0, i + 1) }, ctx));
  const held = compileRule(rule, ctx);
  const { reasons } = explainSql(rule, ctx);
  const lines = (await previewLinesHold(store, asOf)) ? ident(PREVIEW_LINES_TABLE) : undefined;
  const events = eventAggregates(rule, ctx, asOf, lines !== undefined);
  // With the kept lines, each member carries its number (ck), which the lines are joined and grouped on: from the kept
  // copy of the feature table while it holds (the customers joined only for a condition on them), else joined.
  const copied = lines !== undefined && (await previewFeaturesHold(store, asOf));
  const ck = copied ? sql`f.ck` : lines ? sql`k.ck` : castTo(sql`NULL`, 'INTEGER');
  const customers = sql`JOIN customers c ON c.id = f.customer_id`;
  const features = copied
    ? sql`${ident(PREVIEW_FEATURES_TABLE)} f ${readsCustomers(rule) ? customers : sql``}`
    : sql`${ident(FEATURE_TABLE)} f ${customers} ${lines ? sql`LEFT JOIN ${ident(PREVIEW_KEYS_TABLE)} k ON k.customer_id = f.customer_id` : sql``}`;
  const table = ident(`behavior_preview_${++previews}`);
  return store.exclusive(async () => {
    await store.run(
      createTableAs(
        table,
        sql`SELECT f.customer_id AS customer_id, ${ck} AS ck, f.revenue AS revenue,
          ${join(prefixes.map((p, i) => sql`${p} AS ${ident(`k${i}`)}`))}, ${held} AS member
          ${events ? sql`, ${allExcept([events.key], 'e')}` : sql``}
        FROM ${features}
        ${events ? sql`LEFT JOIN (${events.relation}) e ON e.${ident(events.key)} = ${events.key === 'ck' ? ck : sql`f.customer_id`}` : sql``}`,
        true,
      ),
    );
    try {
      const preview = await summarise(store, { table, lines, reasons }, rule, clauses, at, asOf, audiences);
      if (!options.members) return preview;
      const members = await store.all<{ id: string }>(sql`SELECT customer_id AS id FROM ${table} WHERE member ORDER BY 1`);
      return { ...preview, members: members.map((m) => m.id) };
    } finally {
      await store.run(sql`DROP TABLE IF EXISTS ${table}`);
    }
  });
}

/**
 * The same event aggregates as the run's relation `e` (eventAggregatesRelation), keyed by customer number (`ck`) or
 * id. With the kept lines (`kept`): the aggregates of a share of channel or device, and every share's denominator, over
 * all time, are summed from the kept units (rollupKeys); the others are read from the kept lines when the spec reads
 * only their types (else from the events), and only from the lines its event conditions can pick: each aggregate
 * filters within them, and a customer with none of them gets the NULLs the run gives a customer without events, which
 * every condition reads as it reads none picked.
 */
function eventAggregates(rule: Rule, ctx: CompileContext, asOf: string, kept: boolean): { relation: Sql; key: 'ck' | 'customer_id' } | undefined {
  if (ctx.aggregates.length === 0) return undefined;
  const fromUnits = kept ? rollupKeys(rule, ctx) : new Set<string>();
  const summed = ctx.aggregates.filter((a) => fromUnits.has(a.key));
  const read = ctx.aggregates.filter((a) => !fromUnits.has(a.key));
  const needs = eventNeeds([rule]);
  // The kept lines are all before the date and of a customer: reading their times and ids to check costs a scan.
  const fromLines = kept && [...needs.types].every((t) => PREVIEW_LINE_TYPES.includes(t));
  // The units carry both; the events only the id.
  const key = read.length === 0 || fromLines ? 'ck' : 'customer_id';
  const units = sql`SELECT ev.${ident(key)} AS ${ident(key)}, ${join(summed.map((a) => sql`${a.expr} AS ${ident(a.alias)}`))} FROM ${ident(PREVIEW_UNITS_TABLE)} ev GROUP BY ev.${ident(key)}`;
  if (read.length === 0) return { key, relation: units };
  const picking: Sql[] = [];
  const selectors: EventSelector[] = [];
  // Whether every line picked must be of a product in the catalog: then the catalog is joined inner, which lets
  // DuckDB filter the products first and the lines by the products kept, instead of joining every line.
  let inCatalog = true;
  for (const c of eventClauses(rule)) {
    // A clause the units answer whole needs none of the lines.
    if (aggregateKeys(c, ctx).every((k) => fromUnits.has(k))) continue;
    selectors.push(c.selector);
    // A share divides by every line of its type in the window: all of them may count, unless the units give that.
    const readsAll = c.kind === 'event' && c.aggregate === 'share' && !fromUnits.has(denominatorKey(c, ctx));
    picking.push(readsAll ? sql`ev.type = ${c.selector.eventType}` : selectorSql(c.selector, ctx));
    inCatalog &&= !readsAll && needsProduct(c.selector);
  }
  // The kept lines find their product by its number.
  const product = fromLines ? sql`${keptCatalog} p ON p.pk = ev.pk` : sql`products p ON p.id = ev.product_id`;
  const catalog = !readsCatalog(selectors) ? sql`` : inCatalog ? sql`JOIN ${product}` : sql`LEFT JOIN ${product}`;
  const since = needs.since?.(Date.parse(`${asOf.replace(' ', 'T')}Z`)) ?? -Infinity;
  const lines = sql`SELECT ev.${ident(key)} AS ${ident(key)}, ${join(read.map((a) => sql`${a.expr} AS ${ident(a.alias)}`))}
    FROM ${fromLines ? ident(PREVIEW_LINES_TABLE) : sql`events`} ev ${catalog}
    WHERE ${fromLines ? sql`` : sql`ev.ts < ${ctx.asOf} AND ev.customer_id IS NOT NULL AND`} ev.type IN (${join([...needs.types].map((t) => sql`${t}`))})
      ${Number.isFinite(since) ? sql`AND ev.ts >= ${asTimestamp(new Date(since).toISOString().slice(0, 19).replace('T', ' '))}` : sql``}
      AND (${join(picking, ' OR ')})
    GROUP BY ev.${ident(key)}`;
  // Each side has a row per customer at most; a customer on one side only gets NULLs for the other's columns.
  return { key, relation: summed.length === 0 ? lines : sql`SELECT * FROM (${units}) u FULL JOIN (${lines}) l USING (${ident(key)})` };
}

/** Whether a rule reads the customers' own columns (`c`): a condition on an attribute, however deep. */
function readsCustomers(rule: Rule): boolean {
  if (rule.kind === 'and' || rule.kind === 'or') return rule.rules.some(readsCustomers);
  if (rule.kind === 'not') return readsCustomers(rule.rule);
  return rule.kind === 'attribute';
}

type EventClause = Extract<Rule, { kind: 'event' | 'stopped' }>;

/** Every event clause of a rule, however deep. */
function eventClauses(rule: Rule): EventClause[] {
  if (rule.kind === 'and' || rule.kind === 'or') return rule.rules.flatMap(eventClauses);
  if (rule.kind === 'not') return eventClauses(rule.rule);
  return rule.kind === 'event' || rule.kind === 'stopped' ? [rule] : [];
}

/** A share over all time whose filters read only what the kept units are summed by. */
const inUnits = (c: Extract<Rule, { kind: 'event' }>): boolean => c.window.kind === 'all' && c.selector.filters.every((f) => PREVIEW_UNIT_FIELDS.includes(f.field));

/** The aggregates the compiler registers for one clause alone, by key. */
function aggregateKeys(c: Rule, ctx: CompileContext): string[] {
  const own: CompileContext = { ...ctx, aggregates: [] };
  compileRule(c, own);
  return own.aggregates.map((a) => a.key);
}

/** The aggregate a share divides by: the one its compilation registers last (its numerator comes first). */
const denominatorKey = (c: Extract<Rule, { kind: 'event' }>, ctx: CompileContext): string => aggregateKeys(c, ctx).at(-1)!;

/**
 * The aggregates the kept units give exactly (sums of units over all time, by type, channel and device): those of a
 * share whose filters read only these, and the denominator of every share over all time. Found by compiling each such
 * clause alone, so that they are the compiler's own; an aggregate not found here is read from the lines.
 */
function rollupKeys(rule: Rule, ctx: CompileContext): Set<string> {
  const keys = new Set<string>();
  for (const c of eventClauses(rule)) {
    if (c.kind !== 'event' || c.aggregate !== 'share' || c.window.kind !== 'all') continue;
    if (inUnits(c)) aggregateKeys(c, ctx).forEach((k) => keys.add(k));
    else keys.add(denominatorKey(c, ctx));
  }
  return keys;
}

async function summarise(
  store: Store,
  { table, lines, reasons }: { table: Sql; lines: Sql | undefined; reasons: Sql },
  rule: Rule,
  clauses: Rule[],
  at: Sql,
  asOf: string,
  audiences: Awaited<ReturnType<typeof listAudiences>>,
): Promise<Preview> {
  const counts = (await store.one<Record<string, number>>(sql`SELECT count(*) AS customers, count(*) FILTER (WHERE member) AS size,
    coalesce(sum(revenue) FILTER (WHERE member), 0) AS revenue, coalesce(sum(revenue), 0) AS total,
    ${join(clauses.map((_, i) => sql`count(*) FILTER (WHERE ${ident(`k${i}`)}) AS ${ident(`k${i}`)}`))} FROM ${table}`))!;
  const waterfall = clauses.map((c, i) => ({ condition: printRule(c), remaining: Number(counts[`k${i}`]) }));
  const emptied = waterfall.findIndex((w) => w.remaining === 0);
  const size = Number(counts.size);
  // The ten shown, then their reasons: over their own features and event aggregates (the table's columns, as `e`).
  const samples = await store.all<{ customer_id: string; revenue: number | null; reasons: string }>(sql`SELECT e.customer_id AS customer_id, e.revenue AS revenue, ${reasons} AS reasons
    FROM (SELECT * FROM ${table} WHERE member ORDER BY revenue DESC NULLS LAST, customer_id LIMIT 10) e
    JOIN ${ident(FEATURE_TABLE)} f ON f.customer_id = e.customer_id JOIN customers c ON c.id = f.customer_id
    ORDER BY e.revenue DESC NULLS LAST, e.customer_id`);
  return {
    spec: printRule(rule),
    as_of: asOf,
    size,
    customers: Number(counts.customers),
    revenue_share: Number(counts.total) > 0 ? Number(counts.revenue) / Number(counts.total) : null,
    empty_reason:
      size > 0 || emptied < 0
        ? null
        : emptied === 0
          ? `no customer meets the first condition, ${waterfall[0]!.condition}`
          : `${waterfall[emptied - 1]!.remaining} customers meet the conditions before it, and none of them ${waterfall[emptied]!.condition}`,
    waterfall,
    top_products: await topProducts(store, table, lines, rule, at),
    samples,
    overlap: await overlapWith(store, table, at, audiences),
  };
}

const PRODUCT_FIELDS: ReadonlySet<string> = new Set(['category', 'brand', 'tag', 'color', 'material', 'occasion', 'product', 'price']);

/** Filters on these read the event's product (`p`); the others read the event itself, and need no join per line. */
const CATALOG_FIELDS: ReadonlySet<string> = new Set([...LIST_FILTER_FIELDS, 'category', 'brand']);
const readsCatalog = (selectors: readonly EventSelector[]): boolean => selectors.some((s) => s.filters.some((f) => CATALOG_FIELDS.has(f.field)));
/** A selector that picks no line without a product in the catalog: one of its catalog filters is false on NULL. */
const needsProduct = (s: EventSelector): boolean => s.filters.some((f) => CATALOG_FIELDS.has(f.field) && f.condition.op !== 'is_null');

/**
 * An event clause that picks products (by a product field, not only a channel or device) and asks for some of what it
 * picks (not `= 0`, not `< N`), so its products describe the members.
 */
function wantsProducts(c: Rule): c is Extract<Rule, { kind: 'event' }> {
  if (c.kind !== 'event' || !c.selector.filters.some((f) => PRODUCT_FIELDS.has(f.field)) || !['order', 'return'].includes(c.selector.eventType)) return false;
  const { condition } = c;
  return !(condition.op === '<' || condition.op === '<=' || (condition.op === '=' && condition.value === 0));
}

/** The members' order lines of the products the rule's event clauses pick, most units first (all their orders without). */
async function topProducts(store: Store, table: Sql, lines: Sql | undefined, rule: Rule, at: Sql): Promise<Preview['top_products']> {
  const ctx: CompileContext = { asOf: at, aggregates: [], inAudience: () => sql`FALSE` };
  const selectors = clausesOf(rule)
    .filter(wantsProducts)
    .map((c) => ({ ...c.selector, eventType: 'order' }));
  const matching = selectors.length ? sql`(${join(selectors.map((s) => selectorSql(s, ctx)), ' OR ')})` : sql`ev.type = 'order'`;
  // The kept lines are joined on the customer's and the product's numbers, the events on the ids; either is one.
  const [buyer, product] = lines ? [sql`ev.ck`, sql`ev.pk`] : [sql`ev.customer_id`, sql`ev.product_id`];
  const lineOf = lines ? sql`${lines} ev JOIN ${table} t ON t.ck = ev.ck AND t.member` : sql`events ev JOIN ${table} t ON t.customer_id = ev.customer_id AND t.member`;
  // The catalog per line only when the filters read it.
  const catalog = !readsCatalog(selectors) ? sql`` : lines ? sql`JOIN ${keptCatalog} p ON p.pk = ev.pk` : sql`JOIN products p ON p.id = ev.product_id`;
  const where = sql`${lines ? sql`` : sql`ev.ts < ${at} AND`} ev.type = 'order' AND ${matching}`;
  const byKey = lines ? sql`${keptCatalog} p ON p.pk = l.product` : sql`products p ON p.id = l.product`;
  // Units per product first, then buyers of the ten kept only: distinct buyers of every product cost more than the rest.
  // (Not named `top`, a keyword in ClickHouse.)
  return store.all(sql`WITH ranked AS (
      SELECT l.product AS product, p.id AS id, p.title AS title, p.category AS category, l.units AS units
      FROM (SELECT ${product} AS product, sum(ev.quantity) AS units FROM ${lineOf} ${catalog} WHERE ${where} GROUP BY 1) l JOIN ${byKey}
      ORDER BY l.units DESC, p.id LIMIT 10)
    SELECT ranked.id AS id, ranked.title AS title, ranked.category AS category, ranked.units AS units, count(DISTINCT ${buyer}) AS buyers
    FROM ${lineOf} ${catalog} JOIN ranked ON ranked.product = ${product} WHERE ${where}
    GROUP BY ranked.id, ranked.title, ranked.category, ranked.units ORDER BY ranked.units DESC, ranked.id`);
}

async function overlapWith(store: Store, table: Sql, at: Sql, audiences: Awaited<ReturnType<typeof listAudiences>>): Promise<Preview['overlap']> {
  const chosen = audiences.filter((a) => kindOf(a.kind).landmark);
  if (chosen.length === 0) return [];
  const rows = await store.all<{ id: string; size: number; both: number; members: number }>(sql`
    WITH mine AS (SELECT customer_id FROM ${table} WHERE member), sizes AS (SELECT audience_id, size FROM audience_runs WHERE as_of = ${at})
    SELECT m.audience_id AS id, any_value(s.size) AS size, count(*) AS both, (SELECT count(*) FROM mine) AS members
    FROM memberships m JOIN mine USING (customer_id) JOIN sizes s ON s.audience_id = m.audience_id
    WHERE m.as_of = ${at} AND m.audience_id IN (${join(chosen.map((a) => sql`${a.id}`))})
    GROUP BY m.audience_id`);
  const byId = new Map(chosen.map((a) => [a.id, a]));
  return rows
    .map((r) => ({ audience: byId.get(r.id)!.name, kind: byId.get(r.id)!.kind, size: Number(r.size), both: Number(r.both), jaccard: Number(r.both) / (Number(r.size) + Number(r.members) - Number(r.both)) }))
    .sort((a, b) => b.jaccard - a.jaccard || a.audience.localeCompare(b.audience));
}
