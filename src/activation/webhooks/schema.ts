import { z } from 'zod';
import { CONSENT_CHANNELS } from '../../store/schema.js';

/** What a subscription follows: customers entering the audience, leaving it, or both. */
export const WEBHOOK_EVENTS = ['entry', 'exit'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
/** The `type` of a delivery's payload for each event (Standard Webhooks: a dotted event type). */
export const EVENT_TYPES: Record<WebhookEvent, string> = { entry: 'audience.entered', exit: 'audience.exited' };

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'skipped'] as const;

export const webhookInputSchema = z.strictObject({
  audience_id: z.string().min(1).describe('the audience followed, by id or name'),
  url: z.string().min(1).describe('the http(s) endpoint deliveries are POSTed to'),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).default(['entry', 'exit']).describe('which changes are sent'),
  consent: z.enum(CONSENT_CHANNELS).default('email').describe('only customers who consented to this channel are ever named in a delivery'),
});
export type WebhookInput = z.input<typeof webhookInputSchema>;

export const webhookSchema = z
  .object({
    id: z.string(),
    audience_id: z.string(),
    audience: z.string().describe("the audience's name"),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    consent: z.enum(CONSENT_CHANNELS),
    created_at: z.string(),
    previous_secret_until: z.string().nullable().describe('until when the secret before the last rotation still signs too'),
  })
  .meta({ id: 'Webhook' });
export type Webhook = z.infer<typeof webhookSchema>;

/** A subscription as created or rotated: the only answers that show its signing secret. */
export const webhookWithSecretSchema = webhookSchema.extend({
  secret: z.string().describe('whsec_ followed by the base64 key: shown only when created or rotated'),
});
export type WebhookWithSecret = z.infer<typeof webhookWithSecretSchema>;

export const webhookListSchema = z.object({ webhooks: z.array(webhookSchema) });

export const rotateInputSchema = z.strictObject({
  grace_hours: z.number().min(0).max(24 * 30).default(24).describe('how long the old secret keeps signing beside the new one'),
});

export const deliverySchema = z
  .object({
    id: z.string().describe('the webhook-id of every attempt: a receiver drops a delivery it has seen'),
    subscription_id: z.string(),
    audience_id: z.string(),
    url: z.string(),
    type: z.string().describe('audience.entered or audience.exited'),
    source: z.enum(['run', 'live']).describe('a run, or events POSTed since it'),
    as_of: z.string(),
    created_at: z.string(),
    status: z.enum(DELIVERY_STATUSES).describe('skipped: no member left to name (erased or without consent)'),
    attempts: z.number().int(),
    members: z.number().int().describe('customers it holds'),
    next_attempt_at: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    last_status: z.number().int().nullable().describe("the receiver's HTTP status at the last attempt"),
    last_error: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });
export type Delivery = z.infer<typeof deliverySchema>;

export const deliveryQuerySchema = z.strictObject({
  status: z.enum(DELIVERY_STATUSES).optional(),
  subscription_id: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export type DeliveryQuery = z.input<typeof deliveryQuerySchema>;

export const deliveryLogSchema = z.object({
  total: z.number().int().describe('deliveries matching, all pages'),
  counts: z.record(z.enum(DELIVERY_STATUSES), z.number().int()).describe('deliveries per status, all subscriptions'),
  deliveries: z.array(deliverySchema),
});
export type DeliveryLog = z.infer<typeof deliveryLogSchema>;

/** What one pass of the deliverer did. */
export const deliveryPassSchema = z.object({
  attempted: z.number().int(),
  delivered: z.number().int(),
  failed: z.number().int().describe('attempts that failed and will be retried'),
  dead: z.number().int().describe('deliveries dead-lettered by this pass'),
  skipped: z.number().int(),
});
export type DeliveryPass = z.infer<typeof deliveryPassSchema>;
