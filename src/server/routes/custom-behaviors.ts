import { z } from 'zod';
import { behaviorFamily, behaviorFamilySchema } from '../../audiences/behavior-family.js';
import { behaviorPreview } from '../../audiences/behavior-preview.js';
import { createBehavior, createBehaviorSchema, createdBehaviorSchema, customBehaviorSchema, describeBehavior, setBehaviorActive } from '../../audiences/custom-behaviors.js';
import { BEHAVIOR_ENTITIES } from '../../behaviors/index.js';
import { behaviorPreviewRequestSchema, behaviorPreviewSchema } from '../../behaviors/words/index.js';
import { idParamsSchema } from '../schemas.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

const behaviorParamsSchema = idParamsSchema('custom behavior id or name');
const familyQuerySchema = z.strictObject({ entity: z.enum(BEHAVIOR_ENTITIES).default('customers').describe('customers (default) or products') });

/**
 * The behaviors family (suggested behaviors, custom behaviors, behavioral clusters) and custom behaviors from a
 * marketer's words: read, previewed, kept as drafts, activated.
 */
export function registerCustomBehaviorRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get(
    '/v1/behaviors',
    guarded(
      'audiences:read',
      'behaviors',
      'The behaviors family: suggested behaviors (size, share, lift on their signals, agreement with the behavioral cluster of the same name), custom behaviors (words, spec, active, size) and the behavioral clusters; ?entity=products for the product behaviors',
      { querystring: familyQuerySchema, response: { 200: behaviorFamilySchema } },
    ),
    (req) => inWorkspace(ctx, req, (store) => behaviorFamily(store, req.query.entity)),
  );

  app.post(
    '/v1/behaviors',
    guarded(
      'audiences:write',
      'behaviors',
      'Create a custom behavior from words and/or a spec: kept with its reading, previewed on the latest run, a draft unless `active` (then computed at once). Words with nothing understood are a 400 listing them; a name taken is a 409',
      { body: createBehaviorSchema, response: { 201: createdBehaviorSchema }, errors: [409] },
      'rules',
    ),
    async (req, reply) => reply.status(201).send(await inWorkspace(ctx, req, (store) => createBehavior(store, req.body, { llm: ctx.llm }))),
  );

  app.post(
    '/v1/behaviors/preview',
    guarded(
      'audiences:read',
      'behaviors',
      'Reads a description into a rule (the spec), says how each word was read, and previews it on the run computed last: size, revenue share, attrition waterfall, top products, sample members, overlap. Text with nothing understood, or an invalid edited spec, is a 400',
      { body: behaviorPreviewRequestSchema, response: { 200: behaviorPreviewSchema } },
      'unchanged',
    ),
    (req) => inWorkspace(ctx, req, (store) => behaviorPreview(store, req.body, { llm: ctx.llm })),
  );

  app.get(
    '/v1/behaviors/:id',
    guarded('audiences:read', 'behaviors', 'One custom behavior by id or name: its words, spec, reading, and size at the latest run', {
      params: behaviorParamsSchema,
      response: { 200: customBehaviorSchema },
    }),
    (req) => inWorkspace(ctx, req, (store) => describeBehavior(store, req.params.id)),
  );

  for (const [action, active] of [['activate', true], ['deactivate', false]] as const) {
    app.post(
      `/v1/behaviors/:id/${action}`,
      guarded(
        'audiences:write',
        'behaviors',
        active
          ? 'Activate a custom behavior: an audience from now on, computed at once against the latest run, then at every run and in real time'
          : 'Deactivate a custom behavior: a draft again, left out of runs and live answers (its past snapshots stay)',
        { params: behaviorParamsSchema, response: { 200: customBehaviorSchema } },
        'rules',
      ),
      (req) => inWorkspace(ctx, req, (store) => setBehaviorActive(store, req.params.id, active)),
    );
  }
}
