import { CampaignDecider, listAudienceHoldouts, listCampaigns, storeAssignments, storedExposures, storedMembersMet, type Campaign } from '../campaigns/index.js';
import type { Store } from '../store/index.js';
import type { Workspaces } from './workspaces.js';

/** How often assignments made at decide reach the store. */
const FLUSH_MS = 1000;

/** A workspace's decider and every one of its campaigns by id (events may name paused or ended ones: late events). */
export interface Loaded {
  decider: CampaignDecider;
  campaigns: ReadonlyMap<string, Campaign>;
}

const byId = (all: readonly Campaign[]): ReadonlyMap<string, Campaign> => new Map(all.map((c) => [c.id, c]));
const activeOf = (all: readonly Campaign[]): Campaign[] => all.filter((c) => c.status === 'active');

/** A decider as the store holds it: its active campaigns, the visitors' stored exposures, the holdouts and the members they met. */
export async function loadDecider(store: Store): Promise<Loaded> {
  const all = await listCampaigns(store);
  const d = new CampaignDecider(activeOf(all));
  d.restore(await storedExposures(store));
  d.setHoldouts(await listAudienceHoldouts(store));
  d.restoreMet(await storedMembersMet(store));
  return { decider: d, campaigns: byId(all) };
}

/**
 * Each workspace's campaign decider and campaigns, read from its store once (campaigns, visitors' stored impressions)
 * and then kept in memory: decide and the events' checks never query the campaigns, and campaign writes refresh them
 * before they answer. The server is the store's only writer (DuckDB locks the file against other processes; the CLI
 * writes campaigns only to a store no server holds): a campaign written to a shared ClickHouse store by another
 * process is seen here after the next write through this server, or a restart.
 */
export class CampaignDeciders {
  private readonly deciders = new Map<string, Promise<Loaded>>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly workspaces: Workspaces) {
    // Assignments are written in batches off the request path, so decide never waits on the store; a failed batch
    // stays queued for the next tick.
    this.timer = setInterval(() => void this.flushAll().catch(() => undefined), FLUSH_MS).unref();
  }

  /** Stores the workspace's assignments made since the last flush: called before a report reads them. */
  async flush(workspace: string): Promise<void> {
    const loaded = this.deciders.get(workspace);
    if (!loaded) return;
    const d = (await loaded).decider;
    const rows = d.takeAssignments();
    if (!rows.campaigns.length && !rows.members.length) return;
    try {
      await this.workspaces.use(workspace, (store) => storeAssignments(store, rows));
    } catch (err) {
      // Kept for the next flush: an exposure lost would bias the arm it belonged to.
      d.requeue(rows);
      throw err;
    }
  }

  private async flushAll(): Promise<void> {
    for (const workspace of this.deciders.keys()) await this.flush(workspace);
  }

  /** When the server closes: the last assignments stored, the timer stopped. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushAll();
  }

  async get(workspace: string): Promise<CampaignDecider> {
    return (await this.load(workspace)).decider;
  }

  /** Every campaign of the workspace by id, whatever its status, as last written through this server. */
  async campaigns(workspace: string): Promise<ReadonlyMap<string, Campaign>> {
    return (await this.load(workspace)).campaigns;
  }

  private load(workspace: string): Promise<Loaded> {
    let loaded = this.deciders.get(workspace);
    if (!loaded) {
      loaded = this.workspaces.use(workspace, loadDecider);
      // A failed load is not kept: the next request tries again.
      void loaded.catch(() => this.deciders.delete(workspace));
      this.deciders.set(workspace, loaded);
    }
    return loaded;
  }

  /**
   * After a campaign or an audience's holdout changed (called outside the store's queue, which a decider still loading waits in): a loaded
   * decider takes the active campaigns now stored, and the events' checks every campaign; one not loaded yet reads
   * them when first used.
   */
  async changed(workspace: string): Promise<void> {
    const pending = this.deciders.get(workspace);
    if (!pending) return;
    const [all, holdouts] = await this.workspaces.use(workspace, async (store) => [await listCampaigns(store), await listAudienceHoldouts(store)] as const);
    const loaded = await pending;
    loaded.decider.setCampaigns(activeOf(all));
    loaded.decider.setHoldouts(holdouts);
    loaded.campaigns = byId(all);
  }
}
