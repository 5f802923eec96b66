import { z } from 'zod';
import { campaignEventBatchSchema, campaignEventReportSchema, decideQuerySchema, decisionSchema, storeCampaignEvents, visitorFacts } from '../../campaigns/index.js';
import { keyOf } from '../auth.js';
import { prechecked } from '../query-precheck.js';
import { precompiled } from '../response-serializer.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

/**
 * What a shop's pages call with its public storefront key (scope `storefront`, from its origins only; `?key=` or
 * the Authorization header): which campaigns to show, and what visitors did with them.
 */
export function registerStorefrontRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get(
    '/v1/decide',
    guarded(
      'storefront',
      'storefront',
      "The campaigns to show this visitor on this page, at most one per placement, answered from memory: the active campaigns, the customer's audiences and consent from the live view, the visitor's impressions and dismissals. Anonymous visitors get campaigns that target no audience",
      { querystring: prechecked(decideQuerySchema), response: { 200: precompiled(decisionSchema) } },
    ),
    async (req) => {
      const workspace = keyOf(req).workspace;
      const decider = await ctx.campaigns.get(workspace);
      return decider.decide(req.query, visitorFacts(ctx.workspaces.view(workspace), req.query.customer), Date.now());
    },
  );

  app.post(
    '/v1/campaign-events',
    guarded(
      'storefront',
      'storefront',
      'Store a batch of campaign events (impression, click, dismiss, submit with what the form collected, the consent given and the text shown, conversion with revenue), all or none; ids sent before are skipped. Impressions and dismissals count toward the frequency cap at once',
      { querystring: z.strictObject({ key: z.string().optional().describe('the storefront key, for browsers') }), body: campaignEventBatchSchema, response: { 200: campaignEventReportSchema } },
      'unchanged',
    ),
    async (req) => {
      const workspace = keyOf(req).workspace;
      const batch = req.body;
      // The campaigns as every campaign write left them (CampaignDeciders), not read from the store at each batch.
      const campaigns = await ctx.campaigns.campaigns(workspace);
      const { report, stored } = await inWorkspace(ctx, req, (store) => storeCampaignEvents(store, batch, campaigns));
      const decider = await ctx.campaigns.get(workspace);
      for (const e of stored) decider.record(batch.visitor_id, e.campaign_id, e.type);
      return report;
    },
  );
}
