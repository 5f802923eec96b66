import { z } from 'zod';
import { withLiveChanges } from '../../activation/webhooks/index.js';
import { classificationSchema, classifyCustomer, classifyFeatures, customerAudiences, customerAudiencesSchema, refreshLiveMemberships } from '../../audiences/index.js';
import { CUSTOMER_FEATURES, parseAsOf } from '../../features/index.js';
import type { Store } from '../../store/index.js';
import { customerNotFound } from '../../shared/errors.js';
import { batchReportSchema, customerEvents, customerEventsSchema, eventBatchSchema, ingestEventBatches, MAX_BATCH_EVENTS, type BatchReport, type EventInput, type StoredEvent } from '../../store/index.js';
import { asOfSchema, customerParamsSchema, paginationSchema } from '../schemas.js';
import { keyOf } from '../auth.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';
import { requireCustomer } from './customers.js';
import { precompiled } from '../response-serializer.js';

const featureNames = CUSTOMER_FEATURES.map((f) => f.name) as [string, ...string[]];
const asOfParam = asOfSchema.optional().describe("classify as of this date (default: the latest run's date, or the day after the customer's newest event when later)");
const classifyBodySchema = z.union([
  z.strictObject({ customer_id: z.string().min(1), as_of: asOfParam }),
  z.strictObject({
    features: z.partialRecord(z.enum(featureNames), z.union([z.number(), z.string(), z.null()])).describe('catalog features (segmint features --list); missing ones are null'),
    customer: z.record(z.string(), z.unknown()).optional().describe('customer fields such as country, created_at, consent_email, attributes'),
    as_of: asOfParam,
  }),
]);

/** A stored customer classified by the store, as of `asOf` or their reference instant; 404 for an unknown one. */
async function classifyStored(store: Store, customerId: string, asOf: string | undefined) {
  const found = await classifyCustomer(store, customerId, asOf);
  if (!found) throw customerNotFound(customerId, asOf);
  return { customer_id: customerId, ...found };
}

type IngestAnswer = BatchReport & { reclassified: number };
interface Waiting {
  events: readonly EventInput[];
  resolve: (answer: IngestAnswer) => void;
  reject: (err: unknown) => void;
}

/**
 * Batches that arrive while their workspace is busy wait together and are taken in one turn of its queue: they are
 * stored in one transaction, one commit for all (each with its own report; should it fail, none is stored and each
 * is answered with the error) before any is answered, then the customers of all of them are re-evaluated at once,
 * which costs about what one batch's customers cost (the statements' fixed part dominates a batch). Under load,
 * concurrent clients thus share the work instead of queueing behind it.
 */
function groupedIngest(ctx: RouteContext): (workspace: string, events: readonly EventInput[]) => Promise<IngestAnswer> {
  const waiting = new Map<string, Waiting[]>();
  const take = async (workspace: string, store: Store, group: readonly Waiting[]): Promise<void> => {
    const view = ctx.workspaces.view(workspace);
    let reports: Array<BatchReport & { stored: StoredEvent[] }>;
    try {
      reports = await ingestEventBatches(store, group.map((w) => w.events), view?.knownIds());
    } catch (err) {
      for (const w of group) w.reject(err);
      return;
    }
    view?.take(reports.flatMap((r) => r.stored));
    const customersOf = group.map((w) => [...new Set(w.events.flatMap((e) => (e.customer_id ? [e.customer_id] : [])))]);
    // Also after a batch of duplicates: a retry after a crash between storing and re-classifying mends the live view.
    const touched = [...new Set(customersOf.flat())];
    try {
      // Entries and exits it makes are queued for the audiences' webhooks.
      const done = await withLiveChanges(store, view, touched, () => (view ? view.refresh(store, touched, { eventsOnly: true, persist: 'later' }) : refreshLiveMemberships(store, touched)));
      view?.settle(store.writes);
      group.forEach((w, i) => {
        const { stored: _, ...report } = reports[i]!;
        w.resolve({ ...report, reclassified: customersOf[i]!.filter((id) => done.has(id)).length });
      });
    } catch (err) {
      for (const w of group) w.reject(err);
    }
  };
  return (workspace, events) =>
    new Promise((resolve, reject) => {
      let group = waiting.get(workspace);
      if (!group) {
        const fresh: Waiting[] = [];
        waiting.set(workspace, fresh);
        void ctx.workspaces.use(workspace, async (store) => {
          // Batches read in the same pass of the event loop join this turn: a turn's fixed part (statements, commits)
          // is most of what it costs, and under load the turns held 1.5 batches on average (docs/benchmarks.md).
          await new Promise<void>((resolve) => setImmediate(resolve));
          waiting.delete(workspace);
          return take(workspace, store, fresh);
        });
        group = fresh;
      }
      group.push({ events, resolve, reject });
    });
}

