import { z } from 'zod';
import { body, headline, imageAltSchema, imageUrlSchema, text, type CampaignTypeSpec } from './shared.js';

/** A dialog asking for an email address, stored only with the consent its checkbox states. */
export const emailCollection: CampaignTypeSpec<'email_collection'> = {
  type: 'email_collection',
  label: 'Email collection',
  placement: 'overlay',
  collects: 'email',
  defaultConsent: 'email',
  content: z.strictObject({
    headline,
    body: body.optional(),
    image_url: imageUrlSchema.optional(),
    image_alt: imageAltSchema,
    email_label: text(80).default('Email address'),
    consent_text: text(400).describe('the consent the checkbox states, stored with each submission'),
    submit_label: text(40).default('Subscribe'),
    thank_you: text(200).default('Thank you!'),
  }),
};
