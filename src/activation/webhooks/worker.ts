import type { Store } from '../../store/index.js';
import { deliverDue, nextAttemptMs, type DeliverOptions } from './deliver.js';
import { outboxChanges } from './outbox.js';

/** What the worker needs of the server's workspaces: the ones open, and their queued stores. */
export interface WorkspaceStores {
  opened(): string[];
  use<T>(workspace: string, fn: (store: Store) => Promise<T>): Promise<T>;
}

const DEFAULT_INTERVAL_MS = 1000;

/** What a workspace's outbox held after the worker's last pass: the count of deliveries queued since, and the next due. */
interface Seen {
  queued: number;
  nextMs: number;
}

/**
 * The server's deliverer: every `intervalMs`, one pass (deliverDue) over each open workspace, passes never
 * overlapping. A pass that fails (a receiver is never the cause: those are recorded) is tried again at the next tick.
 * A workspace where nothing was queued since its last pass and nothing is due yet is not queried: the pass would
 * find nothing, and its query would take the store (and, in the server, the request thread's core) every second.
 */
export class WebhookWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly workspaces: WorkspaceStores,
    private readonly options: DeliverOptions & { intervalMs?: number; onError?: (err: unknown) => void },
  ) {}

  start(): void {
    this.schedule();
  }

  /** Finishes the pass under way and starts no other. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => this.schedule());
    }, this.options.intervalMs ?? DEFAULT_INTERVAL_MS);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    const now = this.options.now ?? Date.now;
    for (const workspace of this.workspaces.opened()) {
      if (this.stopped) return;
      try {
        const seen = this.seen.get(workspace);
        if (seen && now() < seen.nextMs && (await this.workspaces.use(workspace, (store) => Promise.resolve(outboxChanges(store)))) === seen.queued) continue;
        // Until a pass finds fewer than it takes, the backlog is sent at once rather than one batch a tick.
        for (;;) {
          const done = await deliverDue((fn) => this.workspaces.use(workspace, fn), this.options);
          if (this.stopped || done.attempted + done.skipped < (this.options.limit ?? 100)) break;
        }
        // Read in one turn of the store's queue: a delivery queued after it changes the count.
        this.seen.set(
          workspace,
          await this.workspaces.use(workspace, async (store) => ({ queued: outboxChanges(store), nextMs: (await nextAttemptMs(store)) ?? Infinity })),
        );
      } catch (err) {
        this.seen.delete(workspace);
        this.options.onError?.(err);
      }
    }
  }
}
