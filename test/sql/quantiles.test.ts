import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/models/rng.js';
import { quantilesOfCounts, raw, sql, valuesOf, type Sql } from '../../src/sql/index.js';
import type { Store } from '../../src/store/index.js';
import { emptyStoreOn, ENGINES, type EmbeddedEngine } from '../engines.js';

const QS = [0.25, 0.5, 0.75];
/** Each engine's own exact continuous quantiles, the reference. */
const ENGINE_QUANTILES: Record<EmbeddedEngine, Sql> = {
  duckdb: sql`quantile_cont(x, ${raw(`[${QS.join(', ')}]`)})`,
  chdb: sql`quantilesExactInclusive(${raw(QS.join(', '))})(x)`,
};

/**
 * Groups where each way a quartile falls is there: odd and even counts, positions between two values where the two
 * engines' interpolations differ in the last bit (even: 0.275 against 0.27499999999999997), values repeated across a quartile, NULLs, one value,
 * only NULLs, negatives and zero, and many values with repeats.
 */
function groups(): Record<string, Array<number | null>> {
  const rng = createRng(18);
  const next = (): number => rng.next();
  return {
    odd: [5, 1, 9, 3, 3, 7, 2],
    even: [0.7, 0.1, 0.3, 0.9, 0.2, 0.8, 0.4, 0.6],
    ties: [4, 4, 4, 1, 4, 7, 7, 4, 4, 2],
    nulls: [null, 3.5, null, 1.25, 8, null, 2, 2],
    one: [42],
    none: [null, null],
    negative: [-3, 0, -0.5, 2.5, -7, 0, 1 / 3, -1 / 7, 11],
    many: Array.from({ length: 211 }, () => (next() < 0.1 ? null : Math.round(next() * 40) / 7)),
    spread: Array.from({ length: 158 }, () => next() * 1000 - 300),
  };
}

/**
 * The engine's quantile by hand: at position (n - 1) * q of the sorted values, a fraction of the way from lo to hi as
 * the engine interpolates (DuckDB lo * (1 - d) + hi * d, ClickHouse lo + (hi - lo) * d).
 */
function byHand(engine: string, xs: ReadonlyArray<number | null>, q: number): number | null {
  const sorted = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const rn = (sorted.length - 1) * q;
  const [lo, hi] = [sorted[Math.floor(rn)]!, sorted[Math.ceil(rn)]!];
  const d = rn - Math.floor(rn);
  return Math.floor(rn) === Math.ceil(rn) ? lo : engine === 'duckdb' ? lo * (1 - d) + hi * d : lo + (hi - lo) * d;
}

describe.each(ENGINES)('quantiles from the count of each value (%s)', (engine) => {
  let store: Store;
  let close: () => Promise<void>;
  const data = groups();
  const rows: Sql = valuesOf(
    'r',
    [['g', 'VARCHAR'], ['x', 'DOUBLE']],
    Object.entries(data).flatMap(([g, xs]) => xs.map((x) => [g, x])),
  );
  const counted = async (): Promise<Map<string, Array<number | null>>> => {
    const counts = sql`SELECT g, x, count(*) AS n FROM ${rows} GROUP BY g, x`;
    const out = await store.all<{ g: string; q0: number | null; q1: number | null; q2: number | null }>(quantilesOfCounts(counts, 'g', 'x', 'n', QS));
    return new Map(out.map((r) => [r.g, [r.q0, r.q1, r.q2]]));
  };
  beforeAll(async () => ({ store, close } = await emptyStoreOn(engine)));
  afterAll(() => close());

  it("are the engine's own exact quantiles to the bit (DuckDB's quantile_cont, ClickHouse's quantilesExactInclusive)", async () => {
    const direct = await store.all<{ g: string; q: number[] }>(sql`SELECT g, ${ENGINE_QUANTILES[engine]} AS q FROM ${rows} WHERE x IS NOT NULL GROUP BY g`);
    const ours = await counted();
    expect(direct.length).toBe(Object.keys(data).length - 1);
    for (const { g, q } of direct) expect({ g, q: ours.get(g) }).toEqual({ g, q: q.map(Number) });
  });

  it('are the sorted values interpolated at (n - 1) * q; a group of NULLs alone has none', async () => {
    const ours = await counted();
    for (const [g, xs] of Object.entries(data)) expect({ g, q: ours.get(g) }).toEqual({ g, q: QS.map((q) => byHand(engine, xs, q)) });
  });
});
