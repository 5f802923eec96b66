import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { builtAfter } from './helpers/built-after.js';
import { cliEnv } from './helpers/cli.js';
import { DEMO_STORE } from './helpers/demo-store.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder of the demo store (helpers/demo-store.ts): shop.duckdb and the generated files in demo/. */
    demoStore: string;
  }
}

const run = promisify(execFile);

/**
 * Before any test: the CLI tests run bin/segmint, which runs the compiled output, so build it unless it is fresh; and
 * build the demo store once for the tests that copy it. tsc takes one core, so the demo store is made meanwhile, by
 * the CLI from its source.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const fixtures = mkdtempSync(join(tmpdir(), 'segmint-fixtures-'));
  const demoStore = join(fixtures, 'demo-store');
  const demo = ['--db', join(demoStore, 'shop.duckdb'), 'demo', '--customers', String(DEMO_STORE.customers), '--seed', String(DEMO_STORE.seed), '--dir', join(demoStore, 'demo'), '--no-serve', '--json'];
  await Promise.all([
    (builtAfter(join('dist', 'cli', 'main.js'), ['tsconfig.json', 'tsconfig.build.json', 'src']) ? Promise.resolve() : run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'])).catch((e: Error & { stdout?: string }) => {
      throw new Error(`tsc -p tsconfig.build.json failed:\n${e.stdout || e.message}`);
    }),
    run(process.execPath, ['--import', 'tsx', 'test/helpers/cli-source.ts', ...demo], { env: cliEnv(), maxBuffer: 64 << 20 }).catch((e: Error & { stderr?: string }) => {
      throw new Error(`the demo store (segmint ${demo.join(' ')}) failed:\n${e.stderr || e.message}`);
    }),
  ]);
  project.provide('demoStore', demoStore);
  return () => rmSync(fixtures, { recursive: true, force: true });
}
