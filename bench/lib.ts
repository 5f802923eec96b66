import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { generateDemo, importDemoFiles, type DemoFileSet } from '../src/demo/index.js';
import { memoryBudget, parseMemory, type MemoryBudget } from '../src/shared/memory.js';
import { asTimestamp, md5, sql, stringAgg } from '../src/sql/index.js';
import { Store } from '../src/store/index.js';

/** What one measured phase reports: its own wall time and the peak RSS of the process that ran it. */
export interface PhaseResult {
  phase: string;
  seconds: number;
  /** CPU time of the process over the same span, every thread's: the figure to compare on a loaded machine. */
  cpuSeconds?: number;
  peakRssMb: number;
  rows?: number;
  detail?: Record<string, unknown>;
}

/**
 * The benchmarks' memory setting: SEGMINT_MEMORY_LIMIT, else 5 GB, whose DuckDB share (3 GB) is what bare DuckDB gets
 * in the same runs, so that ours and the baselines have the same buffer pool.
 */
export function benchMemory(): MemoryBudget {
  return memoryBudget(parseMemory(process.env.SEGMINT_MEMORY_LIMIT ?? '5GB'));
}

export function peakRssMb(): number {
  // ru_maxrss is in kilobytes on Linux.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/**
 * Runs one phase in a fresh Node process so that its peak memory is its own, and returns what it printed as JSON on
 * its last stdout line.
 */
export function runPhase(script: string, args: string[], env: Record<string, string> = {}): PhaseResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${script} ${args.join(' ')} exited with ${r.status}`);
  const last = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(last) as PhaseResult;
}

/** CPU seconds this process has used so far, user and system, every thread's (DuckDB's too). */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Who is in what as of a run: two runs agree on every membership when these agree (the MD5 of the sorted members per
 * audience, which every engine computes alike, so that a run on ClickHouse compares with one on DuckDB).
 */
export function membershipDigest(store: Store, asOf: string): Promise<Array<{ audience_id: string; members: number; hashed: string }>> {
  return store.all(sql`SELECT audience_id, count(*) AS members, ${md5(stringAgg(sql`customer_id`, ',', sql`customer_id`))} AS hashed
    FROM memberships WHERE as_of = ${asTimestamp(asOf)} GROUP BY audience_id ORDER BY audience_id`);
}

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** The store the audiences benchmark builds for `--customers`/`--seed` under `--out`, which later benchmarks read. */
export function audiencesStorePath(): string {
  return join(arg('out', join('bench', 'out')), `audiences-${arg('customers', '1000000')}-${arg('seed', '1')}.duckdb`);
}

export function fmt(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * Opens the audiences benchmark's store (audiencesStorePath), importing the demo files of `--customers`/`--seed` when it
 * is new; the files are generated under `--out` unless they are there already.
 */
export async function openDemoStore(): Promise<Store> {
  const customers = Number(arg('customers', '1000000'));
  const seed = Number(arg('seed', '1'));
  const out = arg('out', join('bench', 'out'));
  const dir = join(out, `demo-${customers}-${seed}`);
  const dbPath = audiencesStorePath();
  mkdirSync(out, { recursive: true });
  const fresh = !existsSync(dbPath);
  const store = await Store.open({ path: dbPath, memory: benchMemory() });
  if (fresh) {
    await importDemoFiles(store, await demoFiles(dir, customers, seed));
  }
  return store;
}

/** The demo files of a size and seed in `dir`, generated there unless they are there already. */
export async function demoFiles(dir: string, customers: number, seed: number): Promise<DemoFileSet> {
  if (existsSync(join(dir, 'events.csv'))) return { products: join(dir, 'products.csv'), customers: join(dir, 'customers.csv'), events: join(dir, 'events.csv') };
  return generateDemo({ customers, seed, outDir: dir });
}

/** The environment the CLI runs in for benchmarks: the store given by --db only, no logs, room for the live view. */
const cliEnv = (() => {
  const { SEGMINT_DB: _, ...rest } = process.env;
  // The server's live view of a 1M store needs about 1.2 GB, its share of an 8 GB setting (src/shared/memory.ts).
  return { ...rest, SEGMINT_LOG_LEVEL: 'silent', SEGMINT_MEMORY_LIMIT: rest.SEGMINT_MEMORY_LIMIT ?? '8GB' };
})();

/** A new API key on the store, as `segmint keys create` makes it (`--scopes admin` unless other arguments say). */
export function newKey(db: string, ...args: string[]): string {
  const created = spawnSync(process.execPath, ['bin/segmint', '--db', db, 'keys', 'create', ...(args.length ? args : ['--scopes', 'admin']), '--json'], { encoding: 'utf8', env: cliEnv });
  if (created.status !== 0) throw new Error(`keys create: ${created.stderr}`);
  return (JSON.parse(created.stdout) as { key: string }).key;
}

/**
 * Whether the server and the load generator can each have a core of their own: two cores or more and `taskset`
 * (util-linux). Sharing one, the two take turns, and the generator's own waits show as the server's latency.
 */
const canPin = ((): (() => boolean) => {
  // Asked once, before this process pins itself to one core (after which it sees one).
  const can = availableParallelism() >= 2 && spawnSync('taskset', ['-V']).status === 0;
  return () => can;
})();

/**
 * The environment and Node flags `bin/segmint` starts with (its `#!/usr/bin/env -S NAME=value node --flag` line),
 * which a server started as `node bin/segmint` would miss.
 */
export function segmintStart(tree = '.'): { env: Record<string, string>; nodeFlags: string[] } {
  const words = readFileSync(join(tree, 'bin', 'segmint'), 'utf8').split('\n', 1)[0]!.split(' ');
  const assignments = words.flatMap((word) => {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(word);
    return match ? [[match[1]!, match[2]!] as const] : [];
  });
  return { env: Object.fromEntries(assignments), nodeFlags: words.filter((word) => word.startsWith('--')) };
}

/** Where `serveStore` runs the server from, and what it adds to its Node; defaults: this tree, no flags. */
export interface ServeOptions {
  /** Server on core 0 and this process, the load generator, on core 1 (where canPin). */
  pinned?: boolean;
  /** Another checkout of the project, built (`npm run build`), to serve from: a baseline measured in the same run. */
  tree?: string;
  /** V8 flags for the server's Node, after those of SEGMINT_BENCH_NODE_FLAGS. */
  nodeFlags?: string[];
  /** Each line the server's Node prints besides its address, such as `--trace-gc` output. */
  onOutput?: (line: string) => void;
}

/**
 * `segmint serve` on the store in its own process, as in production; resolves once it says where it listens. With
 * `pinned` (where canPin), the server runs on core 0 and this process, the load generator, moves to core 1.
 */
export async function serveStore(db: string, options: ServeOptions = {}): Promise<{ server: ChildProcess; url: string; pinned: boolean }> {
  const pinned = (options.pinned ?? false) && canPin();
  // SEGMINT_BENCH_NODE_FLAGS: V8 flags for the server's Node only (NODE_OPTIONS refuses most of them), for experiments.
  const flags = [...(process.env.SEGMINT_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...(options.nodeFlags ?? [])];
  const start = segmintStart(options.tree);
  const serve = [process.execPath, ...start.nodeFlags, ...flags, 'bin/segmint', '--db', resolve(db), 'serve', '--port', '0', '--json'];
  const [command, ...args] = pinned ? ['taskset', '-c', '0', ...serve] : serve;
  const server = spawn(command!, args, { env: { ...cliEnv, ...start.env }, cwd: options.tree, stdio: ['ignore', 'pipe', 'inherit'] });
  if (pinned) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  // The address is the JSON object the server prints (its lines start with `{`, `  "` or `}`); V8's lines start with `[`.
  const url = await new Promise<string>((done, fail) => {
    let text = '';
    server.once('exit', (code) => fail(new Error(`segmint serve exited with ${code}`)));
    createInterface({ input: server.stdout }).on('line', (line) => {
      if (line.startsWith('[')) return options.onOutput?.(line);
      text += line;
      if (line === '}') done((JSON.parse(text) as { url: string }).url);
    });
  });
  return { server, url, pinned };
}

/** Stops a server of serveStore and waits for its exit: until then it holds its store's lock (seconds at 1M). */
export async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((done) => server.once('exit', done));
  server.kill('SIGTERM');
  await exited;
}
