import type { Command } from 'commander';
import type { BehaviorFamily } from '../../audiences/behavior-family.js';
import { BEHAVIOR_ENTITIES } from '../../behaviors/specs.js';
import { ValidationError } from '../../shared/errors.js';
import { contextOf, withStore } from '../context.js';
import { choiceOption } from '../options.js';
import { emit, table } from '../output.js';

const pct = (v: number | null): string => (v === null ? '' : `${(v * 100).toFixed(1)}%`);
const times = (v: number | null): string => (v === null ? '' : `${v.toFixed(2)}x`);

function reportText(f: BehaviorFamily): string {
  const noun = f.entity === 'customers' ? 'customers' : 'products';
  return [
    `Suggested ${noun === 'customers' ? 'customer' : 'product'} behaviors as of ${f.as_of}`,
    table([
      ['name', 'members', `of ${noun} scored`, 'lift', 'signals', ...(f.entity === 'customers' ? ['cluster agreement'] : [])],
      ...f.suggested.map((b) => [
        b.name,
        b.size,
        `${pct(b.share)} of ${b.scored}`,
        times(b.lift),
        b.signals.map((s) => `${s.weight < 0 ? '-' : '+'}${s.signal} ${times(s.lift)}`).join(', '),
        ...(f.entity === 'customers' ? [b.cluster ? `${pct(b.cluster.agreement)} of cluster ${b.cluster.cluster_id}` : ''] : []),
      ]),
    ]),
  ].join('\n');
}

export function registerBehaviors(program: Command): void {
  program
    .command('behaviors')
    .description(
      "The suggested behaviors as the latest run kept them (scored only when no run kept them): sizes, lift on their signals, and (customers) agreement with the behavioral clusters of the same name; --json answers as GET /v1/behaviors",
    )
    .option('--entity <entity>', BEHAVIOR_ENTITIES.join(' | '), 'customers')
    .action(async (o: { entity: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const entity = choiceOption(o.entity, '--entity', BEHAVIOR_ENTITIES);
      const family = await withStore(ctx, async (store) => {
        const { behaviorFamily } = await import('../../audiences/behavior-family.js');
        const { featureTableAsOf } = await import('../../features/index.js');
        if (!(await featureTableAsOf(store))) throw new ValidationError('no feature table yet: run `segmint run` (or POST /v1/runs) first, then score behaviors on its features');
        return behaviorFamily(store, entity);
      });
      emit(ctx.options, family, () => reportText(family));
    });
}
