import { behaviorPreview, behaviorPreviewRequestSchema, behaviorPreviewSchema } from '../../behaviors/words/index.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

/** Custom behaviors from a marketer's words: the spec they read as, how, and what it would select; nothing stored. */
export function registerCustomBehaviorRoutes(app: ZodApp, ctx: RouteContext): void {
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
}
