import { randomUUID } from 'node:crypto';
import { getAudience } from '../../audiences/index.js';
import { NotFoundError } from '../../shared/errors.js';
import { listOf, sql, update } from '../../sql/index.js';
import type { Store } from '../../store/index.js';
import { checkWebhookUrl, type AddressPolicy } from './address.js';
import { subscriptionsChanged } from './outbox.js';
import { webhookInputSchema, type Webhook, type WebhookInput, type WebhookWithSecret } from './schema.js';
import { newSecret } from './sign.js';
import { at, text } from './time.js';

const SELECT = sql`SELECT w.id AS id, w.audience_id AS audience_id, a.name AS audience, w.url AS url, w.events AS events, w.consent AS consent, ${text(sql`w.created_at`)} AS created_at,
    ${text(sql`w.previous_until`)} AS previous_secret_until
  FROM webhook_subscriptions w JOIN audiences a ON a.id = w.audience_id`;

/** Subscriptions, oldest first; of one audience (id or name) when given. */
export async function listWebhooks(store: Store, audience?: string): Promise<Webhook[]> {
  const filter = audience === undefined ? sql`TRUE` : sql`w.audience_id = ${(await getAudience(store, audience)).id}`;
  return store.all<Webhook>(sql`${SELECT} WHERE ${filter} ORDER BY w.created_at, w.id`);
}

export async function getWebhook(store: Store, id: string): Promise<Webhook> {
  const found = await store.one<Webhook>(sql`${SELECT} WHERE w.id = ${id}`);
  if (!found) throw new NotFoundError(`no webhook "${id}"`, { webhook: id });
  return found;
}

/** A new subscription, its URL checked against `policy`; the answer holds its secret, shown this once. */
export async function createWebhook(store: Store, input: WebhookInput, policy: AddressPolicy, now = Date.now()): Promise<WebhookWithSecret> {
  const given = webhookInputSchema.parse(input);
  const audience = await getAudience(store, given.audience_id);
  const url = (await checkWebhookUrl(given.url, policy)).toString();
  const id = `wh_${randomUUID()}`;
  const secret = newSecret();
  const events = listOf([...new Set(given.events)]);
  await store.run(sql`INSERT INTO webhook_subscriptions (id, audience_id, url, events, consent, secret, created_at)
    VALUES (${id}, ${audience.id}, ${url}, ${events}, ${given.consent}, ${secret}, ${at(now)})`);
  subscriptionsChanged(store);
  return { ...(await getWebhook(store, id)), secret };
}

/** Removes a subscription and the deliveries it has not made yet. */
export async function deleteWebhook(store: Store, id: string): Promise<Webhook> {
  const found = await getWebhook(store, id);
  try {
    await store.transaction(async () => {
      await store.run(sql`DELETE FROM webhook_delivery_members WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE subscription_id = ${id})`);
      await store.run(sql`DELETE FROM webhook_deliveries WHERE subscription_id = ${id}`);
      await store.run(sql`DELETE FROM webhook_subscriptions WHERE id = ${id}`);
    });
  } finally {
    subscriptionsChanged(store);
  }
  return found;
}

/** A new secret; the old one keeps signing beside it for `graceHours`, so a receiver can switch without a gap. */
export async function rotateSecret(store: Store, id: string, graceHours: number, now = Date.now()): Promise<WebhookWithSecret> {
  await getWebhook(store, id);
  const secret = newSecret();
  await store.run(sql`${update(sql`webhook_subscriptions`)} previous_secret = secret, previous_until = ${at(now + graceHours * 3_600_000)}, secret = ${secret}
    WHERE id = ${id}`);
  return { ...(await getWebhook(store, id)), secret };
}
