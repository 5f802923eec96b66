import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { resolve } from 'node:path';

/** The checkout's bin/segmint, by absolute path so that a test may run it from a folder of its own. */
export const BIN = resolve('bin/segmint');

export interface CliOptions {
  /** Variables set over the test's environment; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** How a run of the CLI ended: its exit code (null when killed) and what it printed. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as JSON (the answer of a `--json` command). */
  json: () => unknown;
}

/**
 * The environment the CLI runs in: the test's own without SEGMINT_DB (every test names its store with --db; a
 * developer's shell may set one), with `env` over it.
 */
export function cliEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const { SEGMINT_DB: _, ...rest } = process.env;
  const out: NodeJS.ProcessEnv = { ...rest };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}

function ended(code: number | null, stdout: string, stderr: string): CliRun {
  return { code, stdout, stderr, json: () => JSON.parse(stdout) as unknown };
}

/** `segmint ARGS` in a process of its own, as a user runs it (the compiled CLI the global setup built); waits for it. */
export function runCli(args: string[], options: CliOptions = {}): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: options.cwd, env: cliEnv(options.env), encoding: 'utf8' });
  if (r.error) throw r.error;
  return ended(r.status, r.stdout, r.stderr);
}

/** `segmint --db DB ARGS --json`, which must succeed (exit code 0, nothing on stderr): its answer. */
export function cliJson(db: string, args: string[]): unknown {
  const r = runCli(['--db', db, ...args, '--json']);
  if (r.code !== 0 || r.stderr !== '') throw new Error(`segmint ${args.join(' ')}: exit code ${r.code}, stderr: ${r.stderr.trimEnd()}`);
  return r.json();
}

/** The same as runCli without blocking the test's process: for commands run side by side, or beside a server in it. */
export function runCliAsync(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const child = startCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done(ended(code, stdout, stderr)));
  });
}

/** `segmint ARGS` started and left running (a server, say); stdout and stderr are pipes unless `stdio` says otherwise. */
export function startCli(args: string[], options: CliOptions & { stdio?: StdioOptions } = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: cliEnv(options.env), stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'] });
}
