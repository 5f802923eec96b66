import { fullCollection } from '../shared/full-collection.js';
import { mkdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { LiveView } from '../audiences/index.js';
import { ValidationError } from '../shared/errors.js';
import type { MemoryBudget } from '../shared/memory.js';
import { CLICKHOUSE_URL, Store, storeLocalPath, workspaceStore } from '../store/index.js';
import { ControlDb } from './control-db.js';
import { DEFAULT_WORKSPACE } from './defaults.js';

export interface WorkspacesOptions {
  /** The store the CLI uses (`--db`): the `default` workspace. */
  dbPath: string;
  memory?: MemoryBudget | undefined;
  threads?: number | undefined;
}

/**
 * Isolation by store: each workspace is its own DuckDB file (or its own database of the same ClickHouse, see
 * workspaceStore), so a query for one workspace cannot read another's rows whatever it says. `default` is the `--db`
 * store itself (the CLI's, with no key needed); the control database (workspaces, key hashes, audit log) and the
 * other DuckDB stores live in a folder beside it: `segmint.duckdb` -> `segmint.workspaces/{_control,<name>}.duckdb`.
 */
export function workspaceDir(dbPath: string): string {
  if (dbPath === ':memory:') throw new ValidationError('workspaces need a store file, not :memory:');
  const local = storeLocalPath(dbPath);
  return join(dirname(local), `${basename(local, extname(local))}.workspaces`);
}

export function openControlDb(dbPath: string): Promise<ControlDb> {
  const dir = workspaceDir(dbPath);
  mkdirSync(dir, { recursive: true });
  // A leading underscore is outside the workspace-name alphabet, so no workspace can be named onto this file.
  return ControlDb.open(join(dir, '_control.duckdb'));
}

/**
 * How often the live memberships event batches left unsaved reach the store (LiveView.saveUnsaved), and how many
 * customers a turn of the workspace's queue saves. A save evaluates each customer's audiences again (about 60 us of
 * CPU each at 1M when this was measured, before the rules were compiled; 27-31 us at 100k since) and a customer's
 * events arrive in sessions: saved every second, the events benchmark's customers cost a fifth of the server's CPU;
 * every 30 seconds, most are saved once for many batches. The chunks keep a turn of event batches from waiting behind
 * a whole save.
 */
const SAVE_MS = 30_000;
const SAVE_CHUNK = 2_000;

/** Workspace stores, opened on first use and kept open; the work on one store is done one request at a time. */
export class Workspaces {
  private readonly stores = new Map<string, Promise<Store>>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly views = new Map<string, LiveView>();
  /** Workspaces whose view is built or being built. */
  private readonly viewed = new Set<string>();
  private readonly saver: NodeJS.Timeout;

  private constructor(
    readonly control: ControlDb,
    private readonly options: WorkspacesOptions,
  ) {
    // A failed save keeps its customers for the next tick.
    this.saver = setInterval(() => void this.saveViews().catch(() => undefined), SAVE_MS).unref();
  }

  static async open(options: WorkspacesOptions): Promise<Workspaces> {
    // A ClickHouse server may be unreachable or refuse us: its default store is opened before the control folder is
    // made for it on this machine, so a failed start leaves nothing behind. A DuckDB file stays opened on first use,
    // so that a CLI command may still write it while no request has.
    const first = CLICKHOUSE_URL.test(options.dbPath) ? await Workspaces.openStore(options, DEFAULT_WORKSPACE) : undefined;
    const workspaces = new Workspaces(await openControlDb(options.dbPath), options);
    if (first) workspaces.stores.set(DEFAULT_WORKSPACE, Promise.resolve(first));
    return workspaces;
  }

  /**
   * Runs `fn` on the workspace's store. DuckDB's single connection and the modules' multi-statement work (runs,
   * transactions) are not safe to interleave, so calls on one workspace are queued.
   */
  use<T>(workspace: string, fn: (store: Store) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => fn(await this.store(workspace));
    const next = (this.queues.get(workspace) ?? Promise.resolve()).then(run, run);
    this.queues.set(workspace, next.catch(() => undefined));
    return next;
  }

  /**
   * The workspace's in-memory live view, when one is built (see LiveView); until then, or when the rules need too
   * many events in memory, callers read the store. The first use of a workspace starts building it.
   */
  view(workspace: string): LiveView | undefined {
    // A view that fails to build is only a missing cache: requests then read the store.
    if (!this.viewed.has(workspace)) void this.rebuildView(workspace).catch(() => undefined);
    return this.views.get(workspace);
  }

  /** Builds (or rebuilds, after a run or an import) the workspace's view; readers keep the old one until it is done. */
  rebuildView(workspace: string): Promise<void> {
    this.viewed.add(workspace);
    return this.use(workspace, (store) => this.buildInQueue(workspace, store));
  }

  /** After audiences changed: the view takes the new rules, or is built again when it lacks the events they read. */
  audiencesChanged(workspace: string): Promise<void> {
    const view = this.views.get(workspace);
    if (!view) return Promise.resolve();
    return this.use(workspace, async (store) => {
      if (!(await view.reloadRules(store))) await this.buildInQueue(workspace, store);
    });
  }

  /** The workspaces opened so far: the webhook worker delivers for these. */
  opened(): string[] {
    return [...this.stores.keys()];
  }

  /** Stores the live memberships each view left unsaved, in the workspace's queue. */
  async saveViews(): Promise<void> {
    for (const [workspace, view] of this.views) {
      // Those unsaved now: customers that batches add meanwhile wait for the next save.
      for (let left = view.unsavedCount; left > 0 && this.views.get(workspace) === view; left -= SAVE_CHUNK) {
        await this.use(workspace, (store) => view.saveUnsaved(store, SAVE_CHUNK));
      }
    }
  }

  /**
   * Saves every view's unsaved live memberships, then closes the stores. A failed save is rethrown only after the
   * stores are closed: it loses no events (they are committed, and the next build works those customers out again).
   */
  async close(): Promise<void> {
    clearInterval(this.saver);
    const failed: unknown[] = [];
    // Whole, after the requests already queued: nothing comes after them.
    for (const workspace of this.views.keys()) await this.use(workspace, (store) => this.saveView(workspace, store)).catch((err: unknown) => failed.push(err));
    await Promise.all([...this.queues.values()]);
    for (const store of this.stores.values()) (await store).close();
    this.stores.clear();
    this.control.close();
    if (failed.length > 0) throw failed[0];
  }

  /** The view's unsaved live memberships stored, from within the workspace's queue (a view a rebuild replaced saved them first). */
  saveView(workspace: string, store: Store): Promise<void> {
    return this.views.get(workspace)?.saveUnsaved(store) ?? Promise.resolve();
  }

  private async buildInQueue(workspace: string, store: Store): Promise<void> {
    // The new view reads the live memberships for the customers worked out since the base.
    await this.saveView(workspace, store);
    const view = await LiveView.build(store);
    if (view) this.views.set(workspace, view);
    else this.views.delete(workspace);
    // The build's garbage (and the previous view) collected now, between builds, rather than under load.
    fullCollection();
  }

  private static openStore(options: WorkspacesOptions, workspace: string): Promise<Store> {
    const where = workspace === DEFAULT_WORKSPACE ? { path: options.dbPath } : workspaceStore(options.dbPath, workspace, workspaceDir(options.dbPath));
    return Store.open({ ...where, memory: options.memory, threads: options.threads });
  }

  private store(workspace: string): Promise<Store> {
    let store = this.stores.get(workspace);
    if (!store) {
      store = Workspaces.openStore(this.options, workspace);
      // A failed open is not cached: the next request tries again.
      void store.catch(() => this.stores.delete(workspace));
      this.stores.set(workspace, store);
    }
    return store;
  }
}
