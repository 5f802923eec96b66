import { z } from 'zod';
import { ValidationError } from '../shared/errors.js';
import { asTimestamp, boolOr, castTo, fromMillis, insertRowsIfAbsent, join, listOf, now, sql, type Sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { consentChannelSchema, DEFAULT_VARIANT, HOLDOUT, type Campaign } from './schema.js';
import type { Assignment, MemberAssignment } from './decide.js';
import { typeSpec, type SurveyQuestion } from './types/index.js';

const MAX_CAMPAIGN_EVENTS = 100;
/** Rows per INSERT (ids per lookup): a bound statement stays a few hundred kilobytes. */
const CHUNK = 1000;
const CAMPAIGN_EVENT_TYPES = ['impression', 'click', 'dismiss', 'submit', 'conversion'] as const;

const submissionSchema = z.strictObject({
  email: z.email().max(320).optional().describe('what an email collection form collected'),
  answers: z.record(z.string(), z.union([z.string().max(2000), z.number()])).optional().describe("a survey's answers by question id"),
  consent: z.partialRecord(consentChannelSchema, z.boolean()).default({}).describe('what the visitor agreed to, per channel'),
  text_shown: z.string().min(1).max(4000).describe('the text the visitor saw when submitting: title, consent wording, questions'),
});

const campaignEventSchema = z
  .strictObject({
    id: z.string().min(8).max(64).describe('made by the sender, so a batch sent again adds nothing'),
    campaign_id: z.string().min(1),
    variant: z.string().min(1).max(40),
    type: z.enum(CAMPAIGN_EVENT_TYPES),
    ts: z.iso.datetime({ offset: true }).optional().describe('when it happened (default: when received)'),
    url: z.string().max(2000).optional(),
    revenue: z.number().min(0).optional().describe('the order total, for a conversion'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR').optional(),
    submission: submissionSchema.optional().describe('with a submit, what the form collected'),
  })
  .refine((e) => (e.type === 'submit') === (e.submission !== undefined), { message: 'a submit carries a submission, and only a submit does', path: ['submission'] })
  .refine((e) => e.type === 'conversion' || e.revenue === undefined, { message: 'only a conversion carries revenue', path: ['revenue'] });

export const campaignEventBatchSchema = z
  .strictObject({
    visitor_id: z.string().min(1).max(128),
    customer_id: z.string().min(1).max(256).optional(),
    events: z.array(campaignEventSchema).min(1).max(MAX_CAMPAIGN_EVENTS),
  });
export type CampaignEventBatch = z.infer<typeof campaignEventBatchSchema>;
type CampaignEvent = CampaignEventBatch['events'][number];

export const campaignEventReportSchema = z.object({
  received: z.number().int(),
  stored: z.number().int().describe('new events; the rest were sent before'),
  submissions: z.number().int(),
});

function fail(at: string, i: number, field: string, message: string): never {
  throw new ValidationError(`${at}events[${i}].${field}: ${message}`, { field: `${at.replaceAll(/\[(\d+)\]/g, '.$1')}events.${i}.${field}` });
}

/** A submission the campaign's form can have made: the field its type collects, required answers, the consent it needs. */
function checkSubmission(campaign: Campaign, e: CampaignEvent, fail: (field: string, message: string) => never): void {
  const s = e.submission!;
  const collects = typeSpec(campaign.type).collects;
  if (collects === null) fail('submission', `a ${campaign.type} has no form`);
  if (collects === 'email' && !s.email) fail('submission.email', 'an email collection submission carries the email');
  if (collects === 'answers') {
    const questions = (campaign.content.questions ?? []) as SurveyQuestion[];
    const asked = new Set(questions.map((q) => q.id));
    for (const id of Object.keys(s.answers ?? {})) if (!asked.has(id)) fail(`submission.answers.${id}`, `campaign "${campaign.id}" asks no question "${id}"`);
    for (const q of questions) if (q.required && (s.answers?.[q.id] ?? '') === '') fail(`submission.answers.${q.id}`, 'is required');
  }
  // Nothing is kept without the consent the campaign needs: the form cannot be sent without it, so its absence is a faulty sender.
  if (campaign.consent !== null && s.consent[campaign.consent] !== true) fail(`submission.consent.${campaign.consent}`, `campaign "${campaign.id}" keeps what it collects only with ${campaign.consent} consent`);
}

type StoredBatch = { report: z.infer<typeof campaignEventReportSchema>; stored: CampaignEvent[] };

/**
 * Stores a batch of campaign events (and the submissions among them) in one transaction, all or none; events whose
 * id is stored already are skipped. Returns the events stored for the first time.
 */
export async function storeCampaignEvents(store: Store, batch: CampaignEventBatch, campaigns: ReadonlyMap<string, Campaign>): Promise<StoredBatch> {
  return (await storeCampaignEventBatches(store, [batch], campaigns))[0]!;
}

/**
 * Several visitors' batches as if each were stored in turn (an id sent in an earlier batch is skipped in a later one),
 * in one transaction, all or none, a few statements for them all: what seeds a shop's history without a commit per
 * visitor. An error names the batch (`batches[k].events[i]...`) when there are several.
 */
export async function storeCampaignEventBatches(store: Store, batches: readonly CampaignEventBatch[], campaigns: ReadonlyMap<string, Campaign>): Promise<StoredBatch[]> {
  batches.forEach((batch, k) => {
    const at = batches.length === 1 ? '' : `batches[${k}].`;
    batch.events.forEach((e, i) => {
      const campaign = campaigns.get(e.campaign_id);
      if (!campaign) fail(at, i, 'campaign_id', `no campaign "${e.campaign_id}"`);
      const variants = campaign.experiment ? [...campaign.experiment.variants.map((v) => v.id), HOLDOUT] : [DEFAULT_VARIANT];
      if (!variants.includes(e.variant)) fail(at, i, 'variant', `campaign "${campaign.id}" has no variant "${e.variant}" (${variants.join(', ')})`);
      if (e.type === 'submit') checkSubmission(campaign, e, (field, message) => fail(at, i, field, message));
    });
  });
  return store.transaction(async () => {
    const ids = [...new Set(batches.flatMap((b) => b.events.map((e) => e.id)))];
    const seen = new Set<string>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK).map((id) => sql`${id}`);
      for (const r of await store.all<{ id: string }>(sql`SELECT id FROM campaign_events WHERE id IN (${join(chunk)})`)) seen.add(r.id);
    }
    const when = (e: CampaignEvent) => (e.ts === undefined ? now() : asTimestamp(new Date(e.ts).toISOString().slice(0, 23).replace('T', ' ')));
    const events: Sql[] = [];
    const submissions: Sql[] = [];
    const out = batches.map((batch): StoredBatch => {
      // In the batches' order: the first of an id is stored, its repeats (in this batch or a later one) skipped.
      const fresh = batch.events.filter((e) => !seen.has(e.id) && seen.add(e.id));
      const customer = batch.customer_id ?? null;
      for (const e of fresh) events.push(sql`(${e.id}, ${e.campaign_id}, ${e.variant}, ${batch.visitor_id}, ${customer}, ${e.type}, ${when(e)}, ${e.url ?? null}, ${e.revenue ?? null}, ${e.currency ?? null}, ${now()})`);
      const submits = fresh.filter((e) => e.submission);
      for (const e of submits) {
        const s = e.submission!;
        submissions.push(sql`(${e.id}, ${e.campaign_id}, ${batch.visitor_id}, ${customer}, ${s.email ?? null}, ${s.answers ? JSON.stringify(s.answers) : null}, ${JSON.stringify(s.consent)}, ${s.text_shown}, ${when(e)})`);
      }
      return { report: { received: batch.events.length, stored: fresh.length, submissions: submits.length }, stored: fresh };
    });
    for (let i = 0; i < events.length; i += CHUNK) await store.run(sql`INSERT INTO campaign_events VALUES ${join(events.slice(i, i + CHUNK))}`);
    for (let i = 0; i < submissions.length; i += CHUNK) await store.run(sql`INSERT INTO campaign_submissions VALUES ${join(submissions.slice(i, i + CHUNK))}`);
    return out;
  });
}

