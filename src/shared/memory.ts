import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';

/**
 * The memory setting (SEGMINT_MEMORY_LIMIT, `--memory`): one figure for the whole process, split between DuckDB's
 * buffer pool (past which DuckDB spills to disk) and the project's own in-memory structures (the live view, k-means'
 * data, CLV summaries), each of which sizes itself from its share instead of from the machine.
 */
export interface MemoryBudget {
  /** The setting, in bytes. */
  total: number;
  /** DuckDB's memory_limit. */
  duckdb: number;
  /** What the project's own structures may hold at once. */
  structures: number;
}

/** DuckDB's units, so that "2GB" means the same here as in DuckDB's own memory_limit: GB = 10^9, GiB = 2^30. */
const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };
/** Below this DuckDB cannot hold a run's working set of even a small store and fails rather than spills. */
export const MIN_MEMORY = 256e6;

/** Bytes from "2GB", "1500MB", "1.5GiB"; undefined when the text is not a size or is below MIN_MEMORY. */
export function parseMemory(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)\s*$/i.exec(text);
  if (!m) return undefined;
  const bytes = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
  return bytes >= MIN_MEMORY ? Math.floor(bytes) : undefined;
}

export const MEMORY_FORMAT = `a size such as 2GB, 1500MB or 1.5GiB, at least ${MIN_MEMORY / 1e6}MB`;

/**
 * Without a setting: 40% of the machine's memory, at most 4 GB, which leaves an 8 GB laptop half of it for everything
 * else; a store of a million customers runs in 2 GB (docs/benchmarks.md), so more buys speed, not ability.
 */
function defaultMemory(): number {
  return Math.min(4e9, 0.4 * totalmem());
}

/**
 * DuckDB gets 60% of the setting; the structures 30%, never more than half the JavaScript heap Node was started
 * with (they live in it); the rest is the process itself (code, buffers, DuckDB's allocations outside its pool).
 */
export function memoryBudget(total: number = defaultMemory()): MemoryBudget {
  return { total, duckdb: Math.floor(total * 0.6), structures: Math.floor(Math.min(total * 0.3, getHeapStatistics().heap_size_limit * 0.5)) };
}

/** DuckDB's memory_limit for a number of bytes, in the binary unit DuckDB reads exactly. */
export const duckdbMemoryLimit = (bytes: number): string => `${Math.floor(bytes / 2 ** 20)}MiB`;
