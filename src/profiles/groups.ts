import { z } from 'zod';
import { chooseK, kmeans } from '../models/index.js';
import { asTimestamp, jsonText, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { audienceCustomers } from './batch.js';

/**
 * An audience's profiles grouped by similar marketing brief (seed 002's first use case: one email version per group,
 * in the group's tone of voice and visual direction). Each kept profile of a member is a 0/1 row over the brief's
 * tone-of-voice and visual-direction values that at least MIN_SHARE of the profiles share; k-means (seeded, so the
 * same profiles always give the same groups) splits the rows into 3 or 4 groups, k chosen by silhouette as clusterings
 * choose theirs. A group's shared brief is its most common values, each with the share of its members holding it.
 */

/** Values rarer than this across the audience's profiles say too little about a group to split on. */
const MIN_SHARE = 0.05;
const K_MIN = 3;
const K_MAX = 4;
const SHARED_VALUES = 3;
const SAMPLE_CUSTOMERS = 10;

const sharedValueSchema = z.object({ value: z.string(), share: z.number().describe("share of the group's profiles holding it") });

export const profileGroupsSchema = z
  .object({
    audience: z.string().describe('audience id'),
    run: z.string().describe('the run whose members are grouped'),
    members: z.number().int(),
    profiled: z.number().int().describe('members with a kept profile: the ones grouped (make them with the batch)'),
    k_reason: z.string().describe('why this many groups'),
    groups: z.array(
      z.object({
        group: z.number().int().describe('1 for the largest'),
        size: z.number().int(),
        share: z.number().describe('of the profiles grouped'),
        tone_of_voice: z.array(sharedValueSchema).describe('its most common tone-of-voice values, most common first'),
        visual_direction: z.array(sharedValueSchema),
        customers: z.array(z.string()).describe(`up to ${SAMPLE_CUSTOMERS} of its customers, by id`),
      }),
    ),
  })
  .meta({ id: 'ProfileGroups' });
export type ProfileGroups = z.infer<typeof profileGroupsSchema>;

interface Brief {
  customer_id: string;
  tone_of_voice: string[];
  visual_direction: string[];
}

type Group = Pick<ProfileGroups['groups'][number], 'size' | 'tone_of_voice' | 'visual_direction' | 'customers'>;

function sharedValues(members: readonly Brief[], field: 'tone_of_voice' | 'visual_direction'): ProfileGroups['groups'][number]['tone_of_voice'] {
  const counts = new Map<string, number>();
  for (const b of members) for (const v of new Set(b[field])) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, SHARED_VALUES)
    .map(([value, n]) => ({ value, share: Number((n / members.length).toFixed(2)) }));
}

const groupOf = (members: readonly Brief[]): Group => ({
  size: members.length,
  tone_of_voice: sharedValues(members, 'tone_of_voice'),
  visual_direction: sharedValues(members, 'visual_direction'),
  customers: members.slice(0, SAMPLE_CUSTOMERS).map((b) => b.customer_id),
});

/** Briefs (in customer id order) into 3 or 4 groups, largest first; fewer when there are fewer distinct briefs. */
async function groupBriefs(briefs: readonly Brief[]): Promise<{ k_reason: string; groups: Group[] }> {
  const counts = new Map<string, number>();
  const termsOf = (b: Brief) => [...new Set([...b.tone_of_voice.map((v) => `tone:${v}`), ...b.visual_direction.map((v) => `visual:${v}`)])];
  for (const b of briefs) for (const t of termsOf(b)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const columns = [...counts].filter(([, n]) => n >= MIN_SHARE * briefs.length).map(([t]) => t).sort();
  const index = new Map(columns.map((t, i) => [t, i]));
  const rows = briefs.map((b) => termsOf(b).flatMap((t) => (index.has(t) ? [index.get(t)!] : [])));
  const distinct = new Map<string, number>();
  for (const r of rows) distinct.set(r.join(), distinct.size);

  let labels: ArrayLike<number>;
  let reason: string;
  if (distinct.size <= K_MAX) {
    // As few kinds of brief as groups wanted: each kind is a group, nothing to fit.
    labels = rows.map((r) => distinct.get(r.join())!);
    reason = `${distinct.size} distinct ${distinct.size === 1 ? 'brief' : 'briefs'} among the ${briefs.length} profiles: one group each`;
  } else {
    const data = new Float64Array(rows.length * columns.length);
    rows.forEach((r, i) => r.forEach((c) => (data[i * columns.length + c] = 1)));
    const chosen = await chooseK(data, rows.length, columns.length, { kMin: K_MIN, kMax: K_MAX, seed: 0 });
    labels = (await kmeans(data, rows.length, columns.length, { k: chosen.k, seed: 0 })).labels;
    reason = `k-means on ${columns.length} brief values held by at least ${MIN_SHARE * 100}% of the profiles; ${chosen.reason}`;
  }
  const members = new Map<number, Brief[]>();
  briefs.forEach((b, i) => {
    const group = members.get(labels[i]!);
    if (group) group.push(b);
    else members.set(labels[i]!, [b]);
  });
  const groups = [...members.values()].map(groupOf).sort((a, b) => b.size - a.size || a.customers[0]!.localeCompare(b.customers[0]!));
  return { k_reason: reason, groups };
}

/** The groups of an audience's kept profiles, as `segmint profiles --audience` and GET /v1/audiences/:id/profile-groups answer. */
export async function audienceProfileGroups(store: Store, audience: string): Promise<ProfileGroups> {
  const { audience: id, run, customers } = await audienceCustomers(store, audience);
  const rows = await store.all<{ customer_id: string; brief: string }>(sql`SELECT p.customer_id AS customer_id, ${jsonText(sql`p.profile`, ['marketing_brief'])} AS brief
    FROM memberships m JOIN customer_profiles p ON p.customer_id = m.customer_id
    WHERE m.audience_id = ${id} AND m.as_of = ${asTimestamp(run)} ORDER BY p.customer_id`);
  const briefs = rows.map((r) => {
    const brief = JSON.parse(r.brief) as Pick<Brief, 'tone_of_voice' | 'visual_direction'>;
    return { customer_id: r.customer_id, tone_of_voice: brief.tone_of_voice, visual_direction: brief.visual_direction };
  });
  const { k_reason, groups } = briefs.length ? await groupBriefs(briefs) : { k_reason: 'no member has a kept profile yet', groups: [] };
  return {
    audience: id,
    run,
    members: customers.length,
    profiled: briefs.length,
    k_reason,
    groups: groups.map((g, i) => ({ group: i + 1, share: Number((g.size / briefs.length).toFixed(2)), ...g })),
  };
}
