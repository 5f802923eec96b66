import { listAudiences } from '../audiences/index.js';
import { ConflictError } from '../shared/errors.js';
import { asTimestamp, castTo, days, formatTimestamp, now, sql, unnestList, type Sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import type { Arm } from './bucket.js';
import { getCampaign } from './repository.js';
import type { ExperimentResults } from './results-schema.js';
import { experimentArms, HOLDOUT, type Goal, type Sizing } from './schema.js';
import { experimentReport, planSchema, requiredSample, type ArmTotals, type Plan } from './stats/index.js';

/**
 * Who was exposed to which arm, as a query of (visitor_id, arm, ts, customer_id, audiences): ts the first exposure,
 * customer_id the customer the visitor is known as (null: never signed in), audiences the ones the report splits by.
 */
interface Exposed {
  query: Sql;
  /** The campaign whose events (clicks, submits, the snippet's conversions) count; null for an audience holdout. */
  campaignId: string | null;
}

interface SumsRow {
  arm: string;
  audience_id: string | null;
  exposures: number;
  conversions: number;
  revenue: number;
  revenue_squares: number;
  x_sum: number;
  x_squares: number;
  x_revenue: number;
  x_conversions: number;
  impressions: number;
}

/** An order line's value, as features and CLV count it. */
const LINE_VALUE = sql`e.quantity * e.unit_price`;

/**
 * The sums experimentReport reads, per arm and per arm and audience, in one pass over the exposed visitors:
 * conversions and revenue attributed in [first exposure, first exposure + window), and the covariate, the customer's
 * order value before their first exposure (0 for a visitor never signed in). Docs: docs/experiments.md, "Reading
 * the store".
 */
function sumsQuery(exposed: Exposed, goal: Goal): Sql {
  const window = sql`x.ts + ${days(goal.window_days)}`;
  const campaignEvents = (types: Sql) =>
    exposed.campaignId === null
      ? sql`SELECT ${castTo(sql`NULL`, 'VARCHAR')} AS visitor_id, ${castTo(sql`NULL`, 'DOUBLE')} AS revenue WHERE false`
      : sql`SELECT x.visitor_id, sum(coalesce(c.revenue, 0)) AS revenue FROM x JOIN campaign_events c ON c.visitor_id = x.visitor_id
        WHERE c.campaign_id = ${exposed.campaignId} AND c.type IN (${types}) AND c.ts >= x.ts AND c.ts < ${window}
        GROUP BY x.visitor_id`;
  // A visitor never signed in has no orders the store can tie to them: the snippet's conversions stand in for them.
  const converted =
    goal.event === 'order'
      ? sql`(o.visitor_id IS NOT NULL OR (x.customer_id IS NULL AND s.visitor_id IS NOT NULL))`
      : sql`(g.visitor_id IS NOT NULL)`;
  return sql`WITH x AS (${exposed.query}),
o AS (SELECT x.visitor_id, sum(${LINE_VALUE}) AS revenue FROM x JOIN events e ON e.customer_id = x.customer_id
  WHERE e.type = 'order' AND e.ts >= x.ts AND e.ts < ${window}
  GROUP BY x.visitor_id),
pre AS (SELECT x.visitor_id, sum(${LINE_VALUE}) AS spend FROM x JOIN events e ON e.customer_id = x.customer_id
  WHERE e.type = 'order' AND e.ts < x.ts
  GROUP BY x.visitor_id),
s AS (${campaignEvents(sql`'conversion'`)}),
g AS (${campaignEvents(sql`${goal.event}`)}),
i AS (${exposed.campaignId === null ? sql`SELECT ${castTo(sql`NULL`, 'VARCHAR')} AS visitor_id WHERE false` : sql`SELECT DISTINCT visitor_id FROM campaign_events WHERE campaign_id = ${exposed.campaignId} AND type = 'impression'`}),
v AS (
  SELECT x.arm, x.audiences, CAST(${converted} AS INTEGER) AS c,
    coalesce(o.revenue, CASE WHEN x.customer_id IS NULL THEN s.revenue END, 0) AS y,
    coalesce(pre.spend, 0) AS xc, CAST(i.visitor_id IS NOT NULL AS INTEGER) AS seen
  FROM x LEFT JOIN o USING (visitor_id) LEFT JOIN pre USING (visitor_id) LEFT JOIN s USING (visitor_id)
    LEFT JOIN g USING (visitor_id) LEFT JOIN i USING (visitor_id)
),
per AS (SELECT arm, ${castTo(sql`NULL`, 'VARCHAR')} AS audience_id, c, y, xc, seen FROM v
  UNION ALL SELECT arm, ${unnestList(sql`audiences`)} AS audience_id, c, y, xc, seen FROM v)
SELECT arm, audience_id, CAST(count(*) AS INTEGER) AS exposures, CAST(sum(c) AS INTEGER) AS conversions, CAST(sum(y) AS DOUBLE) AS revenue,
  CAST(sum(y * y) AS DOUBLE) AS revenue_squares, CAST(sum(xc) AS DOUBLE) AS x_sum, CAST(sum(xc * xc) AS DOUBLE) AS x_squares,
  CAST(sum(xc * y) AS DOUBLE) AS x_revenue, CAST(sum(xc * c) AS DOUBLE) AS x_conversions, CAST(sum(seen) AS INTEGER) AS impressions
FROM per GROUP BY arm, audience_id ORDER BY arm, audience_id`;
}

function totalsOf(row: SumsRow): ArmTotals {
  return {
    arm: row.arm,
    exposures: row.exposures,
    conversions: row.conversions,
    revenue: row.revenue,
    revenue_squares: row.revenue_squares,
    covariate: { sum: row.x_sum, squares: row.x_squares, with_revenue: row.x_revenue, with_conversions: row.x_conversions },
  };
}

/**
 * The plan an experiment is read with: planned_exposures as set, or the total exposures at which every arm has the
 * sample minimum_effect needs at baseline_rate (80% power, α 0.05), traffic arriving at the weights. Settings only,
 * never outcomes, so looking cannot move it.
 */
function planOf(arms: readonly Arm[], control: string, sizing: Sizing): Plan {
  const base = planSchema.parse({ minimum_effect: sizing.minimum_effect, planned_exposures: 1 });
  if (sizing.planned_exposures !== undefined) return { ...base, planned_exposures: sizing.planned_exposures };
  const c = arms.find((arm) => arm.id === control)!;
  let total = 1;
  for (const arm of arms) {
    if (arm.id === control) continue;
    const need = requiredSample(sizing.baseline_rate, sizing.minimum_effect, base.alpha, base.power, arm.weight / c.weight);
    // A sized-for rate past 100% cannot be planned for: the fixed-horizon figures say so (sample null) and the
    // sequential intervals keep their guarantee at any planned size.
    if (need) total = Math.max(total, Math.ceil((need.control * 100) / c.weight), Math.ceil((need.variant * 100) / arm.weight));
  }
  return { ...base, planned_exposures: total };
}

interface ResultsInput {
  subject: ExperimentResults['subject'];
  arms: Arm[];
  control: string;
  goal: Goal;
  sizing: Sizing;
  exposed: Exposed;
  /** The audiences to split by, in the order to report them. */
  audiences: ReadonlyArray<{ id: string; name: string }>;
}

/** Reads the sums from the store and reports them: the one path behind a campaign's report and an audience holdout's. */
export async function readResults(store: Store, input: ResultsInput): Promise<ExperimentResults> {
  const asOf = (await store.one<{ t: string }>(sql`SELECT ${formatTimestamp(asTimestamp(now()))} AS t`))!.t;
  const rows = await store.all<SumsRow>(sumsQuery(input.exposed, input.goal));
  const overall = rows.filter((r) => r.audience_id === null);
  const plan = planOf(input.arms, input.control, input.sizing);
  const report = experimentReport({
    experiment_id: input.subject.id,
    arms: input.arms,
    control: input.control,
    plan,
    totals: overall.map(totalsOf),
    audiences: input.audiences.map((a) => ({ audience_id: a.id, totals: rows.filter((r) => r.audience_id === a.id).map(totalsOf) })),
  });
  const impressions = new Map(overall.map((r) => [r.arm, r.impressions]));
  return {
    subject: input.subject,
    as_of: asOf,
    goal: input.goal,
    sizing: input.sizing,
    arms: input.arms.map((arm) => ({
      id: arm.id,
      weight: arm.weight,
      holdout: arm.holdout === true,
      impressions: input.exposed.campaignId === null ? null : (impressions.get(arm.id) ?? 0),
    })),
    audiences: [...input.audiences],
    report,
  };
}

/**
 * A campaign's experiment report: exposures are the visitors decide assigned an arm (campaign_assignments), each
 * once, from their first assignment; the control is the holdout when there is one, else the first variant; the split
 * is by the audiences the campaign includes, as the visitor's customer was in them when assigned.
 */
export async function campaignReport(store: Store, idOrName: string): Promise<ExperimentResults> {
  const campaign = await getCampaign(store, idOrName);
  const experiment = campaign.experiment;
  if (!experiment) throw new ConflictError(`campaign "${campaign.id}" runs no experiment: there are no arms to compare`, { campaign: campaign.id });
  const arms = experimentArms(experiment);
  const names = new Map((await listAudiences(store)).map((a) => [a.id, a.name]));
  const known = sql`SELECT visitor_id, min(customer_id) AS customer_id FROM campaign_events
    WHERE campaign_id = ${campaign.id} AND customer_id IS NOT NULL GROUP BY visitor_id`;
  return readResults(store, {
    subject: { kind: 'campaign', id: campaign.id, name: campaign.name, status: campaign.status },
    arms,
    control: experiment.holdout > 0 ? HOLDOUT : arms[0]!.id,
    goal: experiment.goal,
    sizing: experiment.plan,
    exposed: {
      campaignId: campaign.id,
      // A visitor anonymous when assigned who signed in later is known by the customer their campaign events name.
      query: sql`SELECT a.visitor_id, a.variant AS arm, a.ts, coalesce(a.customer_id, k.customer_id) AS customer_id, a.audiences
        FROM campaign_assignments a LEFT JOIN (${known}) k USING (visitor_id) WHERE a.campaign_id = ${campaign.id}`,
    },
    audiences: campaign.targeting.audiences.include.map((id) => ({ id, name: names.get(id) ?? id })),
  });
}

