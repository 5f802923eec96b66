import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve('src');

/** Every source file's module folder (src/<folder>/...) and the folders its imports (static, type-only and dynamic) reach. */
function folderImports(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue;
    const from = file.split(sep)[0]!;
    if (!graph.has(from)) graph.set(from, new Set());
    for (const { fileName } of ts.preProcessFile(readFileSync(join(SRC, file), 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const to = relative(SRC, resolve(SRC, dirname(file), fileName)).split(sep)[0]!;
      if (to !== from && !to.startsWith('..')) graph.get(from)!.add(to);
    }
  }
  return graph;
}

/** A cycle of folders, each importing the next and the last the first, if there is one. */
function cycleIn(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (folder: string): string[] | undefined => {
    if (state.get(folder) === 'done') return undefined;
    if (state.get(folder) === 'open') return path.slice(path.indexOf(folder));
    state.set(folder, 'open');
    path.push(folder);
    for (const next of graph.get(folder) ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    state.set(folder, 'done');
    return undefined;
  };
  for (const folder of [...graph.keys()].sort()) {
    const found = visit(folder);
    if (found) return found;
  }
  return undefined;
}

// DESIGN.md: data flows store -> features -> audiences -> activation; a module that imported one above it would make
// the two one tangle, which the folders' layering (farm-studio look) shows as an arrow running back up.
describe('the modules of src', () => {
  it('import one another one way only: no folder reaches itself through its imports', () => {
    const graph = folderImports();
    expect(graph.get('audiences')?.has('features')).toBe(true);
    expect(cycleIn(graph)).toBeUndefined();
  });

  it('finds a cycle where there is one', () => {
    const graph = new Map([['store', new Set(['sql'])], ['features', new Set(['store'])], ['sql', new Set(['features'])]]);
    expect(cycleIn(graph)).toEqual(['features', 'store', 'sql']);
  });
});
