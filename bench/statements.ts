/**
 * Statement timings for the profiles (bench/ingest-profile.ts, bench/run-profile.ts): every statement a store runs,
 * with its wall time and the CPU time of the whole process (DuckDB's threads included), the figure to compare on a
 * loaded machine.
 */
import { compile, type Sql } from '../src/sql/index.js';
import type { Store } from '../src/store/index.js';
import { cpuSeconds } from './lib.js';

export interface Timing {
  label: string;
  wall: number;
  cpu: number;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const w = performance.now();
  const c = cpuSeconds();
  const value = await fn();
  return { value, wall: (performance.now() - w) / 1000, cpu: cpuSeconds() - c };
}

/** A statement's text on one line. */
export const statementText = (q: Sql): string => compile(q).text.replace(/\s+/g, ' ').trim();

/**
 * Records every statement `store` runs, named by `label`: the methods that send a statement to the engine (`one`
 * goes through `all`, so recording it too would count its statements twice).
 */
export function recordStatements(store: Store, label: (q: Sql) => string): Timing[] {
  const timings: Timing[] = [];
  for (const method of ['run', 'all', 'vectors'] as const) {
    const original = store[method].bind(store) as (q: Sql) => Promise<unknown>;
    (store as unknown as Record<string, unknown>)[method] = async (q: Sql) => {
      const name = label(q);
      const t = await timed(() => original(q));
      timings.push({ label: name, wall: t.wall, cpu: t.cpu });
      return t.value;
    };
  }
  return timings;
}

/** Statements of the same label summed, in the order they first ran; those under 1% of the total CPU folded into one line. */
export function merge(timings: Timing[]): Timing[] {
  const byLabel = new Map<string, Timing>();
  for (const t of timings) {
    const m = byLabel.get(t.label) ?? { label: t.label, wall: 0, cpu: 0 };
    m.wall += t.wall;
    m.cpu += t.cpu;
    byLabel.set(t.label, m);
  }
  const total = timings.reduce((s, t) => s + t.cpu, 0);
  const small = { label: 'other statements (each < 1% of the CPU)', wall: 0, cpu: 0 };
  const kept = [...byLabel.values()].filter((t) => {
    if (t.cpu >= total / 100) return true;
    small.wall += t.wall;
    small.cpu += t.cpu;
    return false;
  });
  return small.wall > 0 ? [...kept, small] : kept;
}
