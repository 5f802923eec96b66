import { z } from 'zod';
import { body, headline, text, type CampaignTypeSpec } from './shared.js';

const questionSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'lowercase letters, digits, "-" and "_"').describe('the key of the answer'),
    label: text(200),
    kind: z.enum(['text', 'single_choice', 'rating']).describe('free text, one of `options`, or 1 to 5'),
    options: z.array(text(80)).max(10).optional(),
    required: z.boolean().default(false),
  })
  .refine((q) => q.kind !== 'single_choice' || (q.options?.length ?? 0) >= 2, { message: 'a single_choice question needs at least two options', path: ['options'] });

/** A short form of questions, to measure satisfaction; answers are stored with the text shown. */
export const formSurvey: CampaignTypeSpec<'form_survey'> = {
  type: 'form_survey',
  label: 'Form-survey',
  placement: 'overlay',
  collects: 'answers',
  defaultConsent: null,
  content: z.strictObject({
    headline,
    body: body.optional(),
    questions: z
      .array(questionSchema)
      .min(1)
      .max(10)
      .refine((qs) => new Set(qs.map((q) => q.id)).size === qs.length, 'question ids must differ'),
    submit_label: text(40).default('Send'),
    thank_you: text(200).default('Thank you!'),
  }),
};

export type SurveyQuestion = z.infer<typeof questionSchema>;
