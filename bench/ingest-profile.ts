/**
 * Where the time of import + features goes (issue 18, item 3): each statement the imports of the products, customers
 * and events files and the feature table run, with its wall time and the CPU time of the whole process (DuckDB's
 * threads included), grouped by import step; then the first read of the file taken apart (parse alone, typing and checks, the content hash). CPU time is the
 * figure to compare on a loaded machine. Runs the code of the checkout it is started from, so a baseline is the same
 * script started from another worktree over the same files.
 * Usage: node --import tsx bench/ingest-profile.ts --customers 100000 [--seed 1] [--out bench/out] [--formats csv,parquet]
 *   (the demo files are generated under --out unless they are there: bench/ingest.ts writes the same ones)
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { defaultAsOf, materializeCustomerFeatures } from '../src/features/index.js';
import { ident, join as joinSql, sql, type Sql } from '../src/sql/index.js';
import { Store, importFile, presetMapping, type Mapping } from '../src/store/index.js';
import { openSource } from '../src/store/ingest/source.js';
import { planStaging } from '../src/store/ingest/staging.js';
import { ENTITY_COLUMNS } from '../src/store/schema.js';
import { arg, benchMemory, fmt, runPhase } from './lib.js';
import { merge, recordStatements, statementText, timed, type Timing } from './statements.js';

const customers = Number(arg('customers', '100000'));
const seed = Number(arg('seed', '1'));
const out = arg('out', join('bench', 'out'));
const formats = arg('formats', 'csv,parquet').split(',');
const dir = join(out, `demo-${customers}-${seed}`);
const memory = benchMemory();

/** A statement named by its first words, without the import's random table names. */
function statementLabel(q: Sql): string {
  const text = statementText(q);
  const head = /^(CREATE (OR REPLACE )?(TEMP )?TABLE \S+|INSERT (OR REPLACE )?INTO \S+|DELETE FROM \S+|DROP TABLE|SELECT|SET|RESET)/i.exec(text)?.[0] ?? text.slice(0, 30);
  return head.replace(/_[0-9a-f]{32}/g, '_<import>');
}

function eventsFile(format: string): string {
  return join(dir, format === 'csv' ? 'events.csv' : 'events.parquet');
}

function eventsMapping(contentIds: boolean): Mapping {
  const mapping = presetMapping('segmint-events');
  if (!contentIds) return mapping;
  return { ...mapping, columns: Object.fromEntries(Object.entries(mapping.columns).filter(([field]) => field !== 'id')) };
}

async function profileImport(format: string, contentIds: boolean): Promise<Timing[]> {
  const dbPath = join(out, `profile-${format}.duckdb`);
  rmSync(dbPath, { force: true });
  rmSync(`${dbPath}.wal`, { force: true });
  const store = await Store.open({ path: dbPath, memory });
  let step = 'products and customers files';
  const statements = recordStatements(store, (q) => `${step}: ${statementLabel(q)}`);
  const entities = await timed(async () => {
    await importFile(store, join(dir, 'products.csv'), presetMapping('segmint-products'));
    await importFile(store, join(dir, 'customers.csv'), presetMapping('segmint-customers'));
  });
  step = 'open';
  const whole = await timed(() => importFile(store, eventsFile(format), eventsMapping(contentIds), { onStep: (s) => (step = s) }));
  step = 'features';
  const features = await timed(async () => materializeCustomerFeatures(store, await defaultAsOf(store)));
  store.close();
  rmSync(dbPath, { force: true });
  return [
    ...merge(statements),
    { label: 'products and customers files, whole', wall: entities.wall, cpu: entities.cpu },
    { label: 'events import, whole', wall: whole.wall, cpu: whole.cpu },
    { label: 'feature table, whole', wall: features.wall, cpu: features.cpu },
    { label: 'import + features (the three files)', wall: entities.wall + whole.wall + features.wall, cpu: entities.cpu + whole.cpu + features.cpu },
  ];
}

/**
 * The first read of the file taken apart, each an aggregate so nothing is stored: the reader alone, the reader with
 * the typing and the row checks, and with each event's content hashed as content ids hash it.
 */
async function profileRead(format: string): Promise<Timing[]> {
  const store = await Store.open({ path: ':memory:', memory });
  const mapping = eventsMapping(true);
  const source = await openSource(store, eventsFile(format), mapping, 'profile');
  const staging = planStaging(mapping, source);
  const relation = source.relation({ numbered: false, rejects: 'store' });
  const columns = [...source.columns.keys()].map((c) => sql`count(${source.value(c)})`);
  const rows = staging.select({ numbered: false, rejects: 'store' });
  const fields = joinSql(ENTITY_COLUMNS.events.filter((c) => c.name !== 'id').map((c) => ident(c.name)));
  const content = sql`CAST(json_array(${fields}) AS VARCHAR)`;
  const queries: Array<[string, Sql]> = [
    ['read: every column of every record', sql`SELECT ${joinSql(columns)} FROM (${relation}) src`],
    ['read + typing + row checks', sql`SELECT count(*) FILTER (WHERE __error IS NULL) FROM (${rows})`],
    ['read + typing + checks + content text (json_array)', sql`SELECT max(length(${content})) FILTER (WHERE __error IS NULL) FROM (${rows})`],
    ['read + typing + checks + content id (md5 of it)', sql`SELECT max(md5(${content})) FILTER (WHERE __error IS NULL) FROM (${rows})`],
    ['read + typing + checks + 64-bit hash of content', sql`SELECT max(hash(${fields})) FILTER (WHERE __error IS NULL) FROM (${rows})`],
    ['read + numbered records', sql`SELECT max(__rec) FROM (${source.relation({ numbered: true, rejects: 'skip' })})`],
  ];
  const timings: Timing[] = [];
  for (const [label, q] of queries) {
    const t = await timed(() => store.run(q));
    timings.push({ label, wall: t.wall, cpu: t.cpu });
  }
  store.close();
  return timings;
}

const phase = process.argv[2];
if (phase === 'import' || phase === 'read') {
  const format = process.argv[3]!;
  const result = phase === 'import' ? await profileImport(format, process.argv[4] === 'content-ids') : await profileRead(format);
  process.stdout.write(`${JSON.stringify({ phase, seconds: 0, peakRssMb: 0, detail: { timings: result } })}\n`);
} else {
  mkdirSync(out, { recursive: true });
  if (!existsSync(join(dir, 'events.parquet'))) runPhase(join('bench', 'ingest-phase.ts'), ['generate', dir, String(customers), String(seed)]);
  const script = join('bench', 'ingest-profile.ts');
  console.log(`\nImport + features profile, ${customers.toLocaleString('en-US')} customers (seed ${seed}); seconds, wall and CPU (all threads)`);
  for (const format of formats) {
    for (const [title, args] of [
      [`${format}, the file's ids`, ['import', format]],
      [`${format}, ids from content`, ['import', format, 'content-ids']],
      [`${format}, the first read taken apart`, ['read', format]],
    ] as const) {
      const timings = (runPhase(script, [...args, '--customers', String(customers), '--seed', String(seed), '--out', out]).detail as { timings: Timing[] }).timings;
      console.log(`\n${title}\n| step: statement | wall s | CPU s |\n|---|---:|---:|`);
      for (const t of timings) console.log(`| ${t.label} | ${fmt(t.wall, 2)} | ${fmt(t.cpu, 2)} |`);
    }
  }
}
