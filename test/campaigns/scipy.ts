import { execFileSync } from 'node:child_process';

/**
 * Runs a Python script with scipy and numpy on `input` (JSON on stdin, bound to `data`) and returns what it prints as
 * JSON. The expected values of the experiment tests come from here, worked out by scipy's own routines, not copied.
 * No skip: CI installs python3-scipy (.ci/run), and a machine without it fails with this message.
 */
// Debian's interpreter, where apt puts python3-scipy (a pyenv python3 earlier on PATH may not have it).
const PYTHON = '/usr/bin/python3';

export function scipy<T>(script: string, input: unknown): T {
  const prelude = 'import json, sys\nimport numpy as np\nfrom scipy import stats, optimize\ndata = json.load(sys.stdin)\n';
  let out: string;
  try {
    out = execFileSync(PYTHON, ['-c', prelude + script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (err) {
    throw new Error(`python3 with scipy is needed for the expected values (apt-get install python3-scipy, for /usr/bin/python3): ${String(err)}`);
  }
  return JSON.parse(out) as T;
}

