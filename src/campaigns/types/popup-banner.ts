import { z } from 'zod';
import { body, callToActionSchema, headline, imageAltSchema, imageUrlSchema, type CampaignTypeSpec } from './shared.js';

/** A dismissible dialog over the page announcing a product or a discount. */
export const popupBanner: CampaignTypeSpec<'popup_banner'> = {
  type: 'popup_banner',
  label: 'Popup banner',
  placement: 'overlay',
  collects: null,
  defaultConsent: null,
  content: z.strictObject({
    headline,
    body: body.optional(),
    image_url: imageUrlSchema.optional(),
    image_alt: imageAltSchema,
    cta: callToActionSchema,
  }),
};
