import { z } from 'zod';
import { CONSENT_CHANNELS } from '../store/schema.js';
import { armsSchema, type Arm } from './bucket.js';
import { CAMPAIGN_TYPES, campaignTypeSchema, PLACEMENTS, type CampaignType } from './types/index.js';

export const CAMPAIGN_STATUSES = ['draft', 'active', 'paused', 'ended'] as const;
export const campaignStatusSchema = z.enum(CAMPAIGN_STATUSES);
export type CampaignStatus = z.infer<typeof campaignStatusSchema>;

export const STATUS_ACTION_NAMES = ['activate', 'pause', 'end'] as const;
type StatusActionName = (typeof STATUS_ACTION_NAMES)[number];

/** The status changes a marketer makes, by the verb the CLI and the API name them with. */
export const STATUS_ACTIONS: ReadonlyArray<{ action: StatusActionName; status: CampaignStatus; description: string }> = [
  { action: 'activate', status: 'active', description: 'Activate a draft or paused campaign: decide offers it from the next request on' },
  { action: 'pause', status: 'paused', description: 'Pause an active campaign: not offered until activated again' },
  { action: 'end', status: 'ended', description: 'End a campaign for good: not offered again, kept with its events and results' },
];

/** The statuses each status may move to: ended is final, as its results are. */
export const STATUS_MOVES: Record<CampaignStatus, readonly CampaignStatus[]> = {
  draft: ['active', 'ended'],
  active: ['paused', 'ended'],
  paused: ['active', 'ended'],
  ended: [],
};

/** The actions a campaign in this status offers, so that clients show only what the server accepts. */
export const actionsFrom = (status: CampaignStatus): StatusActionName[] =>
  STATUS_ACTIONS.filter((a) => STATUS_MOVES[status].includes(a.status)).map((a) => a.action);

export const DEVICES = ['desktop', 'mobile', 'tablet'] as const;
/** How the visitor reached the page, as the snippet reads it from utm_medium and the referrer. */
export const CHANNELS = ['direct', 'organic', 'paid', 'social', 'email', 'referral'] as const;
export const consentChannelSchema = z.enum(CONSENT_CHANNELS);
/** Which visitors a campaign is shown to: anyone, first-time visitors, or those who have been on the storefront before. */
const visitorSchema = z.enum(['any', 'new', 'returning']);

/** Weights are percentages of the visitors a campaign targets: the variants' and the holdout's add up to 100. */
export const WEIGHT_TOTAL = 100;
export const HOLDOUT = 'holdout';
/** The arm of an audience's standing holdout that is shown campaigns. */
export const EXPOSED = 'exposed';
/** Without an experiment a campaign has this one variant, weighted 100. */
export const DEFAULT_VARIANT = 'default';

/** A time as ISO 8601 (with a zone, or UTC) or `YYYY-MM-DD HH:MM:SS` (UTC). */
const instantSchema = z
  .string()
  .refine((t) => !Number.isNaN(Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t.replace(' ', 'T')}Z`)), 'a date and time, as 2026-12-01T09:00:00Z or 2026-12-01 09:00:00 (UTC)');

/** Epoch ms of an instant the schema accepted. */
export function instantMs(t: string): number {
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t.replace(' ', 'T')}Z`);
}

const targetingSchema = z
  .strictObject({
    audiences: z
      .strictObject({
        include: z.array(z.string().min(1)).max(50).default([]).describe('audience ids or names of any kind; a visitor in any of them qualifies (none: everyone, anonymous visitors too)'),
        exclude: z.array(z.string().min(1)).max(50).default([]).describe('audience ids or names; a customer in any of them never sees the campaign'),
      })
      .default({ include: [], exclude: [] }),
    devices: z.array(z.enum(DEVICES)).min(1).optional().describe('only on these devices (default: all)'),
    page_types: z.array(z.string().regex(/^[a-z0-9_-]{1,40}$/, 'lowercase letters, digits, "-" and "_"')).min(1).optional().describe('only on pages the storefront says are of these types: home, product, category, cart, ...'),
    url_pattern: z
      .string()
      .min(1)
      .max(500)
      .optional()
      .describe('a JavaScript regular expression the page URL must match, e.g. "/(sale|outlet)/"'),
    countries: z.array(z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 code such as DE')).min(1).optional(),
    visitor: visitorSchema.default('any').describe('new: first page load of this visitor on the storefront'),
    channels: z.array(z.enum(CHANNELS)).min(1).optional().describe('only for visitors who came through these channels'),
  })
  .default({ audiences: { include: [], exclude: [] }, visitor: 'any' });

const scheduleSchema = z
  .strictObject({
    start_at: instantSchema.optional().describe('shown from then on (default: when activated)'),
    end_at: instantSchema.optional().describe('shown until then (default: until ended)'),
  })
  .default({});

const variantSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'lowercase letters, digits, "-" and "_"').refine((id) => id !== HOLDOUT, `"${HOLDOUT}" names the holdout`),
  weight: z.number().positive().max(WEIGHT_TOTAL).describe('percent of the targeted visitors'),
  content: z.record(z.string(), z.unknown()).optional().describe("fields that replace the campaign's content for this variant; the result is checked as content"),
});

