import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_FEATURES, PRODUCT_FEATURES } from '../../src/features/index.js';
import { runCli } from '../helpers/cli.js';
import { ONLINE_RETAIL, plainSql, tempDir } from '../helpers.js';

const dir = tempDir();
const db = join(dir.path, 'cli.duckdb');
const slice = join(dir.path, 'slice.csv');

const segmint = (...args: string[]) => runCli(['--db', db, ...args]);

beforeAll(async () => {
  // Two customers' lines of Online Retail, in the original layout.
  await plainSql(`COPY (SELECT * FROM read_csv('${ONLINE_RETAIL}', all_varchar = true) WHERE CustomerID IN ('12346', '12347'))
    TO '${slice}' (HEADER, DELIMITER ',')`);
});
afterAll(() => dir.cleanup());

describe('segmint CLI', () => {
  it('imports with a preset and prints the report as JSON, and nothing else on stdout', () => {
    const r = segmint('import', slice, '--preset', 'online-retail', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file: slice, rows: 184, accepted: 184, duplicates: 0, rejected: 0, quarantined: [] });
    const again = JSON.parse(segmint('import', slice, '--preset', 'online-retail', '--json').stdout);
    expect(again).toMatchObject({ accepted: 0, duplicates: 184 });
  });

  it('prints stats and features as JSON', () => {
    const stats = JSON.parse(segmint('stats', '--json').stdout);
    expect(stats).toMatchObject({ customers: 2, events: { total: 184, by_type: { order: 183, return: 1 } }, first_event: '2010-12-07 14:57:00' });
    const f = JSON.parse(segmint('features', '12347', '--as-of', '2011-12-10', '--json').stdout);
    expect(f.customer_id).toBe('12347');
    expect(f.as_of).toBe('2011-12-10 00:00:00');
    expect(f.features.orders).toBe(7);
    expect(f.features.revenue).toBeCloseTo(4310, 2);
    expect(Object.keys(f.features)).toEqual(CUSTOMER_FEATURES.map((x) => x.name));
  });

  it('lists the feature catalog', () => {
    const list = JSON.parse(segmint('features', '--list', '--json').stdout) as Array<{ name: string; entity: string; description: string }>;
    expect(list.map((f) => f.name)).toEqual([...CUSTOMER_FEATURES, ...PRODUCT_FEATURES].map((f) => f.name));
    expect(list.every((f) => f.description.length > 10)).toBe(true);
  });

  it('fails with one line on stderr, nothing on stdout and a non-zero code', () => {
    for (const [args, code] of [
      [['import', join(dir.path, 'nope.csv'), '--json'], 1],
      [['import', slice, '--preset', 'no-such-preset', '--json'], 2],
      [['features', 'no-such-customer', '--json'], 1],
      [['features', '12347', '--as-of', 'yesterday-ish', '--json'], 2],
    ] as const) {
      const r = segmint(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^segmint: /);
    }
    expect(segmint('import').code).toBe(2);
    expect(segmint('frobnicate').code).toBe(2);
  });
});
