import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.cleanup());

type Answer = Record<string, unknown> & { imports: Array<Record<string, unknown>>; rows: Array<Record<string, unknown>> };
function segmint(db: string, ...args: string[]) {
  const r = runCli(['--db', db, ...args]);
  return { ...r, json: () => r.json() as Answer };
}

/** The same as `segmint`, without blocking, so that many commands can run side by side. */
const segmintAsync = (db: string, ...args: string[]) => runCliAsync(['--db', db, ...args]);

const HEADER = 'type,ts,customer_id,product_id,order_id,quantity,unit_price';
function file(name: string, lines: string[]): string {
  const path = join(dir.path, name);
  writeFileSync(path, [HEADER, ...lines].join('\n') + '\n');
  return path;
}
const good = Array.from({ length: 8 }, (_, i) => `order,2024-01-0${i + 1} 10:00:00,c${i % 3},p${i % 2},o${i},1,10`);
const orders = file('orders.csv', [...good, 'order,someday,c1,p1,o9,1,10', 'order,2024-01-09 10:00:00,c1,p1,o10,1,ten']);

describe('segmint imports and quarantine', () => {
  const db = join(dir.path, 'imports.duckdb');

  it('list imports, take one back, replace a file and list or clear its quarantine without doubling it', () => {
    const first = segmint(db, 'import', orders, '--json');
    expect(first.code).toBe(0);
    const id = first.json().import_id as string;
    const listed = segmint(db, 'imports', '--json').json();
    expect(listed.imports).toEqual([expect.objectContaining({ id, file: orders, mapping_source: 'events columns', rows: 10, accepted: 8, duplicates: 0, rejected: 2 })]);
    expect(segmint(db, 'imports').stdout).toMatch(new RegExp(`^id +file +mapping +rows +accepted +duplicates +rejected +when\\n${id} +${orders} +events columns +10 +8 +0 +2 +\\d{4}-`));

    // The same file again: its rows are duplicates and its bad lines are not quarantined twice.
    expect(segmint(db, 'import', orders, '--json').json()).toMatchObject({ accepted: 0, duplicates: 8, rejected: 2 });
    const q = segmint(db, 'quarantine', '--json').json();
    expect(q.rows.map((r) => [r.file, r.line, r.column])).toEqual([[orders, 10, 'ts'], [orders, 11, 'unit_price']]);
    expect(segmint(db, 'quarantine').stdout).toMatch(/^import +file +line +column +reason\n\w+ +\S+orders\.csv +10 +ts +cannot read as a timestamp \(ts\): someday\n/);

    const replaced = segmint(db, 'import', orders, '--preset', 'segmint-events', '--replace', '--json').json();
    expect(replaced).toMatchObject({ accepted: 8, duplicates: 0, rejected: 2 });
    expect((replaced.replaced as Array<{ import_id: string }>).map((r) => r.import_id)).toContain(id);
    const after = segmint(db, 'imports', '--json').json();
    expect(after.imports.map((i) => [i.file, i.mapping_source])).toEqual([[orders, 'preset segmint-events']]);
    expect(segmint(db, 'stats', '--json').json()).toMatchObject({ customers: 3, events: { total: 8 } });

    expect(segmint(db, 'run', '--json').code).toBe(0);
    const rm = segmint(db, 'imports', 'rm', replaced.import_id as string);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toMatch(/^took back import \w+ \(.*orders\.csv\): 8 events, 3 customers, 2 products, 2 quarantined rows\nthe run as of 2024-01-09 00:00:00 counted them: the features of 3 customers and 2 products are stale; `segmint run` again\n$/);
    expect(segmint(db, 'stats', '--json').json()).toMatchObject({ customers: 0, events: { total: 0 } });
    expect(segmint(db, 'imports', 'rm', replaced.import_id as string).code).toBe(1);

    segmint(db, 'import', orders);
    expect(segmint(db, 'quarantine', '--clear', '--json').json()).toMatchObject({ cleared: 2 });
    expect(segmint(db, 'quarantine', '--json').json()).toMatchObject({ total: 0, rows: [] });
    expect(segmint(db, 'quarantine', '--import', 'nope').stderr).toBe('segmint: no import "nope"\n');
  });

  it('fail an import that rejects every row, or more than --max-rejected, with the top reasons and the store unchanged', () => {
    const strict = join(dir.path, 'strict.duckdb');
    const before = () => segmint(strict, 'stats', '--json').stdout;
    expect(segmint(strict, 'import', file('seed.csv', good.slice(0, 1))).code).toBe(0);
    const was = before();
    for (const [args, message] of [
      [['--max-rejected', '1'], /orders\.csv: 2 of 10 rows rejected, more than the limit of 1; nothing imported\. Top reasons: 1 × cannot read as a timestamp \(ts\): someday \(line 10\); 1 × cannot read as a number \(unit_price\): ten \(line 11\)/],
      [['--max-rejected', '10%'], /2 of 10 rows rejected, more than the limit of 10% of 10 rows, 1;/],
    ] as const) {
      const r = segmint(strict, 'import', orders, ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(before()).toBe(was);
    }
    expect(segmint(strict, 'import', orders, '--max-rejected', '20%').code).toBe(0);
    const bad = segmint(strict, 'import', file('all-bad.csv', ['order,1/2/2024,c1,p1,o1,1,10', 'order,1/3/2024,c1,p1,o2,1,10']));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('segmint: ' + join(dir.path, 'all-bad.csv') + ': all 2 rows rejected; nothing imported. Top reasons: 2 × cannot read as a timestamp (ts): 1/2/2024 (line 2 and alike)\n');
  });
});

describe('segmint import --suggest', () => {
  const shop = join(dir.path, 'shop.csv');
  writeFileSync(shop, ['Event;When;Customer ID;SKU;Order No;Qty;Price (cents)', 'purchase;13/01/2024 10:00;c1;p1;o1;2;1999',
    'cart;13/01/2024 09:55;c1;p1;;1;1999', 'checkout;13/01/2024 09:58;c1;p1;;;', 'page_view;12/01/2024 18:00;c2;p2;;;'].join('\n') + '\n');

  it('prints a mapping that imports the file once saved, notes on stderr, and creates no store', () => {
    const db = join(dir.path, 'suggested.duckdb');
    const r = segmint(db, 'import', shop, '--suggest');
    expect(r.code).toBe(0);
    expect(existsSync(db)).toBe(false);
    const draft = JSON.parse(r.stdout) as { columns: Record<string, unknown> };
    expect(draft.columns.type).toEqual({ column: 'Event', values: { purchase: 'order', cart: 'add_to_cart', page_view: 'view' } });
    expect(r.stderr).toContain('note: no event type for "checkout": add them to columns.type.values, or their rows are quarantined\n');
    expect(segmint(db, 'import', shop, '--suggest', '--json').json()).toEqual({ mapping: draft, notes: r.stderr.trimEnd().split('\n').map((n) => n.replace(/^note: /, '')) });

    const saved = join(dir.path, 'shop-mapping.json');
    writeFileSync(saved, r.stdout);
    const imported = segmint(db, 'import', shop, '--mapping', saved, '--json').json();
    expect(imported).toMatchObject({ rows: 4, accepted: 3, rejected: 1, unmapped: [{ field: 'type', column: 'Event', value: 'checkout', rows: 1 }] });
    expect(segmint(db, 'import', shop, '--mapping', saved, '--replace').stdout).toContain(
      'values not in the mapping (rows in quarantine):\nfield  column  value     rows\ntype   Event   checkout  1\n',
    );
  });

  it('comes with the error of a file in an unknown layout, after its one-line message', () => {
    const r = segmint(join(dir.path, 'layout.duckdb'), 'import', shop);
    expect(r.code).toBe(1);
    const [first, ...rest] = r.stderr.split('\n');
    expect(first).toMatch(/^segmint: \S+shop\.csv: columns "type" \(mapped to type\), "ts" \(mapped to ts\) are not in the file; its columns are: .*; a mapping drafted from the file comes with this error/);
    const draft = rest.join('\n').slice(0, rest.join('\n').indexOf('\nnote: ') + 1);
    expect(JSON.parse(draft)).toEqual(segmint(join(dir.path, 'never.duckdb'), 'import', shop, '--suggest', '--json').json().mapping);
  });

  it('a mapping file with a misspelt key fails in one line naming the key', () => {
    const typo = join(dir.path, 'typo.json');
    writeFileSync(typo, JSON.stringify({ entity: 'events', columns: { ts: { column: 'When', fromat: '%d/%m/%Y %H:%M' } } }));
    const r = segmint(join(dir.path, 'typo.duckdb'), 'import', shop, '--mapping', typo);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`segmint: mapping file ${typo}: columns.ts.fromat: unknown key; keys here: column, format, split, prefix, values, divide, path, level, fallback\n`);
  });
});

