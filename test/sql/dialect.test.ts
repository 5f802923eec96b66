import { describe, expect, it } from 'vitest';
import { asTimestamp, clickhouseDialect, compile, dateDiff, days, listHasAny, sql, stringAgg, unnestRecords } from '../../src/sql/index.js';
import { clickhouseMigration } from '../../src/sql/clickhouse-ddl.js';
import { MIGRATIONS } from '../../src/store/migrations.js';

/** One statement, two engines: the hooks compile to each engine's spelling, and values stay bound on both. */
describe('SQL dialects', () => {
  const q = sql`SELECT 1 FROM events WHERE ts >= ${asTimestamp('2026-01-01')} - ${days(30)} AND ${listHasAny(sql`tags`, ['a', 'b'])} AND x = ${1.5} AND y = ${true} AND z IS NOT DISTINCT FROM ${null}`;

  it('emits DuckDB SQL as before, values as $n', () => {
    expect(compile(q)).toEqual({
      text: 'SELECT 1 FROM events WHERE ts >= CAST($1 AS TIMESTAMP) - $2 * INTERVAL 1 DAY AND list_has_any(tags, [$3, $4]::VARCHAR[]) AND x = $5 AND y = $6 AND z IS NOT DISTINCT FROM $7',
      values: ['2026-01-01', 30, 'a', 'b', 1.5, true, null],
    });
  });

  it("emits ClickHouse SQL, values as typed {pN:Type} parameters", () => {
    expect(compile(q, clickhouseDialect)).toEqual({
      text:
        "SELECT 1 FROM events WHERE ts >= toDateTime64({p1:String}, 6, 'UTC') - toIntervalDay({p2:Int64}) AND hasAny(tags, [{p3:String}, {p4:String}]) AND x = {p5:Float64} AND y = {p6:Bool} AND z IS NOT DISTINCT FROM {p7:Nullable(String)}",
      values: ['2026-01-01', 30, 'a', 'b', 1.5, true, null],
    });
  });

  it('writes code constants (units, separators, field names) as string literals, a quote doubled', () => {
    const constants = sql`SELECT ${dateDiff('day', sql`a`, sql`b`)}, ${stringAgg(sql`t`, "'; ", sql`t`)}, ${unnestRecords('r', [['id', 'VARCHAR']], [['x']])}`;
    expect(compile(constants).text).toBe("SELECT date_diff('day', a, b), string_agg(t, '''; ' ORDER BY t), unnest([{'id': $1}]) AS r");
    expect(compile(constants, clickhouseDialect).text).toBe(
      "SELECT dateDiff('day', a, b), arrayStringConcat(arrayMap(x -> x.1, arraySort(x -> x.2, groupArray(tuple(t, t)))), '''; '), arrayJoin([CAST(tuple({p1:String}) AS Tuple(id Nullable(String)))]) AS r",
    );
  });

  it('turns every migration into ClickHouse DDL, events ordered by customer and time', () => {
    const ddl = MIGRATIONS.flatMap((m) => m.statements.flatMap(clickhouseMigration));
    expect(ddl.find((s) => s.startsWith('CREATE TABLE events '))).toMatch(/ENGINE = MergeTree ORDER BY \(customer_id, ts\)/);
    expect(ddl.find((s) => s.startsWith('CREATE TABLE memberships '))).toMatch(/ENGINE = ReplacingMergeTree ORDER BY \(audience_id, as_of, customer_id\)/);
    expect(ddl.find((s) => s.startsWith('CREATE TABLE settings '))).toMatch(/key String, value String\) ENGINE = ReplacingMergeTree ORDER BY \(key\)/);
    expect(() => clickhouseMigration('DROP TABLE events')).toThrow(/no ClickHouse form/);
  });
});
