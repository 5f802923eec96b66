import { z } from 'zod';
import { RFM_SEGMENTS, rfmQuery } from '../../segments/index.js';
import { slug } from '../../shared/slug.js';
import { sql, valuesOf } from '../../sql/index.js';
import { defineKind } from './kind.js';

/** One cell group of the RFM map: a position in the whole population, so live answers take the latest run's. */
export const rfmKind = defineKind({
  kind: 'rfm',
  label: 'RFM segments',
  noun: 'an RFM cell group',
  about: 'One group of cells of the RFM map (recency, frequency and money quintiles over the whole population).',
  definition: z.strictObject({ kind: z.literal('rfm'), segment: z.string().min(1) }),
  order: 1,
  userDefined: false,
  hiddenWhenInactive: false,
  landmark: false,
  builtins: () =>
    RFM_SEGMENTS.map((s) => ({ id: `rfm-${slug(s.name)}`, name: `RFM: ${s.name}`, description: s.description, definition: { kind: 'rfm' as const, segment: s.name } })),
  describe: (d) => `RFM segment ${d.segment}`,
  compute: {
    by: 'sql',
    materialize: (run, audiences) => {
      if (audiences.length === 0) return Promise.resolve(undefined);
      const cells = valuesOf('a', [['id', 'VARCHAR'], ['segment', 'VARCHAR']], audiences.map((a) => [a.id, a.definition.segment]));
      return Promise.resolve(sql`SELECT a.id AS audience_id, r.customer_id, (r.r + r.f + r.m) / 15.0 AS score,
          'R ' || r.r || ', F ' || r.f || ', M ' || r.m || ' (FM ' || r.fm || ')' AS reasons
        FROM (${rfmQuery(run.table)}) r JOIN ${cells} ON a.segment = r.segment`);
    },
    live: 'snapshot',
  },
});
