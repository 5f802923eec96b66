import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { customerClv, loadClvFit, MIN_REPEAT_BUYERS } from '../../src/models/clv/index.js';
import { sql } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
const db = join(dir.path, 'clv.duckdb');
let customer = '';

const segmint = (...args: string[]) => runCli(['--db', db, ...args]);

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open({ path: db });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  const files = await generateDemo({ customers: 300, seed: 12, outDir: join(dir.path, 'demo') });
  customer = await withStore(async (store) => {
    await importDemoFiles(store, files);
    return (await store.one<{ id: string }>(sql`SELECT customer_id AS id FROM events WHERE type = 'order' GROUP BY 1 HAVING count(*) >= 2 ORDER BY 1 LIMIT 1`))!.id;
  });
}, 120_000);
afterAll(() => dir.cleanup());

describe('segmint clv', () => {
  it('asks for a fit first, in one line on stderr', () => {
    const r = segmint('clv', customer, '--json');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^segmint: no CLV model .*segmint clv fit.*\n$/);
  });

  it('fits both models, prints them as JSON and stores them', async () => {
    const r = segmint('clv', 'fit', '--until', '2026-10-01', '--unit', 'week', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const fit = JSON.parse(r.stdout);
    expect(fit).toMatchObject({ as_of: '2026-10-01 00:00:00', calibration_end: '2026-09-30', unit: 'week' });
    expect(Object.keys(fit.bgnbd.params)).toEqual(['r', 'alpha', 'a', 'b']);
    expect(Object.keys(fit.gamma_gamma.params)).toEqual(['p', 'q', 'v']);
    const counts = await withStore(async (store) => {
      expect((await loadClvFit(store)).bgnbd.params).toEqual(fit.bgnbd.params);
      // Customers with an order before the date, and those of them with a second purchase day of positive value.
      return store.one<{ buyers: number; repeaters: number; repeat: number }>(sql`SELECT count(*) AS buyers, count(*) FILTER (WHERE days > 1) AS repeaters,
        count(*) FILTER (WHERE days > 1 AND repeat_value > 0) AS repeat
        FROM (SELECT customer_id, count(*) AS days, sum(value) - arg_min(value, day) AS repeat_value
              FROM (SELECT customer_id, CAST(ts AS DATE) AS day, sum(quantity * unit_price) AS value FROM events
                    WHERE type = 'order' AND customer_id IS NOT NULL AND ts < '2026-10-01' GROUP BY ALL)
              GROUP BY customer_id)`);
    });
    expect(fit.bgnbd.customers).toBe(counts!.buyers);
    expect(fit.gamma_gamma.customers).toBe(counts!.repeat);
    // A 300-customer shop has too few repeat buyers to trust either fit: converged, but not without saying so.
    expect(counts!.repeaters).toBeLessThan(MIN_REPEAT_BUYERS);
    expect(fit.bgnbd.converged).toBe(true);
    expect(fit.bgnbd.warnings).toContain(`only ${counts!.repeaters} customers with a repeat purchase, fewer than ${MIN_REPEAT_BUYERS}: too few repeat histories to pin the estimates down`);
    expect(fit.gamma_gamma.warnings[0]).toMatch(new RegExp(`^only ${counts!.repeat} customers with a repeat purchase`));

    const text = segmint('clv', 'fit', '--until', '2026-10-01', '--unit', 'week').stdout;
    expect(text).toMatch(/^CLV models as of 2026-10-01 00:00:00: calibration to 2026-09-30 inclusive \(unit: week\)\n/);
    expect(text).toMatch(new RegExp(`BG/NBD: ${counts!.buyers} customers, log-likelihood -[0-9.]+, converged, with ${fit.bgnbd.warnings.length} warnings?\\n`));
    expect(text).toContain(`  warning: only ${counts!.repeaters} customers with a repeat purchase`);
  });

  it('scores a customer with the stored fit and the horizons asked for', async () => {
    const r = segmint('clv', customer, '--as-of', '2026-11-01', '--orders-days', '30', '--clv-days', '180', '--discount', '0.01', '--discount-per', 'month', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = await withStore(async (store) =>
      customerClv(store, await loadClvFit(store), '2026-11-01 00:00:00', customer, { ordersDays: 30, clvDays: 180, discount: { rate: 0.01, per: 'month' } }),
    );
    expect(JSON.parse(r.stdout)).toEqual(expected);
    const text = segmint('clv', customer).stdout;
    expect(text).toContain('P(alive)');
    expect(text).toContain('CLV, 365 days at 0.1 a year');
  });

  it('fails in one line for an unknown customer or a bad option', () => {
    for (const [args, code] of [
      [['clv', 'no-such-customer', '--json'], 1],
      [['clv', customer, '--orders-days', '0'], 2],
      [['clv', customer, '--discount', 'lots'], 2],
      [['clv', 'fit', '--unit', 'month'], 2],
      [['clv', 'fit', '--until', 'someday'], 2],
    ] as const) {
      const r = segmint(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});
