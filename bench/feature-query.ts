/**
 * The feature queries of this checkout against another checkout's (a baseline such as main), on the same store in one
 * process: the customer feature table, the customer query for a few customers and the product feature table compared
 * row by row and column by column, then the CPU seconds of each whole table, best of `--repeat`, the two checkouts'
 * taken in turn. CPU time (every DuckDB thread's) is the figure to compare on a loaded machine.
 * Usage: node --import tsx bench/feature-query.ts --baseline ../base [--customers 100000] [--seed 1] [--out bench/out]
 *          [--retail ../shared/data/online-retail/online_retail.csv.gz] [--repeat 3] [--explain]
 *   The store is the demo's (events with ids from content, as an export without ids) unless --retail names an Online
 *   Retail file (imported with the online-retail preset); it is built under --out once and kept.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { categoryMediansQuery, customerFeaturesQuery, type CustomerFeatureQuery } from '../src/features/customer-sql.js';
import { productFeaturesQuery } from '../src/features/product-sql.js';
import { defaultAsOf } from '../src/features/index.js';
import { createTableAs, ident, raw, Sql, sql, type Dialect } from '../src/sql/index.js';
import { Store, importFile, presetMapping, type Mapping } from '../src/store/index.js';
import { arg, benchMemory, cpuSeconds, fmt, runPhase } from './lib.js';

/** A checkout's feature queries. */
interface Queries {
  customer: (q: CustomerFeatureQuery) => Sql;
  product: (q: { asOf: string }) => Sql;
}

const customers = Number(arg('customers', '100000'));
const seed = Number(arg('seed', '1'));
const out = arg('out', join('bench', 'out'));
const retail = arg('retail', '');
const repeat = Number(arg('repeat', '3'));
const baselineDir = arg('baseline', '');
if (!baselineDir) throw new Error('--baseline DIR (a checkout to compare with) is required');

/**
 * The baseline's queries as ours: their dialect hooks resolved by its own DuckDB dialect (they build its own Sql), what
 * is left (text, identifiers, bound values) is the same shape as our Sql's parts.
 */
async function baselineQueries(): Promise<Queries> {
  const load = async <T>(path: string) => (await import(pathToFileURL(resolve(baselineDir, path)).href)) as T;
  const { customerFeaturesQuery: customer } = await load<{ customerFeaturesQuery: Queries['customer'] }>('src/features/customer-sql.ts');
  const { productFeaturesQuery: product } = await load<{ productFeaturesQuery: Queries['product'] }>('src/features/product-sql.ts');
  const { duckdbDialect } = await load<{ duckdbDialect: Dialect }>('src/sql/dialect.ts');
  const resolveHooks = (parts: Sql['parts']): Sql['parts'] => parts.flatMap((p) => ('hook' in p ? resolveHooks(p.hook(duckdbDialect).parts) : [p]));
  return { customer: (q) => new Sql(resolveHooks(customer(q).parts)), product: (q) => new Sql(resolveHooks(product(q).parts)) };
}

function eventsMapping(): Mapping {
  const mapping = presetMapping('segmint-events');
  return { ...mapping, columns: Object.fromEntries(Object.entries(mapping.columns).filter(([field]) => field !== 'id')) };
}

async function openStore(): Promise<Store> {
  mkdirSync(out, { recursive: true });
  const path = join(out, retail ? 'feature-query-retail.duckdb' : `feature-query-${customers}-${seed}.duckdb`);
  const fresh = !existsSync(path);
  const store = await Store.open({ path, memory: benchMemory() });
  if (!fresh) return store;
  if (retail) {
    await importFile(store, retail, presetMapping('online-retail'));
    return store;
  }
  const dir = join(out, `demo-${customers}-${seed}`);
  if (!existsSync(join(dir, 'events.parquet'))) runPhase(join('bench', 'ingest-phase.ts'), ['generate', dir, String(customers), String(seed)]);
  await importFile(store, join(dir, 'products.csv'), presetMapping('segmint-products'));
  await importFile(store, join(dir, 'customers.csv'), presetMapping('segmint-customers'));
  await importFile(store, join(dir, 'events.csv'), eventsMapping());
  return store;
}

/**
 * Where tables `a` and `b` (one row per key, their first column) differ: rows only in one, and per column the keys
 * whose values differ (bit for bit, NULL equal to NULL) with the largest relative difference of a number.
 */
