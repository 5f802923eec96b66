import type { Store } from '../../store/index.js';
import { deliverDue, type DeliverOptions } from './deliver.js';

/** What the worker needs of the server's workspaces: the ones open, and their queued stores. */
export interface WorkspaceStores {
  opened(): string[];
  use<T>(workspace: string, fn: (store: Store) => Promise<T>): Promise<T>;
}

export const DEFAULT_INTERVAL_MS = 1000;

/**
 * The server's deliverer: every `intervalMs`, one pass (deliverDue) over each open workspace, passes never
 * overlapping. A pass that fails (a receiver is never the cause: those are recorded) is tried again at the next tick.
 */
export class WebhookWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

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
    for (const workspace of this.workspaces.opened()) {
      if (this.stopped) return;
      try {
        // Until a pass finds fewer than it takes, the backlog is sent at once rather than one batch a tick.
        for (;;) {
          const done = await deliverDue((fn) => this.workspaces.use(workspace, fn), this.options);
          if (this.stopped || done.attempted + done.skipped < (this.options.limit ?? 100)) break;
        }
      } catch (err) {
        this.options.onError?.(err);
      }
    }
  }
}
