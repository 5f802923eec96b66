/**
 * The server's JavaScript thread during a benchmark's load, by part (issue 17): reads a V8 profile written by the
 * server (`SEGMINT_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=<dir>" npm run bench -- --only events ...`) over the
 * last `--seconds` before the server's shutdown (the view's build before it left out), and gives each sample to the
 * first part below that its stack shows, with the largest functions by self time. DuckDB's threads are not sampled:
 * read their CPU from /proc/<pid>/task/<tid>/stat. After an `await` the stack starts at the continuation, so a
 * statement's JavaScript (the node API's calls) is a part of its own, not its caller's.
 * Usage: node --import tsx bench/server-profile.ts <file.cpuprofile> [--seconds 20]
 */
import { readFileSync } from 'node:fs';
import { arg, fmt } from './lib.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const named = (name: string) => (f: CallFrame) => f.functionName === name;
const inFile = (pattern: RegExp) => (f: CallFrame) => pattern.test(f.url);
/** Parts in order of precedence: the turn's first (its functions are on the stack of what they call). */
const PARTS: ReadonlyArray<[string, (f: CallFrame) => boolean]> = [
  ['turn: storing (ingestEventBatches)', named('ingestEventBatches')],
  ['turn: taking the events into the view', named('take')],
  ['turn: live memberships stored', named('storeLiveMemberships')],
  ['turn: the view\'s refresh (features, rules, answers)', named('refresh')],
  ['turn: webhooks (anySubscription)', named('anySubscription')],
  ['probes: audiencesOf', named('audiencesOf')],
  ['turn: the rest (groupedIngest, the store\'s wrappers)', inFile(/routes\/events\.js|store\/store\.js/)],
  ['validation (zod)', inFile(/node_modules\/(zod|fastify-type-provider-zod)\//)],
  ['response serialization', (f) => /fast-json-stringify|response-serializer/.test(f.url)],
  ['JSON.parse of bodies', (f) => /secure-json-parse/.test(f.url) || (f.functionName === 'parse' && f.url === '')],
  ['statements (the DuckDB node API\'s calls)', inFile(/@duckdb\//)],
  ['Fastify', inFile(/node_modules\/(fastify|find-my-way|avvio|@fastify)\//)],
  ['auth and guards', inFile(/dist\/server\//)],
  ['Node (http, net, streams)', (f) => f.url.startsWith('node:')],
  ['other Segmint code', inFile(/\/(src|dist)\//)],
];
/** Samples by their leaf alone. */
const LEAVES = new Map([['(garbage collector)', 'garbage collector'], ['(idle)', 'idle'], ['(program)', 'native, unattributed']]);

const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Profile;
const seconds = Number(arg('seconds', '20'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const stackOf = (id: number): CallFrame[] => {
  const frames: CallFrame[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) frames.push(byId.get(at)!.callFrame);
  return frames;
};
let clock = profile.startTime;
const times = profile.timeDeltas.map((d) => (clock += d));
// The load ends where the server closes its store (SIGTERM): the first sample closing a DuckDB instance in the last 5 s.
const last = times.at(-1)!;
const closing = profile.samples.findIndex((id, k) => times[k]! > last - 5e6 && stackOf(id).some((f) => f.functionName === 'closeSync' && f.url.includes('DuckDBInstance')));
const end = closing >= 0 ? times[closing]! : last;
const from = end - seconds * 1e6;

const parts = new Map<string, number>();
const self = new Map<string, number>();
profile.samples.forEach((id, k) => {
  if (times[k]! < from || times[k]! >= end) return;
  const ms = profile.timeDeltas[k]! / 1000;
  const stack = stackOf(id);
  const leaf = stack[0]!;
  const part = LEAVES.get(leaf.functionName) ?? PARTS.find(([, has]) => stack.some(has))?.[0] ?? 'other';
  parts.set(part, (parts.get(part) ?? 0) + ms);
  const fn = `${leaf.functionName || '(anonymous)'} ${leaf.url.replace(/^.*\/(node_modules|src|dist)\//, '$1/')}:${leaf.lineNumber + 1}`;
  self.set(fn, (self.get(fn) ?? 0) + ms);
});
const busy = [...parts].filter(([part]) => part !== 'idle').reduce((s, [, ms]) => s + ms, 0);
console.log(`the JavaScript thread over ${fmt(seconds, 0)} s of load: ${fmt(busy, 0)} ms sampled not idle; by part (ms, share of those):`);
for (const [part, ms] of [...parts].sort((a, b) => b[1] - a[1])) console.log(`  ${fmt(ms, 0).padStart(7)} ms ${part === 'idle' ? '      ' : `${fmt((ms / busy) * 100, 1).padStart(5)}%`}  ${part}`);
console.log('by function (self), the 25 largest:');
for (const [fn, ms] of [...self].filter(([fn]) => !fn.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${fmt(ms, 0).padStart(7)} ms  ${fn}`);
