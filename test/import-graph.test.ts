import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve('src');

/**
 * The import graph of src: each source file's node (`nodeOf` its path under src, as `folder/file.ts`) and the nodes its
 * imports (static, type-only and dynamic) reach.
 */
function importGraph(nodeOf: (file: string) => string): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue;
    const from = nodeOf(file.split(sep).join('/'));
    if (!graph.has(from)) graph.set(from, new Set());
    for (const { fileName } of ts.preProcessFile(readFileSync(join(SRC, file), 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const path = relative(SRC, resolve(SRC, dirname(file), fileName));
      if (path.startsWith('..')) continue;
      const to = nodeOf(path.split(sep).join('/').replace(/\.js$/, '.ts'));
      if (to !== from) graph.get(from)!.add(to);
    }
  }
  return graph;
}

/** Every source file's module folder (src/<folder>/...) and the folders its imports reach. */
const folderImports = () => importGraph((file) => file.split('/')[0]!);

/** A cycle of nodes, each importing the next and the last the first, if there is one. */
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

/**
 * Imports that still close a cycle of files, each a type-only import in files being changed elsewhere: the test fails
 * once one is gone (take it off this list) and when any other import closes a cycle.
 */
const KNOWN_CYCLE_IMPORTS = [
  'features/catalog.ts -> features/customer-sql.ts',
  'features/catalog.ts -> features/live-aggregates.ts',
];

/**
 * Imports from one module into a file of another that is not one of its index.ts files (DESIGN.md: other modules
 * import only a module's index). Left out: shared/, a kit of small leaves imported file by file, and cli/, whose
 * commands load a module's files only when they run so that starting the CLI loads no module. Each entry says why it
 * stays; the test fails once one is gone (take it off this list) and when any other import reaches into a module.
 */
const KNOWN_REACH_INS = [
  // Schema leaves: a schema module reads the store's names without loading the store.
  'activation/webhooks/schema.ts -> store/schema.ts',
  'campaigns/schema.ts -> store/schema.ts',
  'audiences/kinds/custom-behavior.ts -> behaviors/words/schema.ts',
  // The rule checker reads the catalog and the store's names, not the feature computations or the store.
  'segments/check.ts -> features/catalog.ts',
  'segments/check.ts -> store/schema.ts',
  // In files being changed elsewhere.
  'features/catalog.ts -> models/clv/score.ts',
  // Custom behaviors and their family: in audiences/index.ts they would load the words interpreter wherever the
  // audiences are loaded (about 15% more CPU to load audiences/index.ts).
  'pipeline/after-run.ts -> audiences/behavior-family.ts',
  'server/routes/custom-behaviors.ts -> audiences/behavior-family.ts',
  'server/routes/custom-behaviors.ts -> audiences/behavior-preview.ts',
  'server/routes/custom-behaviors.ts -> audiences/custom-behaviors.ts',
  // The storefront page without the demo store generator.
  'server/storefront-assets.ts -> demo/storefront-page.ts',
];

/** The imports from a file of one module into a file of another that is not an index.ts, but for shared/ and cli/. */
function reachIns(): string[] {
  const found: string[] = [];
  const moduleOf = (file: string) => file.split('/')[0]!;
  for (const [from, tos] of importGraph((file) => file)) {
    if (moduleOf(from) === 'cli') continue;
    for (const to of tos) {
      if (moduleOf(to) === moduleOf(from) || moduleOf(to) === 'shared' || to.endsWith('/index.ts')) continue;
      found.push(`${from} -> ${to}`);
    }
  }
  return found.sort();
}

// DESIGN.md: data flows store -> features -> audiences -> activation; a module that imported one above it would make
// the two one tangle.
describe('the modules of src', () => {
  it('import one another one way only: no folder reaches itself through its imports', () => {
    const graph = folderImports();
    expect(graph.get('audiences')?.has('features')).toBe(true);
    expect(cycleIn(graph)).toBeUndefined();
  });

  it('import one another one way only file by file, but for the imports known to close a cycle', () => {
    const graph = importGraph((file) => file);
    for (const known of KNOWN_CYCLE_IMPORTS) {
      const [from, to] = known.split(' -> ') as [string, string];
      expect(graph.get(from)?.has(to), `${known}: gone? then take it off KNOWN_CYCLE_IMPORTS`).toBe(true);
      graph.get(from)!.delete(to);
    }
    expect(cycleIn(graph)).toBeUndefined();
  });

  it("import another module's index only, but for the imports known to reach into one", () => {
    expect(reachIns()).toEqual([...KNOWN_REACH_INS].sort());
  });

  it('finds a cycle where there is one', () => {
    const graph = new Map([['store', new Set(['sql'])], ['features', new Set(['store'])], ['sql', new Set(['features'])]]);
    expect(cycleIn(graph)).toEqual(['features', 'store', 'sql']);
  });
});