async function differences(store: Store, a: string, b: string): Promise<Record<string, unknown>> {
  const describe = async (t: string) => (await store.all<{ column_name: string; column_type: string }>(sql`DESCRIBE ${ident(t)}`)).map((c) => `${c.column_name} ${c.column_type}`);
  const [ca, cb] = [await describe(a), await describe(b)];
  if (ca.join() !== cb.join()) return { columns: { [a]: ca, [b]: cb } };
  const key = ident(ca[0]!.split(' ')[0]!);
  const count = async (q: Sql) => Number((await store.one<{ n: bigint }>(sql`SELECT count(*) AS n FROM (${q})`))!.n);
  const result: Record<string, unknown> = {
    rows: await count(sql`SELECT * FROM ${ident(a)}`),
    onlyInBaseline: await count(sql`SELECT * FROM ${ident(a)} EXCEPT ALL SELECT * FROM ${ident(b)}`),
    onlyInBranch: await count(sql`SELECT * FROM ${ident(b)} EXCEPT ALL SELECT * FROM ${ident(a)}`),
  };
  const columns: Record<string, unknown> = {};
  for (const c of ca.slice(1)) {
    const [name, type] = c.split(' ') as [string, string];
    const [x, y] = [sql`x.${ident(name)}`, sql`y.${ident(name)}`];
    const rel = type === 'DOUBLE' ? sql`max(abs(${x} - ${y}) / greatest(abs(${x}), abs(${y})))` : raw('NULL');
    const d = await store.one<{ n: bigint; rel: number | null }>(sql`SELECT count(*) AS n, ${rel} AS rel
      FROM ${ident(a)} x FULL JOIN ${ident(b)} y USING (${key}) WHERE ${x} IS DISTINCT FROM ${y}`);
    if (Number(d!.n)) columns[name] = { rows: Number(d!.n), maxRelative: d!.rel };
  }
  return { ...result, differingColumns: columns };
}

async function cpuOf(store: Store, q: Sql): Promise<number> {
  const c = cpuSeconds();
  await store.run(q);
  return cpuSeconds() - c;
}

const store = await openStore();
const asOf = await defaultAsOf(store);
const checkouts: Record<'baseline' | 'branch', Queries> = { baseline: await baselineQueries(), branch: { customer: customerFeaturesQuery, product: productFeaturesQuery } };
const tables: Record<string, (q: Queries) => Sql> = { customer: (q) => q.customer({ asOf }), product: (q) => q.product({ asOf }) };

if (process.argv.includes('--explain')) {
  for (const [name, q] of Object.entries(checkouts)) {
    const plan = await store.all<{ explain_value: string }>(sql`EXPLAIN ANALYZE ${q.customer({ asOf })}`);
    console.log(`\n${name}\n${plan.map((r) => r.explain_value).join('\n')}`);
  }
}

// Each table, and the customer query for a few customers with the category medians given, as real-time work asks it;
// on one thread, which sums each group's rows in the order they are stored (on several, the order in which the
// threads' partial sums meet varies, and a sum of doubles with it in its last bits, from one run of a query to the next).
const few = (await store.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY hash(id) LIMIT 40`)).map((r) => r.id);
const categoryMedians = await store.all<{ cat: string; med: number }>(categoryMediansQuery(asOf));
const compared: Record<string, (q: Queries) => Sql> = { ...tables, [`customer, ${few.length} customers`]: (q) => q.customer({ asOf, customerIds: few, categoryMedians }) };
await store.run(sql`SET threads = 1`);
const report: Record<string, unknown> = {};
for (const [table, query] of Object.entries(compared)) {
  for (const [name, q] of Object.entries(checkouts)) await store.run(createTableAs(ident(`fq_${name}`), query(q)));
  report[table] = await differences(store, 'fq_baseline', 'fq_branch');
}
await store.run(sql`RESET threads`);
console.log(JSON.stringify({ store: retail || `demo ${customers} seed ${seed}`, asOf, differences: report }));

for (const [table, query] of Object.entries(tables)) {
  const best: Record<string, number> = { baseline: Infinity, branch: Infinity };
  for (let i = 0; i < repeat; i++) {
    for (const [name, q] of Object.entries(checkouts)) best[name] = Math.min(best[name]!, await cpuOf(store, createTableAs(ident(`fq_${name}`), query(q))));
  }
  console.log(`${table} feature table, CPU s best of ${repeat}: baseline ${fmt(best.baseline!, 2)}, branch ${fmt(best.branch!, 2)} (${fmt(best.branch! / best.baseline!, 2)}x)`);
}
for (const name of Object.keys(checkouts)) await store.run(sql`DROP TABLE ${ident(`fq_${name}`)}`);
store.close();
