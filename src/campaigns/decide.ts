import { z } from 'zod';
import type { ConsentChannel } from '../store/index.js';
import { assignVariant, inHoldout } from './bucket.js';
import { consentChannelSchema, DEFAULT_VARIANT, experimentArms, EXPOSED, HOLDOUT, placementSchema, WEIGHT_TOTAL, type Campaign } from './schema.js';
import { audiencesMatch, contextMatches, liveCampaign, type DecideQuery, type LiveCampaign } from './targeting.js';
import { campaignTypeSchema, typeSpec, type Placement } from './types/index.js';

export const decisionSchema = z
  .object({
    campaigns: z.array(
      z.object({
        id: z.string(),
        type: campaignTypeSchema,
        placement: placementSchema.describe('overlay (popup, email, survey), bar or hero: at most one campaign each'),
        variant: z.string(),
        content: z.record(z.string(), z.unknown()).describe("the variant's content, as the type's schema describes it"),
        consent: consentChannelSchema.nullable().describe('the consent a form asks for, stored with what it collects'),
        max_impressions: z.number().int().describe('the frequency cap, which the snippet also keeps across page loads'),
      }),
    ),
    held_out: z
      .array(z.object({ id: z.string(), variant: z.literal(HOLDOUT) }))
      .describe("campaigns the visitor qualifies for but sees nothing of, being in the experiment's holdout; their exposure is recorded as an impression of the holdout"),
  })
  .meta({ id: 'Decision' });
export type Decision = z.infer<typeof decisionSchema>;

/**
 * What the server knows about the visitor, from memory: the customer's audience ids and the consent channels they
 * withdrew; `unknown` when a customer was named but their consent cannot be read (no live view), so nothing needing
 * consent is shown to them.
 */
export interface VisitorFacts {
  memberships: ReadonlySet<string> | undefined;
  withdrawn: ReadonlySet<ConsentChannel> | 'unknown';
}

/** A visitor's history with one campaign: impressions so far, whether they dismissed it or sent its form, whether their arm is recorded. */
interface Exposure {
  impressions: number;
  closed: boolean;
  assigned: boolean;
}

/** A visitor's first assignment to an arm of a campaign's experiment, to be stored (campaign_assignments). */
export interface Assignment {
  campaign_id: string;
  visitor_id: string;
  customer_id: string | null;
  variant: string;
  /** The campaign's included audiences the customer was in when assigned. */
  audiences: string[];
  ts_ms: number;
}

/** A member's first meeting with campaigns under an audience's standing holdout (audience_holdout_assignments). */
export interface MemberAssignment {
  audience_id: string;
  customer_id: string;
  arm: string;
  ts_ms: number;
}

type CampaignEventType = 'impression' | 'click' | 'dismiss' | 'submit' | 'conversion';

/**
 * Beyond this many visitors the oldest histories are forgotten (about 200 bytes each, 200 MB at most); the snippet's
 * own count in the browser still holds their caps.
 */
const MAX_VISITORS = 1_000_000;

/**
 * The decisions of one workspace, answered from memory: the active campaigns (refreshed when one changes) and each
 * visitor's impressions and dismissals (from the stored events at load, then from each batch sent).
 */
export class CampaignDecider {
  private live: LiveCampaign[] = [];
  private readonly history = new Map<string, Map<string, Exposure>>();
  private pending: Assignment[] = [];
  private holdouts = new Map<string, number>();
  private readonly met = new Map<string, Set<string>>();
  private pendingMembers: MemberAssignment[] = [];

  constructor(campaigns: readonly Campaign[]) {
    this.setCampaigns(campaigns);
  }

  /** The active campaigns, highest priority first. */
  setCampaigns(campaigns: readonly Campaign[]): void {
    this.live = campaigns
      .filter((c) => c.status === 'active')
      .map(liveCampaign)
      .sort((a, b) => b.campaign.priority - a.campaign.priority || a.campaign.created_at.localeCompare(b.campaign.created_at));
  }

  /** The visitors' histories as stored (storedExposures), taken once when the decider is built. */
  restore(rows: ReadonlyArray<{ visitor_id: string; campaign_id: string; impressions: number; closed: boolean; assigned: boolean }>): void {
    for (const r of rows) {
      const visitor = this.history.get(r.visitor_id) ?? new Map<string, Exposure>();
      visitor.set(r.campaign_id, { impressions: r.impressions, closed: r.closed, assigned: r.assigned });
      this.history.set(r.visitor_id, visitor);
    }
  }

  /** The assignments made since the last call, for the caller to store off the request path. */
  takeAssignments(): { campaigns: Assignment[]; members: MemberAssignment[] } {
    const out = { campaigns: this.pending, members: this.pendingMembers };
    this.pending = [];
    this.pendingMembers = [];
    return out;
  }

  /** Assignments taken but not stored, given back for the next flush. */
  requeue(rows: { campaigns: Assignment[]; members: MemberAssignment[] }): void {
    this.pending = [...rows.campaigns, ...this.pending];
    this.pendingMembers = [...rows.members, ...this.pendingMembers];
  }

  /** Counts an event of a visitor with a campaign: impressions toward its cap, a dismissal or submission closes it. */
  record(visitorId: string, campaignId: string, type: CampaignEventType): void {
    if (type !== 'impression' && type !== 'dismiss' && type !== 'submit') return;
    const seen = this.exposure(visitorId, campaignId);
    if (type === 'impression') seen.impressions++;
    else seen.closed = true;
  }

