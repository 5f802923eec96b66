import { CampaignDecider, listCampaigns, storedExposures } from '../campaigns/index.js';
import type { Workspaces } from './workspaces.js';

/**
 * Each workspace's campaign decider, read from its store once (active campaigns, visitors' stored impressions) and
 * then kept in memory: decide never queries the store, and campaign writes refresh the decider's campaigns before
 * they answer.
 */
export class CampaignDeciders {
  private readonly deciders = new Map<string, Promise<CampaignDecider>>();

  constructor(private readonly workspaces: Workspaces) {}

  get(workspace: string): Promise<CampaignDecider> {
    let decider = this.deciders.get(workspace);
    if (!decider) {
      decider = this.workspaces.use(workspace, async (store) => {
        const d = new CampaignDecider(await listCampaigns(store, 'active'));
        d.restore(await storedExposures(store));
        return d;
      });
      // A failed load is not kept: the next request tries again.
      void decider.catch(() => this.deciders.delete(workspace));
      this.deciders.set(workspace, decider);
    }
    return decider;
  }

  /**
   * After a campaign changed (called outside the store's queue, which a decider still loading waits in): a loaded
   * decider takes the active campaigns now stored; one not loaded yet reads them when first used.
   */
  async changed(workspace: string): Promise<void> {
    const decider = this.deciders.get(workspace);
    if (!decider) return;
    const active = await this.workspaces.use(workspace, (store) => listCampaigns(store, 'active'));
    (await decider).setCampaigns(active);
  }
}
