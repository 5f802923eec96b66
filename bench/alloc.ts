/**
 * What each request on the hot routes leaves behind (issues 15 and 18): GET /v1/customers/:id/audiences,
 * POST /v1/classify and GET /v1/decide on the decide benchmark's store, each route for `--requests` at a fixed rate
 * after a warm-up, with the server's Node under `--trace-gc-nvp`. Reported per route, independent of the machine's
 * load: bytes allocated a request (the `allocated=` of the collections in the window), young collections per 10,000
 * requests, and the server's CPU a request (all its threads, from /proc). With `--trees a,b` the same store is served
 * from each checkout in turn (each built), e.g. a baseline worktree of main and this branch, in the same run.
 * Usage: npm run bench -- --only alloc [--customers 20000] [--requests 20000] [--rate 1000] [--rounds 1] [--trees .]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decidePath, decideStore, ORIGIN } from './decide-store.js';
import { arg, fmt, newKey, serveStore, stopServer } from './lib.js';
import { pacedLoad } from './paced-load.js';

const customers = Number(arg('customers', '20000'));
const requests = Number(arg('requests', '20000'));
const rate = Number(arg('rate', '1000'));
const rounds = Number(arg('rounds', '1'));
const trees = arg('trees', '.').split(',');
const { db, ids } = await decideStore(customers, arg('out', join('bench', 'out')));

interface Gc {
  young: boolean;
  allocated: number;
}

/** The process's CPU so far, user and system, every thread's, in seconds (Linux: /proc/<pid>/stat, clock ticks of 10 ms). */
function processCpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Route {
  name: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  request: (i: number) => { path: string; body?: string };
}

function routes(): Route[] {
  // A key per route and tree: the per-key limit (60,000 a minute) stays out of the way.
  const admin = { authorization: `Bearer ${newKey(db)}` };
  const classify = { authorization: `Bearer ${newKey(db)}`, 'content-type': 'application/json' };
  const storefront = newKey(db, '--scopes', 'storefront', '--origins', ORIGIN);
  return [
    { name: 'GET /v1/customers/:id/audiences', method: 'GET', headers: admin, request: (i) => ({ path: `/v1/customers/${encodeURIComponent(ids[i % ids.length]!)}/audiences` }) },
    { name: 'POST /v1/classify', method: 'POST', headers: classify, request: (i) => ({ path: '/v1/classify', body: JSON.stringify({ customer_id: ids[i % ids.length] }) }) },
    { name: 'GET /v1/decide', method: 'GET', headers: { origin: ORIGIN }, request: (i) => ({ path: decidePath(i, storefront, ids) }) },
  ];
}

async function measure(tree: string): Promise<void> {
  // Keys first: the CLI cannot open the store while the server holds it.
  const measured = routes();
  const gcs: Gc[] = [];
  const { server, url } = await serveStore(db, {
    tree,
    nodeFlags: ['--trace-gc', '--trace-gc-nvp'],
    onOutput: (line) => {
      const allocated = /\ballocated=(\d+)/.exec(line);
      if (allocated) gcs.push({ young: / gc=s /.test(line), allocated: Number(allocated[1]) });
    },
  });
  try {
    for (const route of measured) await measureRoute(tree, route, url, server.pid!, gcs);
  } finally {
    await stopServer(server);
  }
}

async function measureRoute(tree: string, route: Route, url: string, pid: number, gcs: Gc[]): Promise<void> {
  let n = 0;
  const load = (amount: number) => pacedLoad(url, rate, amount / rate, () => ({ method: route.method, headers: route.headers, ...route.request(n++) }));
  // Every customer asked for once first (a first evaluation is cached after) and the route compiled: the steady state.
  await load(Math.max(ids.length, 2000));
  const first = gcs.length;
  const cpu = processCpu(pid);
  const result = await load(requests);
  const window = gcs.slice(first);
  const served = requests;
  const errors = result.errors;
  const allocated = window.reduce((s, g) => s + g.allocated, 0);
  const young = window.filter((g) => g.young).length;
  console.log(
    `  ${tree.padEnd(22)} ${route.name.padEnd(32)} ${String(served).padStart(6)} requests, errors ${errors}  ` +
      `${fmt(allocated / served / 1024, 1).padStart(5)} KB a request  ${fmt((young * 10_000) / served, 1).padStart(5)} young / 10k  ` +
      `${window.length - young} full  CPU ${fmt(((processCpu(pid) - cpu) * 1e6) / served, 0)} us a request`,
  );
}

console.log(`\nAllocation on the hot routes, ${customers.toLocaleString('en-US')} customers, ${requests} requests a route at ${rate}/s`);
for (let r = 0; r < rounds; r++) for (const tree of trees) await measure(tree);