/** What counts as a conversion in a campaign's experiment (docs/experiments.md, "Conversions"). */
const GOAL_EVENTS = ['order', 'click', 'submit'] as const;
export const goalSchema = z
  .strictObject({
    event: z
      .enum(GOAL_EVENTS)
      .default('order')
      .describe("order: an order by the visitor's customer (or, for a visitor never signed in, a conversion the snippet sent) within window_days of first exposure; click, submit: that event on this campaign within the window"),
    window_days: z.number().int().min(1).max(90).default(7).describe('days after the first exposure in which a conversion and its revenue are attributed'),
  })
  .describe("the experiment's conversion; revenue per visitor is always the orders in the window");
export type Goal = z.output<typeof goalSchema>;

/** What an experiment is sized for; the planned sample is fixed by these settings, never by outcomes. */
export const sizingSchema = z
  .strictObject({
    minimum_effect: z.number().gt(0).max(10).default(0.1).describe('the relative uplift of the conversion rate to detect: 0.1 is +10%'),
    baseline_rate: z.number().gt(0).lt(1).default(0.05).describe("the control's expected conversion rate, to size the experiment when planned_exposures is not given"),
    planned_exposures: z.number().int().positive().optional().describe('total exposures planned (default: what minimum_effect needs at baseline_rate, 80% power)'),
  })
  .describe('the sample the experiment is sized for: the always-valid intervals are tightest there');
export type Sizing = z.output<typeof sizingSchema>;

const experimentSchema = z.strictObject({
  variants: z.array(variantSchema).min(1).max(10).describe('the first is the control'),
  holdout: z.number().min(0).max(WEIGHT_TOTAL).default(0).describe('percent of the targeted visitors who see nothing, to measure what the campaign adds'),
  goal: goalSchema.default({ event: 'order', window_days: 7 }),
  plan: sizingSchema.default({ minimum_effect: 0.1, baseline_rate: 0.05 }),
});

/** A campaign's arms as the bucketing and the report take them: its variants in order, then the holdout if it has one. */
export function experimentArms(experiment: { variants: ReadonlyArray<{ id: string; weight: number }>; holdout: number }): Arm[] {
  const variants = experiment.variants.map((v) => ({ id: v.id, weight: v.weight }));
  return experiment.holdout > 0 ? [...variants, { id: HOLDOUT, weight: experiment.holdout, holdout: true }] : variants;
}

const common = {
  name: z.string().trim().min(1).max(120),
  priority: z.number().int().min(0).max(1000).default(0).describe('the highest-priority campaign a visitor qualifies for takes its placement'),
  targeting: targetingSchema,
  schedule: scheduleSchema,
  frequency_cap: z
    .strictObject({ max_impressions: z.number().int().min(1).max(1000).describe('at most this many impressions per visitor; a dismissal or a submission ends it too') })
    .default({ max_impressions: 3 }),
  consent: consentChannelSchema
    .nullable()
    .optional()
    .describe("the consent a customer must not have withdrawn (email collection: email by default); a customer who withdrew it never sees the campaign, and a submission without it is refused"),
  experiment: experimentSchema.optional(),
};

/** A campaign as written: one object per type, with that type's content. */
export const campaignInputSchema = z
  .discriminatedUnion(
    'type',
    CAMPAIGN_TYPES.map((t) => z.strictObject({ type: z.literal(t.type), content: t.content, ...common })) as unknown as [z.ZodObject, ...z.ZodObject[]],
  )
  .superRefine((c, ctx) => checkCampaignShape(c as unknown as CampaignShape, ctx));

