import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAudience } from '../../src/audiences/index.js';
import { fitProductClustering } from '../../src/clusters/index.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { fitClv, saveClvFit } from '../../src/models/clv/index.js';
import { createKey, Workspaces } from '../../src/server/index.js';
import { sql } from '../../src/sql/index.js';
import { importFile, presetMapping } from '../../src/store/index.js';
import { fitOnLatestRun, runPipeline } from '../../src/pipeline/index.js';

/** The run dates of the shop: three snapshots, so trends have a shape and movement has two dates to compare. */
export const RUN_DATES = ['2026-05-01 00:00:00', '2026-08-01 00:00:00', '2026-11-01 00:00:00'];

/** A small file with one row that cannot be read, so the shop has an import with something in quarantine. */
const LATE_EVENTS = [
  'id,type,ts,customer_id,product_id,order_id,quantity,unit_price',
  'late-1,view,2026-10-30 10:00:00,late-visitor,P00001,,,',
  'late-2,view,not a date,late-visitor,P00002,,,',
].join('\n');

/**
 * What every page of the dashboard has something to show for: the demo shop with three runs, both customer
 * clusterings and the product one, a CLV fit, a rule audience, and an import with a quarantined row. Returns an
 * admin key and the ids the pages are opened with.
 */
export async function demoShop(dir: string, customers = 1000): Promise<{ workspaces: Workspaces; key: string; customer: string; importId: string }> {
  const files = await generateDemo({ customers, seed: 12, outDir: join(dir, 'demo') });
  const workspaces = await Workspaces.open({ dbPath: join(dir, 'shop.duckdb') });
  const ids = await workspaces.use('default', async (s) => {
    await importDemoFiles(s, files);
    const late = join(dir, 'late-events.csv');
    writeFileSync(late, LATE_EVENTS);
    const { import_id } = await importFile(s, late, presetMapping('segmint-events'), { name: 'late-events.csv' });
    await createAudience(s, { name: 'Shoe lovers', rule: 'count(order where category = "shoes") >= 2' });
    for (const at of RUN_DATES) await runPipeline(s, at);
    await fitOnLatestRun(s, 'rfm', { seed: 1 });
    await fitOnLatestRun(s, 'behavior', { seed: 1 });
    await fitProductClustering(s, { seed: 1 });
    await saveClvFit(s, await fitClv(s, RUN_DATES.at(-1)!, 'day'));
    // A repeat buyer in a smart segment and a cluster, so the customer page has every part filled in.
    const customer = await s.one<{ id: string }>(sql`SELECT customer_id AS id FROM memberships
      WHERE as_of = CAST(${RUN_DATES.at(-1)!} AS TIMESTAMP) AND audience_id = 'smart-active-loyals' ORDER BY customer_id LIMIT 1`);
    return { customer: customer!.id, importId: import_id };
  });
  await workspaces.rebuildView('default');
  const key = (await createKey(workspaces.control, 'default', ['admin'], 'test')).key;
  return { workspaces, key, ...ids };
}
