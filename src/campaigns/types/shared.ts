import { z } from 'zod';
import type { ConsentChannel } from '../../store/index.js';

/** Where a type shows on the page: at most one campaign per placement is shown to a visitor at a time. */
export const PLACEMENTS = ['overlay', 'bar', 'hero'] as const;
export type Placement = (typeof PLACEMENTS)[number];

/** What a submission of this type carries, checked by the events route: an email, answers to questions, or nothing. */
export type Collects = 'email' | 'answers' | null;

/**
 * One campaign type: its content schema, the placement it takes on the page, what its form collects, and the
 * consent channel it needs unless the campaign says otherwise.
 */
export interface CampaignTypeSpec<T extends string = string> {
  type: T;
  label: string;
  placement: Placement;
  collects: Collects;
  defaultConsent: ConsentChannel | null;
  content: z.ZodObject;
}

const text = (max: number) => z.string().trim().min(1).max(max);

/** An image the storefront loads: http(s) only, so no javascript: or data: URL reaches an `src`. */
export const imageUrlSchema = z
  .url({ protocol: /^https?$/, error: 'an http(s) URL' })
  .max(2000)
  .describe('an http(s) URL of the image');

export const callToActionSchema = z.strictObject({
  label: text(60).describe('the button text'),
  url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).max(2000).optional().describe('where the button leads; without one it only closes'),
});

export const headline = text(120).describe('the title');
export const body = text(600).describe('the text under the title');
export { text };
