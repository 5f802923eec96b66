import { z } from 'zod';
import { body, callToActionSchema, headline, imageAltSchema, imageUrlSchema, type CampaignTypeSpec } from './shared.js';

/**
 * A banner in a slot the page reserves (an element with `data-segmint-hero`, sized by the page), so filling it moves
 * nothing; without a campaign the slot keeps the page's own content.
 */
export const heroBanner: CampaignTypeSpec<'hero_banner'> = {
  type: 'hero_banner',
  label: 'Hero banner',
  placement: 'hero',
  collects: null,
  defaultConsent: null,
  content: z.strictObject({
    headline,
    body: body.optional(),
    image_url: imageUrlSchema,
    image_alt: imageAltSchema,
    cta: callToActionSchema,
  }),
};