interface CampaignShape {
  type: string;
  targeting: { url_pattern?: string | undefined };
  schedule: { start_at?: string | undefined; end_at?: string | undefined };
  experiment?: { variants: Array<{ id: string; weight: number; content?: Record<string, unknown> | undefined }>; holdout: number; goal: Goal } | undefined;
  content: Record<string, unknown>;
}

/** What a field-by-field schema cannot see: a pattern that does not compile, a schedule backwards, weights not adding up, variant contents. */
function checkCampaignShape(c: CampaignShape, ctx: z.RefinementCtx): void {
  const pattern = c.targeting.url_pattern;
  if (pattern !== undefined) {
    try {
      new RegExp(pattern);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['targeting', 'url_pattern'], message: `does not compile: ${(err as Error).message}` });
    }
  }
  const { start_at, end_at } = c.schedule;
  if (start_at !== undefined && end_at !== undefined && instantMs(end_at) <= instantMs(start_at)) {
    ctx.addIssue({ code: 'custom', path: ['schedule', 'end_at'], message: `ends (${end_at}) before it starts (${start_at})` });
  }
  if (!c.experiment) return;
  const { variants } = c.experiment;
  // The arms' own schema judges weights, ids and the holdout; its paths point into the arms, which are the variants then the holdout.
  for (const issue of armsSchema.safeParse(experimentArms(c.experiment)).error?.issues ?? []) {
    const [arm] = issue.path;
    const path = typeof arm !== 'number' ? ['variants'] : arm < variants.length ? ['variants', arm, 'id'] : ['holdout'];
    ctx.addIssue({ code: 'custom', path: ['experiment', ...path], message: issue.message });
  }
  if (c.experiment.holdout > 0 && c.experiment.goal.event !== 'order') {
    ctx.addIssue({ code: 'custom', path: ['experiment', 'goal', 'event'], message: `a ${c.experiment.goal.event} cannot happen in the holdout, which sees nothing: use an order goal, or no holdout` });
  }
  const spec = CAMPAIGN_TYPES.find((t) => t.type === c.type)!;
  c.experiment.variants.forEach((v, i) => {
    if (!v.content) return;
    const merged = spec.content.safeParse({ ...c.content, ...v.content });
    for (const issue of merged.success ? [] : merged.error.issues) {
      ctx.addIssue({ code: 'custom', path: ['experiment', 'variants', i, 'content', ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], message: issue.message });
    }
  });
}

/** The union is built from the registry, which erases each type's content shape; the common fields keep theirs. */
type CommonSchema = z.ZodObject<typeof common>;
export type CampaignInput = z.input<CommonSchema> & { type: CampaignType; content: Record<string, unknown> };
export type ParsedCampaignInput = z.output<CommonSchema> & { type: CampaignType; content: Record<string, unknown> };

const variantOutSchema = z.object({ id: z.string(), weight: z.number(), content: z.record(z.string(), z.unknown()).optional() });

/** A stored campaign, as every route and `segmint campaign show --json` answer it. */
export const campaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: campaignTypeSchema,
    status: campaignStatusSchema,
    actions: z.array(z.enum(STATUS_ACTION_NAMES)).describe('the status actions the campaign offers now (POST /v1/campaigns/{id}/{action})'),
    priority: z.number().int(),
    content: z.record(z.string(), z.unknown()).describe("the type's content, defaults filled in"),
    targeting: z.object({
      audiences: z.object({ include: z.array(z.string()).describe('audience ids'), exclude: z.array(z.string()) }),
      devices: z.array(z.enum(DEVICES)).optional(),
      page_types: z.array(z.string()).optional(),
      url_pattern: z.string().optional(),
      countries: z.array(z.string()).optional(),
      visitor: visitorSchema,
      channels: z.array(z.enum(CHANNELS)).optional(),
    }),
    schedule: z.object({ start_at: z.string().optional(), end_at: z.string().optional() }).describe('YYYY-MM-DD HH:MM:SS (UTC)'),
    frequency_cap: z.object({ max_impressions: z.number().int() }),
    consent: consentChannelSchema.nullable(),
    experiment: z.object({ variants: z.array(variantOutSchema), holdout: z.number(), goal: goalSchema, plan: sizingSchema }).nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Campaign' });
export type Campaign = z.infer<typeof campaignSchema>;

export const placementSchema = z.enum(PLACEMENTS);