  private exposure(visitorId: string, campaignId: string): Exposure {
    let visitor = this.history.get(visitorId);
    if (!visitor) {
      if (this.history.size >= MAX_VISITORS) this.history.delete(this.history.keys().next().value!);
      visitor = new Map();
      this.history.set(visitorId, visitor);
    }
    let seen = visitor.get(campaignId);
    if (!seen) {
      seen = { impressions: 0, closed: false, assigned: false };
      visitor.set(campaignId, seen);
    }
    return seen;
  }

  /**
   * An experiment's exposure is the visitor's first assignment at decide, whichever arm: the holdout sees nothing and
   * sends no impression of its own, and counting every arm at the same moment keeps the arms comparable (a variant
   * the page could not show still counts, as the holdout's nothing does).
   */
  private assign(c: LiveCampaign, q: DecideQuery, memberships: ReadonlySet<string> | undefined, variant: string, nowMs: number): void {
    const seen = this.exposure(q.visitor, c.campaign.id);
    if (seen.assigned) return;
    seen.assigned = true;
    const audiences = memberships ? [...c.include].filter((id) => memberships.has(id)) : [];
    this.pending.push({ campaign_id: c.campaign.id, visitor_id: q.visitor, customer_id: q.customer ?? null, variant, audiences, ts_ms: nowMs });
  }

  /** The audiences' standing holdouts, as shares in [0, 1]; taken again whenever one is set. */
  setHoldouts(holdouts: ReadonlyArray<{ audience_id: string; share: number }>): void {
    this.holdouts = new Map(holdouts.map((h) => [h.audience_id, h.share / WEIGHT_TOTAL]));
  }

  /** The members already met, as stored (audience_holdout_assignments), taken once when the decider is built. */
  restoreMet(rows: ReadonlyArray<{ audience_id: string; customer_id: string }>): void {
    for (const r of rows) this.metIn(r.audience_id).add(r.customer_id);
  }

  private metIn(audienceId: string): Set<string> {
    let met = this.met.get(audienceId);
    if (!met) this.met.set(audienceId, (met = new Set()));
    return met;
  }

  decide(q: DecideQuery, facts: VisitorFacts, nowMs: number): Decision {
    const taken = new Set<Placement>();
    const out: Decision = { campaigns: [], held_out: [] };
    const history = this.history.get(q.visitor);
    const arms: Array<[LiveCampaign, string]> = [];
    for (const c of this.live) {
      const { campaign } = c;
      const placement = typeSpec(campaign.type).placement;
      if (taken.has(placement)) continue;
      if (!contextMatches(c, q, nowMs) || !audiencesMatch(c, facts.memberships)) continue;
      if (campaign.consent !== null && (facts.withdrawn === 'unknown' || facts.withdrawn.has(campaign.consent))) continue;
      const seen = history?.get(campaign.id);
      if (seen && (seen.closed || seen.impressions >= campaign.frequency_cap.max_impressions)) continue;
      taken.add(placement);
      const variant = variantOf(campaign, q.visitor);
      if (campaign.experiment) arms.push([c, variant.id]);
      if (variant.id === HOLDOUT) {
        out.held_out.push({ id: campaign.id, variant: HOLDOUT });
        continue;
      }
      out.campaigns.push({
        id: campaign.id,
        type: campaign.type,
        placement,
        variant: variant.id,
        content: variant.content,
        consent: campaign.consent,
        max_impressions: campaign.frequency_cap.max_impressions,
      });
    }
    const standing = this.standingHoldouts(q.customer, facts.memberships);
    if (standing.length && (out.campaigns.length || out.held_out.length)) this.meet(q.customer!, standing, nowMs);
    // A member held out by one of their audiences sees no campaign at all, and joins no campaign's experiment.
    if (standing.some((h) => h.held)) return { campaigns: [], held_out: [] };
    for (const [c, variant] of arms) this.assign(c, q, facts.memberships, variant, nowMs);
    return out;
  }

  /** The audiences with a standing holdout the customer is in, and whether each holds them out. */
  private standingHoldouts(customer: string | undefined, memberships: ReadonlySet<string> | undefined): Array<{ audience: string; held: boolean }> {
    if (customer === undefined || !memberships || this.holdouts.size === 0) return [];
    const out: Array<{ audience: string; held: boolean }> = [];
    for (const [audience, share] of this.holdouts) if (memberships.has(audience)) out.push({ audience, held: inHoldout(audience, customer, share) });
    return out;
  }

  /**
   * Records a member the first time decide has a campaign for them (or would have, if held out), per audience. A
   * member held out by another audience sees nothing whichever side of this one they fall on, so they are left out
   * of this one's report; as the audiences' hashes are independent, that removes the same share of both its sides.
   */
  private meet(customer: string, standing: ReadonlyArray<{ audience: string; held: boolean }>, nowMs: number): void {
    for (const { audience, held } of standing) {
      if (standing.some((o) => o.held && o.audience !== audience)) continue;
      const met = this.metIn(audience);
      if (met.has(customer)) continue;
      met.add(customer);
      this.pendingMembers.push({ audience_id: audience, customer_id: customer, arm: held ? HOLDOUT : EXPOSED, ts_ms: nowMs });
    }
  }
}

/** The visitor's variant, stable per campaign and visitor, with its content (the campaign's, with the variant's fields over it). */
function variantOf(campaign: Campaign, visitorId: string): { id: string; content: Record<string, unknown> } {
  const experiment = campaign.experiment;
  if (!experiment) return { id: DEFAULT_VARIANT, content: campaign.content };
  const id = assignVariant(campaign.id, visitorId, experimentArms(experiment));
  const variant = experiment.variants.find((v) => v.id === id);
  return { id, content: { ...campaign.content, ...variant?.content } };
}
