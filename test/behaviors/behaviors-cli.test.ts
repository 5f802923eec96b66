import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { behaviorsReportSchema, CUSTOMER_BEHAVIORS, PRODUCT_BEHAVIORS } from '../../src/behaviors/index.js';
import { Store } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
const db = join(dir.path, 'behaviors.duckdb');

function segmint(...args: string[]) {
  const { SEGMINT_DB: _, ...env } = process.env;
  const r = spawnSync(process.execPath, ['bin/segmint', ...args], { encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // The demo imports, runs once and fits both customer clusterings.
  const demo = segmint('--db', db, 'demo', '--customers', '1500', '--seed', '5', '--dir', join(dir.path, 'demo'), '--no-serve', '--json');
  expect(demo.stderr).toBe('');
  expect(demo.code).toBe(0);
}, 180_000);
afterAll(() => dir.cleanup());

describe('segmint behaviors', () => {
  it('prints every suggested customer behavior with size, lift and agreement with the clusters, as JSON its schema accepts', () => {
    const r = segmint('--db', db, 'behaviors', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = behaviorsReportSchema.parse(JSON.parse(r.stdout));
    expect(report.entity).toBe('customers');
    expect(report.as_of).toBe('2026-11-01 00:00:00');
    expect(report.behaviors.map((b) => b.name)).toEqual(CUSTOMER_BEHAVIORS.map((b) => b.name));
    for (const b of report.behaviors) expect(b.size, b.name).toBeLessThan(b.scored);
    expect(report.behaviors.filter((b) => b.size > 0).length).toBeGreaterThanOrEqual(12);
    expect(report.agreement.length).toBeGreaterThan(0);
    const text = segmint('--db', db, 'behaviors');
    expect(text.code).toBe(0);
    for (const b of report.behaviors) expect(text.stdout).toContain(b.name);
    expect(text.stdout).toMatch(/cluster agreement/);
  });

  it('prints the product behaviors with --entity products', () => {
    const r = segmint('--db', db, 'behaviors', '--entity', 'products', '--json');
    expect(r.code).toBe(0);
    const report = behaviorsReportSchema.parse(JSON.parse(r.stdout));
    expect(report.behaviors.map((b) => b.id)).toEqual(PRODUCT_BEHAVIORS.map((b) => b.id));
    for (const b of report.behaviors) expect(b.size, b.id).toBeGreaterThan(0);
    expect(report.agreement).toEqual([]);
  });

  it('says what is wrong: an unknown entity (usage, 2), a store with no run yet (1)', async () => {
    const bad = segmint('--db', db, 'behaviors', '--entity', 'orders');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('segmint: --entity: "orders" is not one of customers, products');
    // A store with nothing run yet.
    const empty = join(dir.path, 'empty.duckdb');
    (await Store.open({ path: empty })).close();
    const noRun = segmint('--db', empty, 'behaviors');
    expect(noRun.code).toBe(1);
    expect(noRun.stderr).toMatch(/^segmint: no feature table yet: run `segmint run`/);
  });
});
