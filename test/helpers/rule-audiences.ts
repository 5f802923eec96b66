import { listAudiences } from '../../src/audiences/index.js';
import { insertAudience } from '../../src/audiences/repository.js';
import { rulesOf, type RuleAudience } from '../../src/audiences/rules.js';
import { generateDemo, importDemoFiles } from '../../src/demo/index.js';
import { FEATURE_TABLE, materializeFeatureTable } from '../../src/features/index.js';
import { storeThresholds, type Thresholds } from '../../src/segments/index.js';
import type { Store } from '../../src/store/index.js';
import { memoryStore, tempDir } from '../helpers.js';

/**
 * These rule audiences added to the store, with its feature table and thresholds as of `asOf`: what a run has before
 * its audiences stage, for the tests that store rule memberships (storeRuleMemberships) without a whole run.
 */
export async function ruleAudiencesAt(store: Store, audiences: ReadonlyArray<{ name: string; rule: string }>, asOf: string): Promise<{ rules: RuleAudience[]; idByName: Map<string, string>; thresholds: Thresholds }> {
  for (const a of audiences) await insertAudience(store, a);
  await materializeFeatureTable(store, asOf);
  const thresholds = await storeThresholds(store, FEATURE_TABLE);
  const active = (await listAudiences(store)).filter((a) => a.active);
  return { rules: rulesOf(active, thresholds), idByName: new Map(active.map((a) => [a.name, a.id])), thresholds };
}

/**
 * A store of the small demo (800 customers, seed 5) with these rule audiences added as `ruleAudiencesAt` adds them:
 * what the rule-membership tests share. `close` drops the store and its demo files.
 */
export async function demoWithRuleAudiences(
  audiences: ReadonlyArray<{ name: string; rule: string }>,
  asOf: string,
): Promise<{ store: Store; rules: RuleAudience[]; idByName: Map<string, string>; close: () => void }> {
  const dir = tempDir();
  const store = await memoryStore();
  await importDemoFiles(store, await generateDemo({ customers: 800, seed: 5, outDir: dir.path }));
  const { rules, idByName } = await ruleAudiencesAt(store, audiences, asOf);
  return { store, rules, idByName, close: () => { store.close(); dir.cleanup(); } };
}
