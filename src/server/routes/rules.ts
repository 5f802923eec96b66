import { z } from 'zod';
import { checkRuleText, createAudienceSchema, previewRule, ruleCheckSchema, rulePreviewSchema, ruleVocabulary, ruleVocabularySchema } from '../../audiences/index.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

const ruleBodySchema = z.strictObject({ rule: createAudienceSchema.shape.rule });

/** For rule editors: what a rule may name, whether a text is a rule, and what it would select; nothing is stored. */
export function registerRuleRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get(
    '/v1/rules/vocabulary',
    guarded('audiences:read', 'rules', 'The names a rule may use: features (with type, unit, description), customer fields, event aggregates, types and filter fields, audiences', {
      response: { 200: ruleVocabularySchema },
    }),
    (req) => inWorkspace(ctx, req, ruleVocabulary),
  );

  app.post(
    '/v1/rules/check',
    guarded('audiences:read', 'rules', 'Whether a text is a valid rule: its canonical form, or the error with its position and suggestions, as saving it would say (an invalid rule is a 200 answer)', {
      body: ruleBodySchema,
      response: { 200: ruleCheckSchema },
    }, 'unchanged'),
    (req) => inWorkspace(ctx, req, (store) => checkRuleText(store, req.body.rule)),
  );

  app.post(
    '/v1/rules/preview',
    guarded('audiences:read', 'rules', 'How many customers a rule would select on the features of the run computed last, and their share of revenue; an invalid rule is a 400', {
      body: ruleBodySchema,
      response: { 200: rulePreviewSchema },
    }, 'unchanged'),
    (req) => inWorkspace(ctx, req, (store) => previewRule(store, req.body.rule)),
  );
}
