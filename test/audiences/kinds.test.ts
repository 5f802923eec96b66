import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_KINDS, AUDIENCE_KINDS, audienceDefinitionSchema } from '../../src/audiences/index.js';

/** Every TypeScript file under a folder, with its path. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sources(path) : e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the registry of audience kinds', () => {
  it('is where the API enum and the stored definitions come from', () => {
    expect(AUDIENCE_KINDS).toEqual(ALL_KINDS.map((k) => k.kind));
    expect(new Set(AUDIENCE_KINDS).size).toBe(AUDIENCE_KINDS.length);
    for (const k of ALL_KINDS) {
      // A definition of another kind is refused by the kind's own schema, and the union tells them apart.
      const others = ALL_KINDS.filter((o) => o !== k);
      expect(others.every((o) => !k.definition.safeParse({ kind: o.kind }).success)).toBe(true);
      expect(audienceDefinitionSchema.safeParse({ kind: k.kind }).success).toBe(false);
    }
  });

  it('is the only place that tells one kind from another: no source outside src/audiences/kinds compares a kind with its name', () => {
    const names = AUDIENCE_KINDS.join('|');
    const branch = new RegExp(`kind\\s*(===|!==|=|<>)\\s*'(${names})'|case '(${names})':|kind\\s+IN\\s*\\(\\s*'(${names})'`);
    const offending = sources('src')
      .filter((path) => !path.startsWith(join('src', 'audiences', 'kinds')))
      .flatMap((path) => readFileSync(path, 'utf8').split('\n').flatMap((line, i) => (branch.test(line) ? [`${path}:${i + 1}: ${line.trim()}`] : [])));
    expect(offending).toEqual([]);
  });
});
