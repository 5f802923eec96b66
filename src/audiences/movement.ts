import { z } from 'zod';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import { asTimestamp, formatTimestamp, join, sortedListAgg, sql } from '../sql/index.js';
import type { Store } from '../store/index.js';
import { keptWithRuns } from './kept-with-runs.js';
import { listAudiences } from './repository.js';
import { kindOf } from './kinds/index.js';
import { AUDIENCE_KINDS, type AudienceKind } from './schema.js';

export const NONE = '(none)';

const count = z.number().int();

/** How customers moved between the audiences of one kind from one stored run to another. */
export const movementSchema = z.object({
  from: z.string(),
  to: z.string(),
  kind: z.enum(AUDIENCE_KINDS),
  labels: z.array(z.string()).describe(`audience names in listing order, then "${NONE}"`),
  matrix: z
    .array(z.array(count))
    .describe('matrix[i][j]: customers whose primary audience (the first of the kind they belong to) was labels[i] at `from` and labels[j] at `to`'),
  audiences: z
    .array(z.object({ id: z.string(), name: z.string(), size_from: count, size_to: count, entered: count, left: count }))
    .describe('per audience, its members at each run and how many entered and left it, overlaps included'),
  trend: z
    .array(z.object({ as_of: z.string(), audience: z.string().describe('its name'), size: count, revenue: z.number() }))
    .describe('size and revenue of each audience of the kind at every stored run'),
});
export type Movement = z.infer<typeof movementSchema>;

async function requireRun(store: Store, at: string): Promise<void> {
  const run = await store.one(sql`SELECT 1 FROM runs WHERE as_of = ${asTimestamp(at)}`);
  if (!run) throw new NotFoundError(`no stored run as of ${at}; run \`segmint run --as-of ${at.slice(0, 10)}\` first`, { as_of: at });
}

/**
 * Movement between two snapshots. Audiences of one kind may overlap (a customer can be a Big Spender and an Active
 * Loyal), so the matrix places each customer in their primary audience: the first of the kind, in listing order,
 * that they belong to, or (none). Rows then add up to the sizes of primary audiences at `from`, columns at `to`;
 * for the RFM map, where segments never overlap, those are the segment sizes. `entered` and `left` count real
 * memberships, overlaps included.
 */
export async function movement(store: Store, from: string, to: string, kind: AudienceKind, family?: string): Promise<Movement> {
  await requireRun(store, from);
  await requireRun(store, to);
  // A family of a kind (one clustering, which partitions its buyers) makes movement exact, as for the RFM map.
  const audiences = (await listAudiences(store)).filter((a) => a.kind === kind && (!family || kindOf(kind).family?.(a.definition) === family));
  const labels = [...audiences.map((a) => a.name), NONE];
  if (audiences.length === 0) throw new ValidationError(`no audiences of kind ${kind}`, { kind });
  const ids = join(audiences.map((a) => sql`${a.id}`));
  const position = sql`CASE audience_id ${join(audiences.map((a, i) => sql`WHEN ${a.id} THEN ${i}`), ' ')} END`;
  const [a, b] = [asTimestamp(from), asTimestamp(to)];
  // One pass over the memberships: each customer's audiences of the kind at each date (listing positions), counted by
  // that pair of sets. There are few distinct pairs, and the matrix and the flows all follow from them.
  const moves = await keptWithRuns(
    store,
    `movement.${kind}.${family ?? ''}.${from}.${to}`,
    [from, to],
    () =>
      store.all<{ a: number[] | null; b: number[] | null; n: number }>(sql`
        SELECT a, b, count(*) AS n FROM (
          SELECT ${sortedListAgg(position, sql`as_of = ${a}`)} AS a, ${sortedListAgg(position, sql`as_of = ${b}`)} AS b
          FROM memberships WHERE audience_id IN (${ids}) AND as_of IN (${a}, ${b}) GROUP BY customer_id)
        GROUP BY ALL`),
    audiences.map((x) => x.id).join(','),
  );
  const none = labels.length - 1;
  const matrix = labels.map(() => labels.map(() => 0));
  const flows = audiences.map(() => ({ size_from: 0, size_to: 0, entered: 0, left: 0 }));
  for (const m of moves) {
    const [was, is] = [new Set(m.a ?? []), new Set(m.b ?? [])];
    // Positions come sorted: a customer's primary audience is the first.
    matrix[m.a?.[0] ?? none]![m.b?.[0] ?? none]! += m.n;
    for (const i of was) {
      flows[i]!.size_from += m.n;
      if (!is.has(i)) flows[i]!.left += m.n;
    }
    for (const i of is) {
      flows[i]!.size_to += m.n;
      if (!was.has(i)) flows[i]!.entered += m.n;
    }
  }
  const trend = await store.all<{ as_of: string; audience: string; size: number; revenue: number }>(sql`
    SELECT ${formatTimestamp(sql`r.as_of`)} AS as_of, a.name AS audience, r.size, r.revenue
    FROM audience_runs r JOIN audiences a ON a.id = r.audience_id WHERE a.kind = ${kind} ORDER BY r.as_of, a.name`);
  return {
    from,
    to,
    kind,
    labels,
    matrix,
    audiences: audiences.map((a, i) => ({ id: a.id, name: a.name, ...flows[i]! })),
    trend,
  };
}
