import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Whether `output` was written after the last change of every one of `sources` (files, or folders taken with all they
 * hold): then building it again would write the same thing (CI's `npm ci` has just run `npm run build`).
 */
export function builtAfter(output: string, sources: readonly string[]): boolean {
  if (!existsSync(output)) return false;
  const at = statSync(output).mtimeMs;
  const files = sources.flatMap((s) => (statSync(s).isDirectory() ? [s, ...readdirSync(s, { recursive: true }).map((f) => join(s, String(f)))] : [s]));
  return files.every((f) => statSync(f).mtimeMs < at);
}
