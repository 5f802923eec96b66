import { z } from 'zod';
import {
  audienceListing,
  audienceMembers,
  createAudience,
  createAudienceSchema,
  deleteAudience,
  deletedAudienceSchema,
  describeAudience,
  listedAudienceSchema,
  membersPageSchema,
  sizedAudienceSchema,
  updateAudience,
  updateAudienceSchema,
} from '../../audiences/index.js';
import { parseAsOf } from '../../features/index.js';
import { audit } from '../api-keys.js';
import { keyOf } from '../auth.js';
import { audienceParamsSchema, paginationSchema } from '../schemas.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

export function registerAudienceRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get(
    '/v1/audiences',
    guarded('audiences:read', 'audiences', 'Every audience (smart segments, RFM groups, rules, clusters) with its size, revenue share and flags at the latest run, or why it has no size', {
      response: { 200: z.array(listedAudienceSchema) },
    }),
    (req) => inWorkspace(ctx, req, (store) => audienceListing(store, ctx.minAudienceSize)),
  );

  app.post(
    '/v1/audiences',
    guarded('audiences:write', 'audiences', 'Create a rule audience, computed at once against the latest run', {
      body: createAudienceSchema,
      response: { 201: sizedAudienceSchema },
      errors: [409],
    }, 'rules'),
    async (req, reply) => reply.status(201).send(await inWorkspace(ctx, req, (store) => createAudience(store, req.body))),
  );

  app.get(
    '/v1/audiences/:id',
    guarded('audiences:read', 'audiences', 'One audience by id or name, with its size at the latest run', { params: audienceParamsSchema, response: { 200: sizedAudienceSchema } }),
    (req) => inWorkspace(ctx, req, (store) => describeAudience(store, req.params.id)),
  );

  app.patch(
    '/v1/audiences/:id',
    guarded('audiences:write', 'audiences', "Change a rule audience's name, rule or description, or (de)activate any audience; a changed rule is computed at once against the latest run", {
      params: audienceParamsSchema,
      body: updateAudienceSchema,
      response: { 200: sizedAudienceSchema },
      errors: [409],
    }, 'rules'),
    (req) => inWorkspace(ctx, req, (store) => updateAudience(store, req.params.id, req.body)),
  );

  app.delete(
    '/v1/audiences/:id',
    guarded('audiences:write', 'audiences', 'Delete a rule audience and its memberships', { params: audienceParamsSchema, response: { 200: deletedAudienceSchema } }, 'rules'),
    async (req) => {
      const key = keyOf(req);
      const deleted = await inWorkspace(ctx, req, (store) => deleteAudience(store, req.params.id));
      await audit(ctx.workspaces.control, { actor: key.id, action: 'audience.delete', workspace: key.workspace, details: { audience: deleted.deleted } });
      return deleted;
    },
  );

  app.get(
    '/v1/audiences/:id/members',
    guarded('audiences:read', 'audiences', 'Members of an audience at a stored run, highest score first, with reasons', {
      params: audienceParamsSchema,
      querystring: paginationSchema,
      response: { 200: membersPageSchema },
    }),
    (req) =>
      inWorkspace(ctx, req, (store) =>
        audienceMembers(store, req.params.id, { limit: req.query.limit, offset: req.query.offset, asOf: req.query.as_of ? parseAsOf(req.query.as_of, 'as_of') : undefined }),
      ),
  );
}
