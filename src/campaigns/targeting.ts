import { z } from 'zod';
import { CHANNELS, DEVICES, instantMs, type Campaign } from './schema.js';

/** What the storefront tells decide about the page and the visitor. */
export const decideQuerySchema = z.strictObject({
  visitor: z.string().min(1).max(128).describe("the snippet's id for this browser"),
  customer: z.string().min(1).max(256).optional().describe('the signed-in customer, when the storefront knows them'),
  url: z.string().max(2000).default('').describe('the page URL, for url_pattern'),
  device: z.enum(DEVICES).optional(),
  page_type: z.string().max(40).optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 code such as DE').optional(),
  returning: z.enum(['true', 'false']).optional().describe('true when the visitor has been on the storefront before'),
  channel: z.enum(CHANNELS).optional(),
  key: z.string().optional().describe('the storefront key, for browsers (instead of the Authorization header)'),
});
export type DecideQuery = z.infer<typeof decideQuerySchema>;

/** A campaign ready for matching: its pattern compiled and its schedule in epoch ms, once per change, not per request. */
export interface LiveCampaign {
  campaign: Campaign;
  pattern: RegExp | undefined;
  startMs: number;
  endMs: number;
  include: ReadonlySet<string>;
  exclude: ReadonlySet<string>;
}

export function liveCampaign(campaign: Campaign): LiveCampaign {
  const { schedule, targeting } = campaign;
  return {
    campaign,
    pattern: targeting.url_pattern === undefined ? undefined : new RegExp(targeting.url_pattern),
    startMs: schedule.start_at === undefined ? -Infinity : instantMs(schedule.start_at),
    endMs: schedule.end_at === undefined ? Infinity : instantMs(schedule.end_at),
    include: new Set(targeting.audiences.include),
    exclude: new Set(targeting.audiences.exclude),
  };
}

/** Whether the page and the visitor's context fit the campaign; a campaign restricted on a context the storefront did not send is not shown. */
export function contextMatches(c: LiveCampaign, q: DecideQuery, nowMs: number): boolean {
  const t = c.campaign.targeting;
  if (nowMs < c.startMs || nowMs >= c.endMs) return false;
  if (t.devices && !(q.device && t.devices.includes(q.device))) return false;
  if (t.page_types && !(q.page_type && t.page_types.includes(q.page_type))) return false;
  if (c.pattern && !c.pattern.test(q.url)) return false;
  if (t.countries && !(q.country && t.countries.includes(q.country))) return false;
  if (t.channels && !(q.channel && t.channels.includes(q.channel))) return false;
  if (t.visitor === 'new' && q.returning === 'true') return false;
  if (t.visitor === 'returning' && q.returning !== 'true') return false;
  return true;
}

/**
 * Audience targeting: `memberships` is the customer's audience ids, or undefined for an anonymous visitor (or a
 * customer the live view does not hold), who qualifies only for campaigns that include no audience.
 */
export function audiencesMatch(c: LiveCampaign, memberships: ReadonlySet<string> | undefined): boolean {
  if (!memberships) return c.include.size === 0;
  for (const id of c.exclude) if (memberships.has(id)) return false;
  if (c.include.size === 0) return true;
  for (const id of c.include) if (memberships.has(id)) return true;
  return false;
}
