import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Store } from '../../store/index.js';
import type { ExportFormat } from './schema.js';

/** Where the API and syncs write exports of a store: beside it (a store in memory writes to the temp directory). */
export function exportsDir(store: Store): string {
  return store.path === ':memory:' ? join(tmpdir(), 'segmint-exports') : `${store.path}.exports`;
}

export function fileName(id: string, format: ExportFormat): string {
  return `${id}.${format}`;
}

/** The removals beside an export's file: `list.csv` -> `list.removals.csv`. */
export function removalsPath(path: string, format: ExportFormat): string {
  const name = basename(path);
  const stem = name.endsWith(`.${format}`) ? name.slice(0, -format.length - 1) : name;
  return join(path.slice(0, path.length - name.length), `${stem}.removals.${format}`);
}
