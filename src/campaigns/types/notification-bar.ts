import { z } from 'zod';
import { callToActionSchema, text, type CampaignTypeSpec } from './shared.js';

/** A thin bar at the top of the page for deals and announcements. */
export const notificationBar: CampaignTypeSpec<'notification_bar'> = {
  type: 'notification_bar',
  label: 'Notification bar',
  placement: 'bar',
  collects: null,
  defaultConsent: null,
  content: z.strictObject({
    message: text(200),
    cta: callToActionSchema.optional(),
    background: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb').default('#1f2937'),
    color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb').default('#ffffff'),
  }),
};
