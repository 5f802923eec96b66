import { z } from 'zod';
import { ImportError, UsageError } from '../../shared/errors.js';
import { sql } from '../../sql/index.js';
import type { Store } from '../store.js';
import { UNMAPPED_REASON } from './staging.js';

/** How many rejected rows an import may have before it fails and stores nothing: a count, or a share of its rows. */
export type RejectLimit = { count: number } | { percent: number };

/** `10` or `2.5%`; `label` names the option in the message (`--max-rejected`, `max_rejected`). */
export function parseRejectLimit(text: string, label: string): RejectLimit {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent && Number(percent[1]) <= 100) return { percent: Number(percent[1]) };
  if (/^\d+$/.test(text)) return { count: Number(text) };
  throw new UsageError(`${label}: "${text}" is not a number of rows (10) or a percentage of them (2.5%)`, { [label]: text });
}

function allowed(limit: RejectLimit, rows: number): number {
  return 'count' in limit ? limit.count : Math.floor((rows * limit.percent) / 100);
}

function limitText(limit: RejectLimit, rows: number): string {
  return 'count' in limit ? `${limit.count}` : `${limit.percent}% of ${rows} rows, ${allowed(limit, rows)}`;
}

/**
 * The commonest reasons among an import's quarantined rows, with how many rows each. Reasons that differ only by the
 * value they quote ("cannot read as a timestamp (ts): yesterday") count together, shown with their first row.
 */
async function topReasons(store: Store, importId: string, n = 3): Promise<string> {
  const rows = await store.all<{ n: number; line: number | null; reason: string }>(sql`
    SELECT count(*) AS n, min(line) AS line, arg_min(reason, coalesce(line, 0)) AS reason FROM quarantine WHERE import_id = ${importId}
    GROUP BY column_name, trim(regexp_extract(reason, '^[^:"]*')) ORDER BY n DESC, line LIMIT ${n}`);
  return rows.map((r) => `${r.n} × ${r.reason}${r.line === null ? '' : ` (line ${r.line}${r.n > 1 ? ' and alike' : ''})`}`).join('; ');
}

/** A value found in a mapped column that the column's value map lacks, and how many rows quarantine holds for it. */
export const unmappedValueSchema = z.object({ field: z.string(), column: z.string().nullable(), value: z.string(), rows: z.number().int() });
export type UnmappedValue = z.infer<typeof unmappedValueSchema>;

/** How many unmapped values a report lists, the commonest first; quarantine holds every row. */
export const UNMAPPED_LISTED = 20;

export async function unmappedValues(store: Store, importId: string): Promise<UnmappedValue[]> {
  return store.all<UnmappedValue>(sql`SELECT regexp_extract(reason, ${UNMAPPED_REASON}, 2) AS field, column_name AS "column",
      regexp_extract(reason, ${UNMAPPED_REASON}, 1) AS value, count(*) AS rows
    FROM quarantine WHERE import_id = ${importId} AND regexp_full_match(reason, ${UNMAPPED_REASON})
    GROUP BY ALL ORDER BY rows DESC, field, value LIMIT ${UNMAPPED_LISTED}`);
}

export interface RejectionCounts {
  file: string;
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

/**
 * Fails an import, inside its transaction so that nothing of it is stored, when every row was rejected, or more rows
 * than `limit` allows. The message gives the counts and the top reasons.
 */
export async function refuseRejections(store: Store, importId: string, r: RejectionCounts, limit: RejectLimit | undefined): Promise<void> {
  const nothing = r.rejected > 0 && r.accepted === 0 && r.duplicates === 0;
  const over = limit !== undefined && r.rejected > allowed(limit, r.rows);
  if (!nothing && !over) return;
  const what = nothing ? `all ${r.rejected} rows rejected` : `${r.rejected} of ${r.rows} rows rejected, more than the limit of ${limitText(limit!, r.rows)}`;
  throw new ImportError(`${r.file}: ${what}; nothing imported. Top reasons: ${await topReasons(store, importId)}`, {
    file: r.file,
    rows: r.rows,
    rejected: r.rejected,
    ...(limit && { allowed: allowed(limit, r.rows) }),
  });
}
