import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BYTES_PER_CUSTOMER, LiveView, viewBytes } from '../../src/audiences/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { MIN_MEMORY, memoryBudget, parseMemory } from '../../src/shared/memory.js';
import { sql } from '../../src/sql/index.js';
import { ingestEventBatch, Store, type EventInput } from '../../src/store/index.js';
import { ENGINES } from '../engines.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.cleanup());

/** Distinct 32-character strings: a hash table of them needs about 300 MB, more than DuckDB's share of MIN_MEMORY. */
const LARGE = sql`SELECT count(DISTINCT x) AS n FROM (SELECT md5(CAST(i AS VARCHAR)) AS x FROM range(4000000) t(i))`;

describe('the memory setting', () => {
  it('reads sizes in DuckDB units and refuses what is not one', () => {
    expect(parseMemory('2GB')).toBe(2e9);
    expect(parseMemory('1.5GiB')).toBe(1.5 * 2 ** 30);
    expect(parseMemory(' 1500 mb ')).toBe(1.5e9);
    for (const bad of ['2', 'GB', '2 GBs', '-2GB', '1e9B', '100MB']) expect(parseMemory(bad), bad).toBeUndefined();
    expect(parseMemory(`${MIN_MEMORY}B`)).toBe(MIN_MEMORY);
  });

  it("gives DuckDB its share, and what does not fit in it spills to disk instead of failing", async () => {
    const memory = memoryBudget(MIN_MEMORY);
    const store = await Store.open({ path: ':memory:', memory });
    const limit = await store.one<{ bytes: string }>(sql`SELECT current_setting('memory_limit') AS bytes`);
    expect(limit?.bytes).toBe(`${Math.floor(memory.duckdb / 2 ** 20).toFixed(1)} MiB`);
    expect(await store.one(LARGE)).toEqual({ n: 4000000 });
    store.close();
    // The same work with nowhere to spill does not fit: so the answer above came from the disk, not from luck.
    const unspilled = await Store.open({ path: ':memory:', memory });
    await unspilled.run(sql`SET temp_directory = ''`);
    await expect(unspilled.one(LARGE)).rejects.toThrow(/Out of Memory/i);
    unspilled.close();
  });

  it("lends DuckDB's pool to the structures while they hold theirs: cached blocks go, the limit comes back after", async () => {
    const memory = memoryBudget(600e6);
    const store = await Store.open({ path: join(dir.path, 'lend.duckdb'), memory });
    const limit = async () => (await store.one<{ m: string }>(sql`SELECT current_setting('memory_limit') AS m`))!.m;
    const pooled = async () => (await store.one<{ b: number }>(sql`SELECT sum(memory_usage_bytes) AS b FROM duckdb_memory()`))!.b;
    const mib = (bytes: number) => `${Math.floor(bytes / 2 ** 20).toFixed(1)} MiB`;
    // About 240 MB of a stored table's blocks (random doubles do not compress), which DuckDB keeps in its pool once read.
    await store.run(sql`CREATE TABLE cached AS SELECT random() AS a, random() AS b, random() AS c FROM range(10000000) t(i)`);
    await store.run(sql`CHECKPOINT`);
    expect(await store.one(sql`SELECT count(*) FILTER (WHERE a + b + c >= 0) AS n FROM cached`)).toEqual({ n: 10000000 });
    expect(await pooled()).toBeGreaterThan(memory.duckdb - memory.structures);
    const held = await store.lending(memory.structures, async () => {
      const inside = { limit: await limit(), pooled: await pooled() };
      // Overlapping lenders never take DuckDB below what it keeps with the whole share lent.
      const nested = await store.lending(memory.structures, limit);
      return { ...inside, nested, after: await limit() };
    });
    expect(held.limit).toBe(mib(memory.duckdb - memory.structures));
    expect(held.pooled).toBeLessThanOrEqual(memory.duckdb - memory.structures);
    expect(held.nested).toBe(mib(memory.duckdb - memory.structures));
    expect(held.after).toBe(mib(memory.duckdb - memory.structures));
    expect(await limit()).toBe(mib(memory.duckdb));
    // Given back even when the work fails.
    await expect(store.lending(1e8, () => Promise.reject(new Error('fit failed')))).rejects.toThrow('fit failed');
    expect(await limit()).toBe(mib(memory.duckdb));
    store.close();
  });

  it.skipIf(!ENGINES.includes('chdb'))("gives embedded ClickHouse the engine's share: a GROUP BY past half of it spills to disk", async () => {
    const memory = memoryBudget(MIN_MEMORY);
    const store = await Store.open({ path: `chdb:${join(dir.path, 'spill')}`, memory, threads: 2 });
    const settings = await store.all<{ name: string; value: string }>(
      sql`SELECT name, value FROM system.settings WHERE name IN ('max_bytes_before_external_group_by', 'max_bytes_before_external_sort', 'max_threads') ORDER BY name`,
    );
    const half = String(Math.floor(memory.duckdb / 2));
    expect(settings).toEqual([
      { name: 'max_bytes_before_external_group_by', value: half },
      { name: 'max_bytes_before_external_sort', value: half },
      { name: 'max_threads', value: '2' },
    ]);
    // chdb's own default spills past half the machine's memory, far above this hash table (about 300 MB): the parts
    // written to disk come from the setting.
    const spilled = sql`SELECT coalesce(sum(value), 0) AS n FROM system.events WHERE event = 'ExternalAggregationWritePart'`;
    const before = (await store.one<{ n: number }>(spilled))!.n;
    expect(await store.one(sql`SELECT count() AS n FROM (SELECT x FROM (SELECT MD5(toString(number)) AS x FROM numbers(4000000)) GROUP BY x)`)).toEqual({ n: 4000000 });
    expect((await store.one<{ n: number }>(spilled))!.n).toBeGreaterThan(before);
    store.close();
  });

  it("holds every event in the live view when they fit the setting's share for structures, else the rules' events, else builds none", async () => {
    const path = join(dir.path, 'view.duckdb');
    const filled = await Store.open({ path });
    await importDemoFiles(filled, await generateDemo({ customers: 300, seed: 5, outDir: join(dir.path, 'demo') }));
    await runPipeline(filled, '2026-11-01 00:00:00');
    const ids = (await filled.all<{ id: string }>(sql`SELECT id FROM customers ORDER BY id`)).map((c) => c.id);
    const both = await viewBytes(filled);
    filled.close();
    // BYTES_PER_CUSTOMER, as measured, and the events' part (live-view.ts: the recent events' columns, the ids' filter,
    // the folded aggregates): with room for both every event is held; with room for the customers alone (a byte less than both, or just the customers),
    // the rules' events, as main's view held them (lookups from memory); a byte less than the customers, no view.
    const customersOnly = 300 * BYTES_PER_CUSTOMER;
    expect(both).toBeGreaterThan(customersOnly);
    const answers = new Map<number, unknown>();
    for (const [room, holds] of [[both, 'every event'], [both - 1, "the rules' events"], [customersOnly, "the rules' events"], [customersOnly - 1, undefined]] as const) {
      const store = await Store.open({ path, memory: { ...memoryBudget(), structures: room } });
      const view = await LiveView.build(store);
      expect(view?.holds, `room of ${room} bytes`).toBe(holds);
      if (view) answers.set(room, ids.map((id) => view.audiencesOf(id)));
      store.close();
    }
    // Either mode answers every customer from memory, the same.
    expect((answers.get(both) as unknown[]).every((a) => a !== undefined)).toBe(true);
    expect(answers.get(both - 1)).toEqual(answers.get(both));

    // A batch through either mode (on copies of the store): the rules' events' view works its customers out from the
    // store, the other from the events it holds; both answer them the same, as of the day after the batch.
    copyFileSync(path, `${path}.copy`);
    const who = ids.slice(0, 3);
    const batch = who.flatMap((id, i): EventInput[] => [
      { id: `late-${i}-a`, type: 'add_to_cart', ts: '2026-11-03T10:00:00Z', customer_id: id, product_id: 'late-sku', quantity: 1, unit_price: 40 },
      { id: `late-${i}-o`, type: 'order', ts: '2026-11-03T10:05:00Z', customer_id: id, product_id: 'late-sku', order_id: `late-${i}`, quantity: 3, unit_price: 400 },
    ]);
    const after = new Map<string, unknown>();
    for (const [file, room, holds] of [[path, both, 'every event'], [`${path}.copy`, customersOnly, "the rules' events"]] as const) {
      const store = await Store.open({ path: file, memory: { ...memoryBudget(), structures: room } });
      const view = (await LiveView.build(store))!;
      expect(view.holds).toBe(holds);
      const report = await ingestEventBatch(store, batch, view.knownIds());
      view.take(report.stored);
      expect([...(await view.refresh(store, who))].sort()).toEqual(who);
      after.set(holds, who.map((id) => ({ ...view.audiencesOf(id), orders: view.featuresOf(id)?.orders })));
      store.close();
    }
    expect(after.get("the rules' events")).toEqual(after.get('every event'));
    expect(after.get('every event')).toMatchObject(who.map((id) => ({ customer_id: id, as_of: '2026-11-04 00:00:00', source: 'live' })));
  });

  it('is a usage error (exit 2) naming the setting when malformed, from the flag or the environment', () => {
    const db = join(dir.path, 'none.duckdb');
    const flag = runCli(['--db', db, '--memory', '2 gigs', 'import', 'x.csv'], { env: { SEGMINT_MEMORY_LIMIT: undefined } });
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim()).toBe('segmint: --memory: "2 gigs" is not a size such as 2GB, 1500MB or 1.5GiB, at least 256MB');
    const variable = runCli(['--db', db, 'stats'], { env: { SEGMINT_MEMORY_LIMIT: '12' } });
    expect(variable.code).toBe(2);
    expect(variable.stderr.trim()).toBe('segmint: invalid environment: SEGMINT_MEMORY_LIMIT: "12" is not a size such as 2GB, 1500MB or 1.5GiB, at least 256MB');
  });
});