/**
 * Each visitor's impressions and closings of the campaigns that are or may again be shown (active, paused), and
 * whether their arm is recorded, as stored: what a decider starts from.
 */
export async function storedExposures(store: Store): Promise<Array<{ visitor_id: string; campaign_id: string; impressions: number; closed: boolean; assigned: boolean }>> {
  return store.all(sql`WITH ev AS (SELECT e.visitor_id, e.campaign_id, CAST(count(*) FILTER (WHERE e.type = 'impression') AS INTEGER) AS impressions,
      ${boolOr(sql`e.type IN ('dismiss', 'submit')`)} AS closed
    FROM campaign_events e JOIN campaigns c ON c.id = e.campaign_id AND c.status IN ('active', 'paused')
    GROUP BY e.visitor_id, e.campaign_id),
  asg AS (SELECT a.visitor_id, a.campaign_id FROM campaign_assignments a JOIN campaigns c ON c.id = a.campaign_id AND c.status IN ('active', 'paused'))
  SELECT visitor_id, campaign_id, coalesce(ev.impressions, 0) AS impressions, CAST(coalesce(ev.closed, false) AS BOOLEAN) AS closed, CAST(asg.visitor_id IS NOT NULL AS BOOLEAN) AS assigned
  FROM ev FULL JOIN asg USING (visitor_id, campaign_id)`);
}

