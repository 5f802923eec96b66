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

/**
 * A link or image address: http(s), or a path on the shop itself (`/sale`). Nothing else (javascript:, data:) ever
 * reaches an `href` or `src` the snippet writes.
 */
const safeUrlSchema = z
  .string()
  .max(2000)
  .refine((u) => /^\/(?!\/)\S*$/.test(u) || (/^https?:\/\//i.test(u) && URL.canParse(u)), 'an http(s) URL or a path on the shop such as /sale');

export const imageUrlSchema = safeUrlSchema.describe('the image: an http(s) URL or a path on the shop');
export const imageAltSchema = z.string().max(200).default('').describe('the image described for screen readers; empty for a decorative one');

export const callToActionSchema = z.strictObject({
  label: text(60).describe('the button text'),
  url: safeUrlSchema.optional().describe('where the button leads; without one it only closes'),
});

export const headline = text(120).describe('the title');
export const body = text(600).describe('the text under the title');
export { text };
