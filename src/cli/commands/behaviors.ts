import type { Command } from 'commander';
import { BEHAVIOR_ENTITIES, behaviorsReport, type BehaviorEntity, type BehaviorsReport } from '../../behaviors/index.js';
import { loadModel } from '../../clusters/index.js';
import { FEATURE_TABLE, featureTableAsOf } from '../../features/index.js';
import { UsageError, ValidationError } from '../../shared/errors.js';
import { contextOf, withStore } from '../context.js';
import { emit, table } from '../output.js';

const pct = (v: number | null): string => (v === null ? '' : `${(v * 100).toFixed(1)}%`);
const times = (v: number | null): string => (v === null ? '' : `${v.toFixed(2)}x`);

function reportText(r: BehaviorsReport): string {
  const noun = r.entity === 'customers' ? 'customers' : 'products';
  const agreement = new Map(r.agreement.map((a) => [a.behavior, a]));
  return [
    `Suggested ${noun === 'customers' ? 'customer' : 'product'} behaviors as of ${r.as_of}`,
    table([
      ['name', 'members', `of ${noun} scored`, 'lift', 'signals', ...(r.entity === 'customers' ? ['cluster agreement'] : [])],
      ...r.behaviors.map((b) => [
        b.name,
        b.size,
        `${pct(b.share)} of ${b.scored}`,
        times(b.lift),
        b.signals.map((s) => `${s.weight < 0 ? '-' : '+'}${s.signal} ${times(s.lift)}`).join(', '),
        ...(r.entity === 'customers' ? [agreement.has(b.id) ? `${pct(agreement.get(b.id)!.agreement)} of cluster ${agreement.get(b.id)!.cluster_id}` : ''] : []),
      ]),
    ]),
  ].join('\n');
}

export function registerBehaviors(program: Command): void {
  program
    .command('behaviors')
    .description("Score the suggested behaviors as of the latest run's features: sizes, lift on their signals, and (customers) agreement with the behavioral clusters of the same name")
    .option('--entity <entity>', BEHAVIOR_ENTITIES.join(' | '), 'customers')
    .action(async (o: { entity: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      if (!(BEHAVIOR_ENTITIES as readonly string[]).includes(o.entity)) throw new UsageError(`--entity: "${o.entity}" is not one of ${BEHAVIOR_ENTITIES.join(', ')}`);
      const report = await withStore(ctx, async (store) => {
        const asOf = await featureTableAsOf(store);
        if (!asOf) throw new ValidationError('no feature table yet: run `segmint run` (or POST /v1/runs) first, then score behaviors on its features');
        const clusters = (await loadModel(store, 'behavior'))?.clusters;
        return behaviorsReport(store, o.entity as BehaviorEntity, { featureTable: FEATURE_TABLE, asOf, clusters });
      });
      emit(ctx.options, report, () => reportText(report));
    });
}
