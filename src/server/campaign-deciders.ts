import { CampaignDecider, listAudienceHoldouts, listCampaigns, storeAssignments, storedExposures, storedMembersMet } from '../campaigns/index.js';
import type { Workspaces } from './workspaces.js';

/**
 * Each workspace's campaign decider, read from its store once (active campaigns, visitors' stored impressions) and
 * then kept in memory: decide never queries the store, and campaign writes refresh the decider's campaigns before
 * they answer.
 */
/** How often assignments made at decide reach the store. */
const FLUSH_MS = 1000;

export class CampaignDeciders {
  private readonly deciders = new Map<string, Promise<CampaignDecider>>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly workspaces: Workspaces) {
    // Assignments are written in batches off the request path, so decide never waits on the store; a failed batch
    // stays queued for the next tick.
    this.timer = setInterval(() => void this.flushAll().catch(() => undefined), FLUSH_MS).unref();
  }

  /** Stores the workspace's assignments made since the last flush: called before a report reads them. */
  async flush(workspace: string): Promise<void> {
    const decider = this.deciders.get(workspace);
    if (!decider) return;
    const d = await decider;
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

  get(workspace: string): Promise<CampaignDecider> {
    let decider = this.deciders.get(workspace);
    if (!decider) {
      decider = this.workspaces.use(workspace, async (store) => {
        const d = new CampaignDecider(await listCampaigns(store, 'active'));
        d.restore(await storedExposures(store));
        d.setHoldouts(await listAudienceHoldouts(store));
        d.restoreMet(await storedMembersMet(store));
        return d;
      });
      // A failed load is not kept: the next request tries again.
      void decider.catch(() => this.deciders.delete(workspace));
      this.deciders.set(workspace, decider);
    }
    return decider;
  }

  /**
   * After a campaign or an audience's holdout changed (called outside the store's queue, which a decider still loading waits in): a loaded
   * decider takes the active campaigns now stored; one not loaded yet reads them when first used.
   */
  async changed(workspace: string): Promise<void> {
    const decider = this.deciders.get(workspace);
    if (!decider) return;
    const [active, holdouts] = await this.workspaces.use(workspace, async (store) => [await listCampaigns(store, 'active'), await listAudienceHoldouts(store)] as const);
    const d = await decider;
    d.setCampaigns(active);
    d.setHoldouts(holdouts);
  }
}
