/**
 * Where a run's time goes (issue 18): a whole run (src/pipeline/run.ts) on a store, with each stage's wall and CPU
 * seconds (the whole process, DuckDB's threads included: the figure to compare on a loaded machine) and, for the
 * stages asked, each statement it ran; then a digest of the run's memberships, two ways: the members of each audience
 * (as bench/growth-phase.ts), and every row's member, score and reasons. Runs the code of the checkout it is started
 * from, so a baseline is the same script started from another worktree on another copy of the same store.
 * Usage: node --import tsx bench/run-profile.ts --db COPY.duckdb [--detail audiences] [--json out.json]
 *   COPY is written to (the run is replaced): give it a copy of a store with a run, e.g. bench/out/growth-100000-default.duckdb.
 */
import { writeFileSync } from 'node:fs';
import { defaultAsOf } from '../src/features/index.js';
import { runPipeline } from '../src/pipeline/index.js';
import { asTimestamp, md5, sql, stringAgg } from '../src/sql/index.js';
import { Store } from '../src/store/index.js';
import { arg, benchMemory, cpuSeconds, fmt, membershipDigest, peakRssMb } from './lib.js';
import { recordStatements, statementText, type Timing } from './statements.js';

const db = arg('db', '');
if (!db) throw new Error('--db COPY.duckdb: a copy of a store with a run (it is written to)');
const detail = new Set(arg('detail', 'audiences').split(','));
const store = await Store.open({ path: db, memory: benchMemory() });
const asOf = await defaultAsOf(store);

let stage = 'start';
const stages: Timing[] = [];
let started = { wall: performance.now(), cpu: cpuSeconds() };
const enter = (next: string): void => {
  stages.push({ label: stage, wall: (performance.now() - started.wall) / 1000, cpu: cpuSeconds() - started.cpu });
  stage = next;
  started = { wall: performance.now(), cpu: cpuSeconds() };
};
// In the stages asked, a statement is its place in the stage and its first 160 characters; elsewhere the stage alone.
let n = 0;
const statements = recordStatements(store, (q) => (detail.has(stage) ? `${stage} #${++n}: ${statementText(q).slice(0, 160)}` : stage));
await runPipeline(store, asOf, { onStage: enter });
enter('end');
const recorded = statements.splice(0);

const members = await membershipDigest(store, asOf);
const rows = await store.all<{ audience_id: string; hashed: string }>(sql`
  SELECT audience_id, ${md5(stringAgg(sql`customer_id || ':' || CAST(score AS VARCHAR) || ':' || coalesce(reasons, '')`, '|', sql`customer_id`))} AS hashed
  FROM memberships WHERE as_of = ${asTimestamp(asOf)} GROUP BY audience_id ORDER BY audience_id`);
const sizes = await store.all<{ audience_id: string; size: number; revenue: number; rule_text: string | null }>(sql`
  SELECT audience_id, size, revenue, rule_text FROM audience_runs WHERE as_of = ${asTimestamp(asOf)} ORDER BY audience_id`);
store.close();

const inDetail = recorded.filter((t) => detail.has(t.label.split(' #')[0]!));
console.error(`\nRun as of ${asOf} on ${db}; seconds, wall and CPU (all threads); peak RSS ${peakRssMb()} MB`);
console.error('| stage | wall s | CPU s |\n|---|---:|---:|');
for (const t of stages.slice(1)) console.error(`| ${t.label} | ${fmt(t.wall, 2)} | ${fmt(t.cpu, 2)} |`);
console.error('\n| statement | wall s | CPU s |\n|---|---:|---:|');
for (const t of inDetail) console.error(`| ${t.label} | ${fmt(t.wall, 2)} | ${fmt(t.cpu, 2)} |`);
const result = { asOf, peakRssMb: peakRssMb(), stages: stages.slice(1), statements: inDetail, members, rows, sizes };
const json = arg('json', '');
if (json) writeFileSync(json, JSON.stringify(result, null, 1));
process.stdout.write(`${JSON.stringify({ stages: result.stages })}\n`);
