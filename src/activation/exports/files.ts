import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { storeLocalPath, type Store } from '../../store/index.js';
import type { ExportFormat } from './schema.js';

/**
 * Where the API and syncs write exports of a store: beside it (a store in memory writes to the temp directory). A
 * ClickHouse store's are beside its name on this machine (a chdb directory's, not a folder named `chdb:...`), each
 * workspace's database in its own folder.
 */
export function exportsDir(store: Store): string {
  if (store.path === ':memory:') return join(tmpdir(), 'segmint-exports');
  return `${storeLocalPath(store.path)}${store.database ? `.${store.database}` : ''}.exports`;
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
