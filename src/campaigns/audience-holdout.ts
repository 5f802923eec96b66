import { z } from 'zod';
import { getAudience } from '../audiences/index.js';
import { invalidInput, NotFoundError } from '../shared/errors.js';
import { castTo, formatTimestamp, now, sql, upsertInto } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { readResults } from './report.js';
import type { ExperimentResults } from './results-schema.js';
import { EXPOSED, HOLDOUT, sizingSchema, WEIGHT_TOTAL } from './schema.js';

/**
 * An audience's standing holdout: a share of its members who are shown no campaign at all, whichever campaign they
 * would have qualified for, so the report can say what campaigns add for that audience. Who is held out is the
 * documented hash (`inHoldout` in bucket.ts) of the audience and the customer id: members are customers, and a
 * customer on two devices stays on one side.
 */

export const audienceHoldoutInputSchema = z.strictObject({
  share: z.number().gt(0).max(50).describe('percent of the members shown no campaign; set it once: a share changed midway makes the split differ from the weights, which the SRM check flags'),
  window_days: z.number().int().min(1).max(90).default(30).describe('days after a member is first met in which their orders count'),
  plan: sizingSchema.default({ minimum_effect: 0.1, baseline_rate: 0.05 }),
});

export const audienceHoldoutSchema = z
  .object({
    audience_id: z.string(),
    share: z.number(),
    window_days: z.number().int(),
    plan: sizingSchema,
    updated_at: z.string(),
  })
  .meta({ id: 'AudienceHoldout' });
export type AudienceHoldout = z.infer<typeof audienceHoldoutSchema>;

interface HoldoutRow {
  audience_id: string;
  setting: string;
  updated_at: string;
}

const toHoldout = (r: HoldoutRow): AudienceHoldout => ({ audience_id: r.audience_id, ...(JSON.parse(r.setting) as Omit<AudienceHoldout, 'audience_id' | 'updated_at'>), updated_at: r.updated_at });
const columns = sql`audience_id, setting::VARCHAR AS setting, ${formatTimestamp(sql`updated_at`)} AS updated_at`;

export async function listAudienceHoldouts(store: Store): Promise<AudienceHoldout[]> {
  return (await store.all<HoldoutRow>(sql`SELECT ${columns} FROM audience_holdouts ORDER BY audience_id`)).map(toHoldout);
}

/** Sets an audience's holdout (by audience id or name); the deciders take it before the route answers. */
export async function setAudienceHoldout(store: Store, idOrName: string, raw: unknown): Promise<AudienceHoldout> {
  const audience = await getAudience(store, idOrName);
  const checked = audienceHoldoutInputSchema.safeParse(raw);
  if (!checked.success) throw invalidInput(checked.error.issues, 'holdout');
  const setting = checked.data;
  await store.run(sql`${upsertInto(sql`audience_holdouts`)} VALUES (${audience.id}, ${JSON.stringify(setting)}, ${now()})`);
  return getAudienceHoldout(store, audience.id);
}

export async function getAudienceHoldout(store: Store, idOrName: string): Promise<AudienceHoldout> {
  const audience = await getAudience(store, idOrName);
  const row = await store.one<HoldoutRow>(sql`SELECT ${columns} FROM audience_holdouts WHERE audience_id = ${audience.id}`);
  if (!row) throw new NotFoundError(`audience "${audience.id}" has no standing holdout; set one with PUT /v1/audiences/${audience.id}/holdout`, { audience: audience.id });
  return toHoldout(row);
}

/**
 * The holdout's report: members held out against members shown campaigns, each counted from the first decide that
 * had a campaign for them (held out: would have had), with their orders in the window as conversions and revenue.
 */
export async function audienceHoldoutReport(store: Store, idOrName: string): Promise<ExperimentResults> {
  const holdout = await getAudienceHoldout(store, idOrName);
  const audience = await getAudience(store, holdout.audience_id);
  return readResults(store, {
    subject: { kind: 'audience_holdout', id: audience.id, name: audience.name, status: null },
    arms: [
      { id: EXPOSED, weight: WEIGHT_TOTAL - holdout.share },
      { id: HOLDOUT, weight: holdout.share, holdout: true },
    ],
    control: HOLDOUT,
    goal: { event: 'order', window_days: holdout.window_days },
    sizing: holdout.plan,
    exposed: {
      campaignId: null,
      query: sql`SELECT customer_id AS visitor_id, arm, ts, customer_id, ${castTo(sql`[]`, 'VARCHAR[]')} AS audiences
        FROM audience_holdout_assignments WHERE audience_id = ${audience.id}`,
    },
    audiences: [],
  });
}
