import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';

/** DuckDB's threads in a process started by taskset on the given cores, with the threads option or without. */
function threadsOn(cores: string, ...args: string[]): string {
  const run = spawnSync('taskset', ['-c', cores, process.execPath, '--import', 'tsx', 'test/store/threads-child.ts', ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return run.stdout.trim();
}

// DuckDB counts the machine's cores, not those the process may run on: a server pinned to one core ran a second
// worker there, at 1.36x the CPU an ingested event (docs/benchmarks.md, issue 17).
describe.skipIf(cpus().length < 2)("a store's DuckDB threads", () => {
  it('are the cores the process may run on, when fewer than the machine has', () => {
    expect(threadsOn('0')).toBe('1');
    expect(threadsOn('0,1')).toBe(String(Math.min(2, cpus().length)));
  });

  it('are the setting when one is given (SEGMINT_THREADS)', () => {
    expect(threadsOn('0', '--threads', '2')).toBe('2');
  });
});
