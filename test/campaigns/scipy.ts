import { execFileSync } from 'node:child_process';

/**
 * Runs a Python script with scipy and numpy on `input` (JSON on stdin, bound to `data`) and returns what it prints as
 * JSON. The expected values of the experiment tests come from here, worked out by scipy's own routines, not copied.
 * No skip: CI installs python3-scipy (.ci/run), and a machine without it fails with this message.
 */
export function scipy<T>(script: string, input: unknown): T {
  const prelude = 'import json, sys\nimport numpy as np\nfrom scipy import stats, optimize\ndata = json.load(sys.stdin)\n';
  let out: string;
  try {
    out = execFileSync('python3', ['-c', prelude + script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (err) {
    throw new Error(`python3 with scipy is needed for the expected values (apt-get install python3-scipy): ${String(err)}`);
  }
  return JSON.parse(out) as T;
}

/** |actual - expected| within `rel` of |expected| (or `rel` absolute near zero). */
export function near(actual: number | null | undefined, expected: number, rel = 1e-9): boolean {
  return typeof actual === 'number' && Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected));
}
