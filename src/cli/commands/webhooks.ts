import type { Command } from 'commander';
import type { DeliveryPass, WebhookWithSecret } from '../../activation/webhooks/index.js';
import { DELIVERY_STATUSES, WEBHOOK_EVENTS } from '../../activation/webhooks/schema.js';
import { CONSENT_CHANNELS } from '../../store/schema.js';
import { contextOf, withStore } from '../context.js';
import { choiceOption, integerOption, POSITIVE } from '../options.js';
import { emit, table } from '../output.js';

const shownSecret = (w: WebhookWithSecret) =>
  [w.secret, `webhook ${w.id} of "${w.audience}" -> ${w.url} (${w.events.join(', ')}; consent: ${w.consent}); the secret is shown only this once`].join('\n');

export function registerWebhooks(program: Command): void {
  const webhooks = program.command('webhooks').description("Signed webhooks to CRM URLs on audiences' entries and exits, and their delivery log");
  webhooks
    .command('create')
    .description('Subscribe a URL to an audience; prints the signing secret once')
    .requiredOption('--audience <id>', 'audience id or name')
    .requiredOption('--url <url>', 'http(s) endpoint (SEGMINT_WEBHOOK_ADDRESSES allows loopback or private ones)')
    .option('--events <list>', `comma-separated: ${WEBHOOK_EVENTS.join(', ')}`, WEBHOOK_EVENTS.join(','))
    .option('--consent <channel>', `only customers who consented to this channel: ${CONSENT_CHANNELS.join(', ')}`, 'email')
    .action(async (o: { audience: string; url: string; events: string; consent: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const events = o.events.split(',').map((e) => choiceOption(e.trim(), '--events', WEBHOOK_EVENTS));
      const consent = choiceOption(o.consent, '--consent', CONSENT_CHANNELS);
      const created = await withStore(ctx, async (store) => {
        const { createWebhook } = await import('../../activation/webhooks/index.js');
        return createWebhook(store, { audience_id: o.audience, url: o.url, events, consent }, ctx.config.webhookAddresses);
      });
      emit(ctx.options, created, () => shownSecret(created));
    });
  webhooks
    .command('list', { isDefault: true })
    .description('Webhooks: id, audience, URL, events, consent channel (never the secrets)')
    .option('--audience <id>', 'of this audience only')
    .action(async (o: { audience?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const list = {
        webhooks: await withStore(ctx, async (store) => {
          const { listWebhooks } = await import('../../activation/webhooks/index.js');
          return listWebhooks(store, o.audience);
        }),
      };
      emit(ctx.options, list, () => table([['id', 'audience', 'url', 'events', 'consent', 'created'], ...list.webhooks.map((w) => [w.id, w.audience, w.url, w.events.join(','), w.consent, w.created_at])]));
    });
  webhooks
    .command('rm')
    .description('Remove a webhook and the deliveries it has not made')
    .argument('<id>', 'webhook id (wh_...)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const removed = await withStore(ctx, async (store) => {
        const { deleteWebhook } = await import('../../activation/webhooks/index.js');
        return deleteWebhook(store, id);
      });
      emit(ctx.options, removed, () => `removed webhook ${removed.id} of "${removed.audience}"`);
    });
  webhooks
    .command('rotate')
    .description('A new signing secret, printed once; the old one keeps signing beside it for --grace-hours')
    .argument('<id>', 'webhook id (wh_...)')
    .option('--grace-hours <n>', 'hours the old secret still signs', '24')
    .action(async (id: string, o: { graceHours: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const grace = integerOption(o.graceHours, '--grace-hours', { min: 0, max: 720, what: 'hours from 0 to 720' });
      const rotated = await withStore(ctx, async (store) => {
        const { rotateSecret } = await import('../../activation/webhooks/index.js');
        return rotateSecret(store, id, grace);
      });
      emit(ctx.options, rotated, () => shownSecret(rotated));
    });
  webhooks
    .command('deliveries')
    .description('The delivery log, newest first: status, attempts, last status and error')
    .option('--status <s>', DELIVERY_STATUSES.join(', '))
    .option('--webhook <id>', 'of this webhook only')
    .option('--limit <n>', 'how many', '100')
    .action(async (o: { status?: string; webhook?: string; limit: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const status = o.status === undefined ? undefined : choiceOption(o.status, '--status', DELIVERY_STATUSES);
      const limit = integerOption(o.limit, '--limit', { ...POSITIVE, max: 1000 });
      const log = await withStore(ctx, async (store) => {
        const { listDeliveries } = await import('../../activation/webhooks/index.js');
        return listDeliveries(store, { status, subscription_id: o.webhook, limit });
      });
      emit(ctx.options, log, () => {
        const head = DELIVERY_STATUSES.map((s) => `${s} ${log.counts[s]}`).join(', ');
        const rows = log.deliveries.map((d) => [d.id, d.type, d.source, d.members, d.status, d.attempts, d.next_attempt_at ?? '', d.last_status ?? '', d.last_error ?? '']);
        return `${head}\n${table([['id', 'type', 'source', 'members', 'status', 'attempts', 'next attempt', 'last status', 'last error'], ...rows])}`;
      });
    });
  webhooks
    .command('replay')
    .description('Send a delivery again with the same id, with its full number of attempts (then `webhooks deliver`, or a running server sends it)')
    .argument('<id>', 'delivery id (msg_...)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const replayed = await withStore(ctx, async (store) => {
        const { replayDelivery } = await import('../../activation/webhooks/index.js');
        return replayDelivery(store, id);
      });
      emit(ctx.options, replayed, () => `delivery ${replayed.id} queued again (${replayed.members} members)`);
    });
  webhooks
    .command('deliver')
    .description('Send the deliveries due now, as the server does in the background; failures wait for their next attempt')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const total: DeliveryPass = { attempted: 0, delivered: 0, failed: 0, dead: 0, skipped: 0 };
      await withStore(ctx, async (store) => {
        const { deliverDue } = await import('../../activation/webhooks/index.js');
        // Passes until one finds nothing due: a failed attempt is due again only later, so this ends.
        for (;;) {
          const pass = await deliverDue((fn) => fn(store), { policy: ctx.config.webhookAddresses });
          for (const k of Object.keys(total) as Array<keyof DeliveryPass>) total[k] += pass[k];
          if (pass.attempted + pass.skipped === 0) break;
        }
      });
      emit(ctx.options, total, () => `attempted ${total.attempted}: ${total.delivered} delivered, ${total.failed} to retry, ${total.dead} dead-lettered; ${total.skipped} skipped (nobody left to name)`);
    });
}
