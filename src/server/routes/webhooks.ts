import { z } from 'zod';
import {
  createWebhook,
  deleteWebhook,
  deliveryLogSchema,
  deliveryQuerySchema,
  deliverySchema,
  getWebhook,
  listDeliveries,
  listWebhooks,
  replayDelivery,
  rotateInputSchema,
  rotateSecret,
  webhookInputSchema,
  webhookListSchema,
  webhookSchema,
  webhookWithSecretSchema,
} from '../../activation/webhooks/index.js';
import { idParamsSchema } from '../schemas.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

const webhookParams = idParamsSchema('webhook id (wh_...)');
const deliveryParams = idParamsSchema('delivery id (msg_...), the webhook-id it is sent with');

/** Webhook subscriptions of audiences and their delivery log (src/activation/webhooks; docs/webhooks.md). */
export function registerWebhookRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get(
    '/v1/webhooks',
    guarded('audiences:read', 'webhooks', "The workspace's webhooks, of one audience when asked; never their secrets", {
      querystring: z.strictObject({ audience: z.string().min(1).optional().describe('audience id or name') }),
      response: { 200: webhookListSchema },
      errors: [404],
    }),
    (req) => inWorkspace(ctx, req, async (store) => ({ webhooks: await listWebhooks(store, req.query.audience) })),
  );

  app.post(
    '/v1/webhooks',
    guarded('audiences:write', 'webhooks', "Subscribe a URL to an audience's entries and exits; the answer holds the signing secret, the only time it is shown", {
      body: webhookInputSchema,
      response: { 201: webhookWithSecretSchema },
      errors: [404],
    }, 'unchanged'),
    async (req, reply) => reply.status(201).send(await inWorkspace(ctx, req, (store) => createWebhook(store, req.body, ctx.webhookAddresses))),
  );

  app.get(
    '/v1/webhooks/deliveries',
    guarded('audiences:read', 'webhooks', 'The delivery log, newest first: status, attempts, last status and error (no member is named)', {
      querystring: deliveryQuerySchema,
      response: { 200: deliveryLogSchema },
    }),
    (req) => inWorkspace(ctx, req, (store) => listDeliveries(store, req.query)),
  );

  app.post(
    '/v1/webhooks/deliveries/:id/replay',
    guarded('audiences:write', 'webhooks', 'Send a delivery again with the same id (a dead letter, or one the receiver lost), with its full number of attempts', {
      params: deliveryParams,
      response: { 200: deliverySchema },
      errors: [409],
    }, 'unchanged'),
    (req) => inWorkspace(ctx, req, (store) => replayDelivery(store, req.params.id)),
  );

  app.get(
    '/v1/webhooks/:id',
    guarded('audiences:read', 'webhooks', 'One webhook, without its secret', { params: webhookParams, response: { 200: webhookSchema } }),
    (req) => inWorkspace(ctx, req, (store) => getWebhook(store, req.params.id)),
  );

  app.delete(
    '/v1/webhooks/:id',
    guarded('audiences:write', 'webhooks', 'Remove a webhook and the deliveries it has not made', { params: webhookParams, response: { 200: webhookSchema } }, 'unchanged'),
    (req) => inWorkspace(ctx, req, (store) => deleteWebhook(store, req.params.id)),
  );

  app.post(
    '/v1/webhooks/:id/rotate',
    guarded('audiences:write', 'webhooks', 'A new signing secret; the old one keeps signing beside it for grace_hours. The answer is the only time it is shown', {
      params: webhookParams,
      body: rotateInputSchema,
      response: { 200: webhookWithSecretSchema },
    }, 'unchanged'),
    (req) => inWorkspace(ctx, req, (store) => rotateSecret(store, req.params.id, req.body.grace_hours)),
  );
}
