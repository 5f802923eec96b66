import { sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { runDate } from './overlap.js';
import { getAudience } from './repository.js';

export interface MembersPage {
  audience: string;
  as_of: string;
  total: number;
  limit: number;
  offset: number;
  members: Array<{ customer_id: string; score: number; reasons: string | null }>;
}

/** One page of an audience's members at a stored run (the latest by default), highest score first. */
export async function audienceMembers(store: Store, idOrName: string, page: { limit: number; offset?: number; asOf?: string | undefined }): Promise<MembersPage> {
  const audience = await getAudience(store, idOrName);
  const at = await runDate(store, page.asOf);
  const offset = page.offset ?? 0;
  const where = sql`audience_id = ${audience.id} AND as_of = CAST(${at} AS TIMESTAMP)`;
  const total = await store.one<{ n: number }>(sql`SELECT count(*) AS n FROM memberships WHERE ${where}`);
  const members = await store.all<MembersPage['members'][number]>(sql`SELECT customer_id, score, reasons FROM memberships WHERE ${where}
    ORDER BY score DESC, customer_id LIMIT ${page.limit} OFFSET ${offset}`);
  return { audience: audience.id, as_of: at, total: total?.n ?? 0, limit: page.limit, offset, members };
}
