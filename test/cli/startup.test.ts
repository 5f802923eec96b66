import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { segmintStart } from '../../bench/lib.js';
import { tempDir } from '../helpers.js';

// Loader hooks that append every URL the ESM loader resolves to $RESOLVED: they run on a thread of their own, hence a file.
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.RESOLVED, resolved.url + '\\n');
  return resolved;
}`;
const dataUrl = (code: string) => `data:text/javascript,${encodeURIComponent(code)}`;
const REGISTER = dataUrl(`import { register } from 'node:module'; register(${JSON.stringify(dataUrl(HOOKS))});`);

// The CLI tests start bin/segmint hundreds of times: registering the commands (all that `--help`, a usage error or a
// mistyped --db need) loads commander and the light modules of option choices, while each command loads its engine,
// server or models only when it runs. One package more here (DuckDB, fastify, ...) is paid by every start.
it('registers every command loading no package but commander and zod', () => {
  const dir = tempDir();
  try {
    const resolved = join(dir.path, 'resolved.txt');
    const program = "(await import('./dist/cli/main.js')).buildProgram();";
    const r = spawnSync(process.execPath, ['--import', REGISTER, '--input-type=module', '-e', program], { encoding: 'utf8', env: { ...process.env, RESOLVED: resolved } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const packages = new Set(readFileSync(resolved, 'utf8').split('\n').flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));
    expect([...packages].sort()).toEqual(['commander', 'zod']);
  } finally {
    dir.cleanup();
  }
});

// glibc reads MALLOC_ARENA_MAX only from the environment a process starts with, so bin/segmint's `#!` line sets it
// before node: with glibc's default arenas, memory DuckDB's threads free stays resident and a run's later stages peak
// over the memory setting (docs/benchmarks.md). Started as an executable, as a user's shell or npm's link starts it.
it('starts the CLI with two malloc arenas in its initial environment', () => {
  const { MALLOC_ARENA_MAX: _, ...env } = process.env;
  // Before the CLI's modules: what the kernel gave the process, every MALLOC_ARENA_MAX in it, to stderr.
  const show = dataUrl("import { readFileSync } from 'node:fs'; process.stderr.write(readFileSync('/proc/self/environ', 'utf8').split('\\0').filter((v) => v.startsWith('MALLOC_ARENA_MAX=')).join(',') + '\\n');");
  const r = spawnSync('bin/segmint', ['--help'], { encoding: 'utf8', env: { ...env, PATH: `${dirname(process.execPath)}:${env.PATH}`, NODE_OPTIONS: `--import=${show}` } });
  expect(r.status).toBe(0);
  expect(r.stderr).toBe('MALLOC_ARENA_MAX=2\n');
  // Benchmarks start servers as `node <flags> bin/segmint`, with what they read from the same line.
  const start = segmintStart();
  const bench = spawnSync(process.execPath, [...start.nodeFlags, 'bin/segmint', '--help'], { encoding: 'utf8', env: { ...env, ...start.env, NODE_OPTIONS: `--import=${show}` } });
  expect(bench.status).toBe(0);
  expect(bench.stderr).toBe(r.stderr);
});