describe('exit codes', () => {
  const db = join(dir.path, 'codes.duckdb');

  it('are 2 for usage errors: unknown commands and options, bad option values, an unknown preset', () => {
    expect(segmint(db, 'import', orders).code).toBe(0);
    for (const args of [
      ['frobnicate'],
      ['stats', '--frob'],
      ['import'],
      ['import', orders, '--preset', 'no-such-preset'],
      ['import', orders, '--entity', 'people'],
      ['import', orders, '--max-rejected', 'some'],
      ['import', orders, '--max-rejected', '150%'],
      ['import', orders, '--suggest', '--preset', 'online-retail'],
      ['import', orders, '--suggest', '--entity', 'people'],
      ['features', 'c1', '--as-of', 'yesterday-ish'],
      ['members', 'x', '--limit', '0'],
      ['clusters', '--k', 'two'],
      ['clusters', '--method', 'astrology'],
      ['movement', '--from', '2024-01-01', '--to', '2024-02-01', '--kind', 'nope'],
      ['clv', 'fit', '--unit', 'month'],
      ['quarantine', '--limit', '-1'],
      ['keys', 'create', '--scopes', 'root'],
    ]) {
      const r = segmint(db, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
    }
    // A command that was used right but failed is 1.
    expect(segmint(db, 'features', 'no-such-customer').code).toBe(1);
  });

  it('refuse a --db that does not exist for every command but import and demo, naming the path, and create nothing', async () => {
    const typo = join(dir.path, 'tpyo.duckdb');
    // Commands that create or serve a store, or touch only the keys beside it (an API-only shop starts from none).
    const creating = ['import', 'demo', 'serve', 'keys create', 'keys list', 'keys revoke'];
    const extra: Record<string, string[]> = { 'audience create': ['--rule', 'orders >= 1'] };
    const commands: string[][] = [];
    const walk = (c: Command, path: string[]): void => {
      for (const s of c.commands) {
        const p = [...path, s.name()];
        const args = [...s.registeredArguments.map(() => 'x'), ...s.options.filter((o) => o.mandatory).flatMap((o) => [o.long!, '2024-01-01'])];
        if (s.commands.length === 0 || s.registeredArguments.length > 0) commands.push([...p, ...args, ...(extra[p.join(' ')] ?? [])]);
        walk(s, p);
      }
    };
    walk(buildProgram(), []);
    const checked = commands.filter((c) => !creating.some((name) => c.join(' ').startsWith(name)));
    expect(checked.length).toBeGreaterThan(15);
    // Four at a time: one after the other, the sixty-odd process starts outlast the test's time on a busy machine.
    for (let i = 0; i < checked.length; i += 4) {
      const batch = checked.slice(i, i + 4);
      const results = await Promise.all(batch.map((args) => segmintAsync(typo, ...args)));
      results.forEach((r, j) => {
        expect(r.code, batch[j]!.join(' ')).toBe(2);
        expect(r.stderr, batch[j]!.join(' ')).toBe(`segmint: no store at ${typo} (--db or SEGMINT_DB): \`segmint import\` or \`segmint demo\` creates one\n`);
      });
    }
    expect(existsSync(typo)).toBe(false);
    expect(segmint(typo, 'import', orders).code).toBe(0);
    expect(existsSync(typo)).toBe(true);
  });
});