const ASSIGNMENT_COLUMNS = [['campaign_id', 'VARCHAR'], ['visitor_id', 'VARCHAR'], ['customer_id', 'VARCHAR'], ['variant', 'VARCHAR'], ['audiences', 'VARCHAR[]'], ['ts', 'TIMESTAMP']] as const;
const MEMBER_COLUMNS = [['audience_id', 'VARCHAR'], ['customer_id', 'VARCHAR'], ['arm', 'VARCHAR'], ['ts', 'TIMESTAMP']] as const;

/** Stores assignments decide made, once each: one already stored (a decider restarted, a visitor forgotten) is kept as it was. */
export async function storeAssignments(store: Store, rows: { campaigns: readonly Assignment[]; members: readonly MemberAssignment[] }): Promise<void> {
  const at = (ms: number) => fromMillis(ms);
  for (let i = 0; i < rows.campaigns.length; i += CHUNK) {
    const chunk = rows.campaigns.slice(i, i + CHUNK).map((a) => [a.campaign_id, a.visitor_id, a.customer_id, a.variant, castTo(listOf(a.audiences), 'VARCHAR[]'), at(a.ts_ms)]);
    await store.run(insertRowsIfAbsent(sql`campaign_assignments`, ASSIGNMENT_COLUMNS, ['campaign_id', 'visitor_id'], chunk));
  }
  for (let i = 0; i < rows.members.length; i += CHUNK) {
    const chunk = rows.members.slice(i, i + CHUNK).map((m) => [m.audience_id, m.customer_id, m.arm, at(m.ts_ms)]);
    await store.run(insertRowsIfAbsent(sql`audience_holdout_assignments`, MEMBER_COLUMNS, ['audience_id', 'customer_id'], chunk));
  }
}

/** The members decide has met under each audience's standing holdout, as stored. */
export async function storedMembersMet(store: Store): Promise<Array<{ audience_id: string; customer_id: string }>> {
  return store.all(sql`SELECT audience_id, customer_id FROM audience_holdout_assignments`);
}