export function registerEventRoutes(app: ZodApp, ctx: RouteContext): void {
  const ingest = groupedIngest(ctx);
  app.post(
    '/v1/events',
    guarded('ingest:write', 'ingest', `Store a batch of up to ${MAX_BATCH_EVENTS} events, all or none; re-sent ids count as duplicates. The customers it touches are re-classified at once.`, {
      body: eventBatchSchema,
      response: { 200: batchReportSchema.extend({ reclassified: z.number().int().describe('customers whose audiences were evaluated again') }) },
    }, 'unchanged'),
    (req) => ingest(keyOf(req).workspace, req.body.events),
  );

  app.get(
    '/v1/customers/:id/audiences',
    guarded('audiences:read', 'customers', 'The audiences a customer is in: live after events newer than the latest run, else as the latest run stored them', {
      params: customerParamsSchema,
      querystring: z.strictObject({ as_of: asOfParam }),
      response: { 200: precompiled(customerAudiencesSchema) },
    }),
    (req) => {
      if (req.query.as_of) {
        const asOf = parseAsOf(req.query.as_of, 'as_of');
        return inWorkspace(ctx, req, async (store) => ({ ...(await classifyStored(store, req.params.id, asOf)), source: 'live' as const }));
      }
      return (
        ctx.workspaces.view(keyOf(req).workspace)?.audiencesOf(req.params.id) ??
        inWorkspace(ctx, req, async (store) => {
          const r = await customerAudiences(store, req.params.id);
          if (r.source === 'none') await requireCustomer(store, req.params.id);
          return r;
        })
      );
    },
  );

  app.get(
    '/v1/customers/:id/events',
    guarded('audiences:read', 'customers', "A customer's events, newest first, with the product each names", {
      params: customerParamsSchema,
      querystring: paginationSchema.omit({ as_of: true }),
      response: { 200: customerEventsSchema },
    }),
    (req) =>
      inWorkspace(ctx, req, async (store) => {
        await requireCustomer(store, req.params.id);
        return customerEvents(store, req.params.id, req.query);
      }),
  );

  app.post(
    '/v1/classify',
    guarded('audiences:read', 'customers', 'The audiences a customer is in, with reasons and the date they are as of, evaluated in memory: a stored one by id, or a new one from features', {
      body: classifyBodySchema,
      response: { 200: precompiled(classificationSchema) },
      // A stored customer asked for by id may not exist.
      errors: [404],
    }, 'unchanged'),
    (req) => {
      const body = req.body;
      const asOf = body.as_of ? parseAsOf(body.as_of, 'as_of') : undefined;
      // A date asked for is answered by the store; the view holds each customer as of their own instant only.
      const view = asOf ? undefined : ctx.workspaces.view(keyOf(req).workspace);
      if ('features' in body) {
        if (view) return { customer_id: null, ...view.classifyFeatures(body.features, body.customer) };
        return inWorkspace(ctx, req, async (store) => ({ customer_id: null, ...(await classifyFeatures(store, body.features, body.customer, asOf)) }));
      }
      const held = view?.audiencesOf(body.customer_id);
      if (held) return { customer_id: body.customer_id, as_of: held.as_of!, audiences: held.audiences };
      return inWorkspace(ctx, req, (store) => classifyStored(store, body.customer_id, asOf));
    },
  );
}
