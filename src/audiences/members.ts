import { z } from 'zod';
import { asTimestamp, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { runDate } from './overlap.js';
import { getAudience } from './repository.js';

/** One page of an audience's members at a stored run. */
export const membersPageSchema = z.object({
  audience: z.string().describe('audience id'),
  as_of: z.string(),
  total: z.number().int().describe('members in all'),
  limit: z.number().int(),
  offset: z.number().int(),
  members: z.array(
    z.object({
      customer_id: z.string(),
      score: z.number().describe('how strongly the customer belongs, 0 to 1; members are listed highest first'),
      reasons: z.string().nullable(),
    }),
  ),
});
export type MembersPage = z.infer<typeof membersPageSchema>;

/** One page of an audience's members at a stored run (the latest by default), highest score first. */
export async function audienceMembers(store: Store, idOrName: string, page: { limit: number; offset?: number; asOf?: string | undefined }): Promise<MembersPage> {
  const audience = await getAudience(store, idOrName);
  const at = await runDate(store, page.asOf);
  const offset = page.offset ?? 0;
  const where = sql`audience_id = ${audience.id} AND as_of = ${asTimestamp(at)}`;
  const total = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM memberships WHERE ${where}`);
  const members = await store.all<MembersPage['members'][number]>(sql`SELECT customer_id, score, reasons FROM memberships WHERE ${where}
    ORDER BY score DESC, customer_id LIMIT ${page.limit} OFFSET ${offset}`);
  return { audience: audience.id, as_of: at, total: total?.n ?? 0, limit: page.limit, offset, members };
}
