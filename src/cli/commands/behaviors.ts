import type { Command } from 'commander';
import type { BehaviorFamily } from '../../audiences/behavior-family.js';
import { BEHAVIOR_ENTITIES } from '../../behaviors/specs.js';
import { contextOf, withStore } from '../context.js';
import { choiceOption } from '../options.js';
import { emit, table } from '../output.js';

const pct = (v: number | null): string => (v === null ? '' : `${(v * 100).toFixed(1)}%`);
const times = (v: number | null): string => (v === null ? '' : `${v.toFixed(2)}x`);

function familyText(f: BehaviorFamily): string {
  const customers = f.entity === 'customers';
  const lines = [`Suggested ${customers ? 'customer' : 'product'} behaviors as of ${f.as_of}`];
  lines.push(
    table([
      ['name', 'members', `of ${f.entity} scored`, 'lift', 'signals', ...(customers ? ['active', 'cluster agreement'] : [])],
      ...f.suggested.map((b) => [
        b.name,
        b.size,
        `${pct(b.share)} of ${b.scored}`,
        times(b.lift),
        b.signals.map((s) => `${s.weight < 0 ? '-' : '+'}${s.signal} ${times(s.lift)}`).join(', '),
        ...(customers ? [b.active ? 'yes' : 'no', b.cluster ? `${pct(b.cluster.agreement)} of cluster ${b.cluster.cluster_id}` : ''] : []),
      ]),
    ]),
  );
  if (customers) {
    lines.push('', 'Custom behaviors', f.custom.length ? table([['id', 'name', 'active', 'members', 'spec'], ...f.custom.map((b) => [b.id, b.name, b.active ? 'yes' : 'no', b.size ?? '', b.spec])]) : '(none)');
    lines.push('', 'Behavioral clusters', f.clusters.length ? table([['id', 'name', 'members'], ...f.clusters.map((c) => [c.id, c.name, c.size ?? ''])]) : '(not fitted)');
  }
  return lines.join('\n');
}

/** The behaviors family as GET /v1/behaviors answers it, on `command`: `segmint behaviors` and `segmint behavior list` are one command under two names. */
export function familyCommand(command: Command): void {
  command
    .description(
      'The behaviors family as the latest run kept it (scored only when no run kept it): suggested behaviors with size, lift on their signals and (customers) agreement with the behavioral clusters of the same name, custom behaviors, behavioral clusters; --json answers as GET /v1/behaviors',
    )
    .option('--entity <entity>', BEHAVIOR_ENTITIES.join(' | '), 'customers')
    .action(async (o: { entity: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const entity = choiceOption(o.entity, '--entity', BEHAVIOR_ENTITIES);
      const family = await withStore(ctx, async (store) => {
        const { behaviorFamily } = await import('../../audiences/behavior-family.js');
        const { requireFeatureTable } = await import('../../features/index.js');
        await requireFeatureTable(store, 'score behaviors on its features');
        return behaviorFamily(store, entity);
      });
      emit(ctx.options, family, () => familyText(family));
    });
}

export function registerBehaviors(program: Command): void {
  familyCommand(program.command('behaviors'));
}
