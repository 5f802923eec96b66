import { z } from 'zod';
import { emailCollection } from './email-collection.js';
import { formSurvey } from './form-survey.js';
import { heroBanner } from './hero-banner.js';
import { notificationBar } from './notification-bar.js';
import { popupBanner } from './popup-banner.js';
import type { CampaignTypeSpec } from './shared.js';

/** The five campaign types of seed 001, one module each; everything else reads a type's spec from here. */
export const CAMPAIGN_TYPES = [popupBanner, emailCollection, formSurvey, notificationBar, heroBanner] as const;
export type CampaignType = (typeof CAMPAIGN_TYPES)[number]['type'];
export const campaignTypeSchema = z.enum(CAMPAIGN_TYPES.map((t) => t.type) as [CampaignType, ...CampaignType[]]);

const BY_TYPE = new Map<string, CampaignTypeSpec>(CAMPAIGN_TYPES.map((t) => [t.type, t]));

export function typeSpec(type: CampaignType): CampaignTypeSpec {
  return BY_TYPE.get(type)!;
}

export { PLACEMENTS, type CampaignTypeSpec, type Collects, type Placement } from './shared.js';
export type { SurveyQuestion } from './form-survey.js';
