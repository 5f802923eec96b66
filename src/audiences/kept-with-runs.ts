import { asTimestamp, join, md5, sql, stringAgg } from '../sql/index.js';
import { keptWhile, type Store } from '../store/index.js';

/**
 * `compute`'s answer over the memberships stored at some run dates, kept in the settings under `key` until those
 * change: a rerun of a date (its run time), an audience materialized or dropped there (the sizes), an erasure (the
 * member rows). Movement and the near-duplicate check join a run's members with each other, which on a million
 * customers takes longer than a page should wait, and the snapshots rarely change. `alsoDependsOn` names whatever
 * else the answer reads (the audiences it counts, in their order).
 */
export function keptWithRuns<T>(store: Store, key: string, dates: readonly string[], compute: () => Promise<T>, alsoDependsOn = ''): Promise<T> {
  const version = join(
    dates.map((d) => {
      const at = asTimestamp(d);
      return sql`coalesce((SELECT CAST(run_at AS VARCHAR) FROM runs WHERE as_of = ${at}), '')
        || ' ' || coalesce((SELECT ${md5(stringAgg(sql`audience_id || ':' || CAST(size AS VARCHAR)`, ',', sql`audience_id`))} FROM audience_runs WHERE as_of = ${at}), '')
        || ' ' || (SELECT count(*) FROM memberships WHERE as_of = ${at})`;
    }),
    " || '/' || ",
  );
  return keptWhile(store, key, sql`SELECT ${version} || ' ' || ${alsoDependsOn}`, compute);
}
