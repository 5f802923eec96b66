import { z } from 'zod';
import {
  audienceHoldoutInputSchema,
  audienceHoldoutReport,
  audienceHoldoutSchema,
  campaignInputSchema,
  campaignReport,
  experimentResultsSchema,
  campaignSchema,
  campaignStatusSchema,
  createCampaign,
  deleteCampaign,
  getAudienceHoldout,
  getCampaign,
  listCampaigns,
  replaceCampaign,
  setAudienceHoldout,
  setCampaignStatus,
  type Campaign,
  STATUS_ACTIONS,
} from '../../campaigns/index.js';
import type { Store } from '../../store/index.js';
import { keyOf } from '../auth.js';
import type { FastifyRequest } from 'fastify';
import { audienceParamsSchema, idParamsSchema } from '../schemas.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

const campaignParamsSchema = idParamsSchema('campaign id or name');

/** On-site campaigns: create, read, replace, change status, delete drafts. Every write refreshes the in-memory decider before answering. */
export function registerCampaignRoutes(app: ZodApp, ctx: RouteContext): void {
  /** A write on the store, then the decider's campaigns refreshed, so the next decide sees it. */
  async function write(req: FastifyRequest, fn: (store: Store) => Promise<Campaign>): Promise<Campaign> {
    const out = await inWorkspace(ctx, req, fn);
    await ctx.campaigns.changed(keyOf(req).workspace);
    return out;
  }

  app.get(
    '/v1/campaigns',
    guarded('campaigns:read', 'campaigns', 'Campaigns, highest priority first, optionally of one status', {
      querystring: z.strictObject({ status: campaignStatusSchema.optional() }),
      response: { 200: z.array(campaignSchema) },
    }),
    (req) => inWorkspace(ctx, req, (store) => listCampaigns(store, req.query.status)),
  );

  app.post(
    '/v1/campaigns',
    guarded(
      'campaigns:write',
      'campaigns',
      "Create a campaign of one of the five types, a draft until activated. Bad content, an unknown audience, weights not adding up to 100, a schedule ending before it starts or a URL pattern that does not compile are a 400 naming the field; a name taken is a 409",
      { body: campaignInputSchema, response: { 201: campaignSchema }, errors: [409] },
      'unchanged',
    ),
    async (req, reply) => reply.status(201).send(await write(req, (store) => createCampaign(store, req.body))),
  );

  app.get(
    '/v1/campaigns/:id',
    guarded('campaigns:read', 'campaigns', 'One campaign by id or name', { params: campaignParamsSchema, response: { 200: campaignSchema } }),
    (req) => inWorkspace(ctx, req, (store) => getCampaign(store, req.params.id)),
  );

  app.get(
    '/v1/campaigns/:id/report',
    guarded(
      'campaigns:read',
      'campaigns',
      "The experiment's results from what the storefront recorded, overall and per included audience: exposures, conversions, rates, revenue per visitor, uplift with 95% and always-valid intervals, z and Welch tests, CUPED, MDE and sample still needed; hidden behind the warning under a sample-ratio mismatch. A campaign without an experiment is a 409",
      { params: campaignParamsSchema, response: { 200: experimentResultsSchema }, errors: [409] },
    ),
    async (req) => {
      await ctx.campaigns.flush(keyOf(req).workspace);
      return inWorkspace(ctx, req, (store) => campaignReport(store, req.params.id));
    },
  );

  app.put(
    '/v1/campaigns/:id',
    guarded(
      'campaigns:write',
      'campaigns',
      'Replace a campaign\'s definition (same type; its status stays), checked as at creation; an ended campaign is a 409',
      { params: campaignParamsSchema, body: campaignInputSchema, response: { 200: campaignSchema }, errors: [409] },
      'unchanged',
    ),
    (req) => write(req, (store) => replaceCampaign(store, req.params.id, req.body)),
  );

  for (const { action, status, description } of STATUS_ACTIONS) {
    app.post(
      `/v1/campaigns/:id/${action}`,
      guarded('campaigns:write', 'campaigns', `${description}; a move its status does not allow (an ended campaign) is a 409`, {
        params: campaignParamsSchema,
        response: { 200: campaignSchema },
        errors: [409],
      }, 'unchanged'),
      (req) => write(req, (store) => setCampaignStatus(store, req.params.id, status)),
    );
  }

  app.delete(
    '/v1/campaigns/:id',
    guarded('campaigns:write', 'campaigns', 'Delete a draft; a campaign that has run is ended instead (409)', {
      params: campaignParamsSchema,
      response: { 200: campaignSchema },
      errors: [409],
    }, 'unchanged'),
    (req) => write(req, (store) => deleteCampaign(store, req.params.id)),
  );

  app.put(
    '/v1/audiences/:id/holdout',
    guarded(
      'campaigns:write',
      'campaigns',
      "Set an audience's standing holdout: the share of its members (by the documented hash of audience and customer id) shown no campaign at all, so its report says what campaigns add. An unknown audience is a 404",
      { params: audienceParamsSchema, body: audienceHoldoutInputSchema, response: { 200: audienceHoldoutSchema } },
      'unchanged',
    ),
    async (req) => {
      const out = await inWorkspace(ctx, req, (store) => setAudienceHoldout(store, req.params.id, req.body));
      await ctx.campaigns.changed(keyOf(req).workspace);
      return out;
    },
  );

  app.get(
    '/v1/audiences/:id/holdout',
    guarded('campaigns:read', 'campaigns', "An audience's standing holdout; none set is a 404", { params: audienceParamsSchema, response: { 200: audienceHoldoutSchema } }),
    (req) => inWorkspace(ctx, req, (store) => getAudienceHoldout(store, req.params.id)),
  );

  app.get(
    '/v1/audiences/:id/holdout-report',
    guarded(
      'campaigns:read',
      'campaigns',
      "The standing holdout's results, in the shape of a campaign's report: members held out (the control) against members shown campaigns, from the first decide that had a campaign for them, their orders in the window as conversions and revenue. No holdout set is a 404",
      { params: audienceParamsSchema, response: { 200: experimentResultsSchema } },
    ),
    async (req) => {
      await ctx.campaigns.flush(keyOf(req).workspace);
      return inWorkspace(ctx, req, (store) => audienceHoldoutReport(store, req.params.id));
    },
  );
}
