import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';

/**
 * The README's examples run as written: every `npx segmint` line of the sh blocks of these sections, in order, from
 * a fresh directory (the Online Retail data path is relative to the checkout, as the README says). The Online
 * Retail sections use their own store (`--db retail.duckdb`); the clusters, behaviors and CLV sections use the demo's default
 * store, made by `segmint demo --no-serve` as `npm run demo` makes it.
 */

const README = readFileSync('README.md', 'utf8');
const dir = tempDir('segmint-readme-');
afterAll(() => dir.cleanup());

/** The text of a `## ` section, up to the next one. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no section "${title}"`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** Shell words of a line as sh reads them (quotes, and a comment from an unquoted `#` starting a word). */
function words(line: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'" || ch === '"') {
      const close = line.indexOf(ch, i + 1);
      if (close < 0) throw new Error(`unclosed quote in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, close);
      i = close;
    } else if (ch === ' ' || ch === '\t') {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (ch === '#' && word === undefined) {
      break;
    } else word = (word ?? '') + ch;
  }
  if (word !== undefined) out.push(word);
  return out;
}

/** The arguments of every `npx segmint` command in the section's sh blocks. */
function commands(title: string): string[][] {
  const blocks = [...section(title).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks
    .flatMap((b) => b.split('\n'))
    .map(words)
    .filter((w) => w[0] === 'npx' && w[1] === 'segmint')
    .map((w) => w.slice(2).map((arg) => (arg.startsWith('../shared/') ? resolve(arg) : arg)));
}

const segmint = (args: string[]) => runCli(args, { cwd: dir.path });

/** Runs each command and checks it succeeded, quietly, with an answer; returns the outputs by command. */
function runAll(list: string[][]): Array<{ args: string[]; stdout: string }> {
  return list.map((args) => {
    const r = segmint(args);
    expect({ command: args.join(' '), code: r.code, stderr: r.stderr }).toEqual({ command: args.join(' '), code: 0, stderr: '' });
    expect(r.stdout.trim(), args.join(' ')).not.toBe('');
    return { args, stdout: r.stdout };
  });
}

describe('the README examples', () => {
  it('import, run and query Online Retail on its own store', () => {
    const retail = commands('Your own data: the Online Retail example');
    const audiences = commands('Audiences');
    expect(retail.length).toBeGreaterThanOrEqual(4);
    expect(audiences.length).toBeGreaterThanOrEqual(9);
    for (const args of [...retail, ...audiences]) expect(args, args.join(' ')).toContain('retail.duckdb');
    const out = runAll([...retail, ...audiences]);
    // A created audience is computed against the latest run at once: a real size and that run's date.
    const created = out.filter((o) => o.args[0] === 'audience' && o.args[1] === 'create');
    expect(created.length).toBeGreaterThan(0);
    for (const c of created) expect(c.stdout).toMatch(/, [1-9][\d,]* members as of 2011-12-10 00:00:00\n$/);
    for (const m of out.filter((o) => o.args[0] === 'members')) expect(m.stdout.trim().split('\n').length, m.args.join(' ')).toBeGreaterThan(1);
    for (const c of out.filter((o) => o.args[0] === 'classify')) expect(c.stdout).toMatch(/^\S+ as of 2011-12-10 00:00:00\n/);
  });

  it('cluster, classify, score behaviors and score customers of the demo store', () => {
    const demo = segmint(['demo', '--no-serve']);
    expect({ code: demo.code, stderr: demo.stderr }).toEqual({ code: 0, stderr: '' });
    const list = [...commands('Clusters'), ...commands('Behaviors'), ...commands('Customer lifetime value')];
    expect(list.length).toBeGreaterThanOrEqual(7);
    const out = runAll(list);
    for (const c of out.filter((o) => o.args[0] === 'classify')) expect(c.stdout).toMatch(/^\S+ as of 2026-11-01 00:00:00\n/);
  });
});
