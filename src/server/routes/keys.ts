import { z } from 'zod';
import { auditLog, auditPageSchema, createdKeySchema, createKey, keyListingSchema, listKeys, originSchema, revokeKey, scopeSchema } from '../api-keys.js';
import { keyOf } from '../auth.js';
import { idParamsSchema, paginationSchema } from '../schemas.js';
import { guarded, type RouteContext, type ZodApp } from './context.js';

/** API keys and the audit log of the caller's own workspace; no route here reaches another workspace's keys. */
export function registerKeyRoutes(app: ZodApp, ctx: RouteContext): void {
  const control = ctx.workspaces.control;

  app.get(
    '/v1/keys',
    guarded('admin', 'keys', "The workspace's API keys: id, scopes, created, revoked (never the keys themselves)", { response: { 200: z.array(keyListingSchema) } }),
    (req) => listKeys(control, keyOf(req).workspace),
  );

  app.post(
    '/v1/keys',
    guarded('admin', 'keys', 'Create an API key for this workspace; the response holds the key, the only time it is shown', {
      body: z.strictObject({
        scopes: z.array(scopeSchema).min(1).describe('what the key may do; `storefront` alone for the public key of a shop'),
        origins: z.array(originSchema).max(20).default([]).describe('for a storefront key: the origins of the pages it is used from'),
      }),
      response: { 201: createdKeySchema },
    }),
    async (req, reply) => {
      const caller = keyOf(req);
      const created = await createKey(control, caller.workspace, [...new Set(req.body.scopes)], caller.id, [...new Set(req.body.origins)]);
      return reply.status(201).send(created);
    },
  );

  app.delete(
    '/v1/keys/:id',
    guarded('admin', 'keys', 'Revoke an API key of this workspace: it is refused from the next request on', {
      params: idParamsSchema('key id, as listed (key_...)'),
      response: { 200: keyListingSchema },
    }),
    (req) => {
      const caller = keyOf(req);
      return revokeKey(control, req.params.id, caller.id, caller.workspace);
    },
  );

  app.get(
    '/v1/audit',
    guarded('admin', 'keys', "The workspace's audit log, newest first: keys created and revoked, audiences deleted, customers erased", {
      querystring: paginationSchema.omit({ as_of: true }),
      response: { 200: auditPageSchema },
    }),
    (req) => auditLog(control, keyOf(req).workspace, { limit: req.query.limit, offset: req.query.offset }),
  );
}
