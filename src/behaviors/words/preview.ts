import { kindOf, listAudiences } from '../../audiences/index.js';
import { FEATURE_TABLE, featureTableAsOf } from '../../features/index.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { ident, join, sql, type Sql } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import { audienceReferences, clausesOf, compileRule, eventNeeds, explainSql, LIST_FILTER_FIELDS, parseRule, printRule, selectorSql, type CompileContext, type EventSelector, type Rule } from '../../segments/index.js';
import { PREVIEW_LINE_TYPES, PREVIEW_LINES_TABLE, previewLinesHold } from './lines.js';
import type { Preview } from './schema.js';

/*
 * What a spec would select on the run computed last, nothing stored: size and revenue share as rule previews count
 * them, an attrition waterfall over its conditions, the products its members bought that match its product
 * conditions, ten members with the reasons a run would store, and its overlap with the smart segments and clusters.
 * The events are read once, and only the lines the spec's event conditions can pick (the order and return lines the
 * run kept, lines.ts, while they still hold): the members, each condition's prefix and the event aggregates go to a
 * temporary table the rest reads; reasons are worked out for the ten members shown only.
 */

let previews = 0;

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
  const at = sql`CAST(${asOf} AS TIMESTAMP)`;
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
  const events = eventAggregates(rule, ctx, asOf, lines);
  const table = ident(`behavior_preview_${++previews}`);
  return store.exclusive(async () => {
    await store.run(sql`CREATE OR REPLACE TEMP TABLE ${table} AS
      SELECT f.customer_id, f.revenue, ${join(prefixes.map((p, i) => sql`${p} AS ${ident(`k${i}`)}`))}, ${held} AS member
        ${events ? sql`, e.* EXCLUDE (customer_id)` : sql``}
      FROM ${ident(FEATURE_TABLE)} f JOIN customers c ON c.id = f.customer_id
      ${events ? sql`LEFT JOIN (${events}) e ON e.customer_id = f.customer_id` : sql``}`);
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

/** The same event aggregates as the run's relation `e` (eventAggregatesRelation), read from the kept lines when
 * `lines` is given and the spec reads only their types (else from the events), and only from the lines its event
 * conditions can pick: each aggregate filters within them, and a customer with none of them gets the NULLs the run
 * gives a customer without events, which every condition reads as it reads none picked. */
function eventAggregates(rule: Rule, ctx: CompileContext, asOf: string, lines: Sql | undefined): Sql | undefined {
  if (ctx.aggregates.length === 0) return undefined;
  const picking: Sql[] = [];
  const selectors: EventSelector[] = [];
  const visit = (r: Rule): void => {
    if (r.kind === 'and' || r.kind === 'or') r.rules.forEach(visit);
    else if (r.kind === 'not') visit(r.rule);
    else if (r.kind === 'event' || r.kind === 'stopped') {
      selectors.push(r.selector);
      // A share divides by every line of its type in the window: all of them may count.
      picking.push(r.kind === 'event' && r.aggregate === 'share' ? sql`ev.type = ${r.selector.eventType}` : selectorSql(r.selector, ctx));
    }
  };
  visit(rule);
  const needs = eventNeeds([rule]);
  const since = needs.since?.(Date.parse(`${asOf.replace(' ', 'T')}Z`)) ?? -Infinity;
  const source = lines && [...needs.types].every((t) => PREVIEW_LINE_TYPES.includes(t)) ? lines : sql`events`;
  return sql`SELECT ev.customer_id, ${join(ctx.aggregates.map((a) => sql`${a.expr} AS ${ident(a.alias)}`))}
    FROM ${source} ev ${readsCatalog(selectors) ? sql`LEFT JOIN products p ON p.id = ev.product_id` : sql``}
    WHERE ev.ts < ${ctx.asOf} AND ev.customer_id IS NOT NULL AND ev.type IN (${join([...needs.types].map((t) => sql`${t}`))})
      ${Number.isFinite(since) ? sql`AND ev.ts >= CAST(${new Date(since).toISOString().slice(0, 19).replace('T', ' ')} AS TIMESTAMP)` : sql``}
      AND (${join(picking, ' OR ')})
    GROUP BY ev.customer_id`;
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
  const samples = await store.all<{ customer_id: string; revenue: number | null; reasons: string }>(sql`SELECT e.customer_id, e.revenue, ${reasons} AS reasons
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
  const lineOf = sql`${lines ?? sql`events`} ev JOIN ${table} t ON t.customer_id = ev.customer_id AND t.member`;
  const where = sql`ev.ts < ${at} AND ev.type = 'order' AND ${matching}`;
  // Units per product first (joining the catalog per line only when the filters read it), then buyers of the ten
  // kept only: distinct buyers of every product cost more than the rest.
  const units = readsCatalog(selectors)
    ? sql`SELECT p.id, sum(ev.quantity) AS units FROM ${lineOf} JOIN products p ON p.id = ev.product_id WHERE ${where} GROUP BY p.id`
    : sql`SELECT p.id, l.units FROM (SELECT ev.product_id, sum(ev.quantity) AS units FROM ${lineOf} WHERE ${where} GROUP BY 1) l JOIN products p ON p.id = l.product_id`;
  return store.all(sql`WITH top AS (${units} ORDER BY units DESC, p.id LIMIT 10)
    SELECT p.id, p.title, p.category, any_value(top.units) AS units, count(DISTINCT ev.customer_id) AS buyers
    FROM ${lineOf} JOIN products p ON p.id = ev.product_id JOIN top ON top.id = p.id WHERE ${where}
    GROUP BY p.id, p.title, p.category ORDER BY units DESC, p.id`);
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
