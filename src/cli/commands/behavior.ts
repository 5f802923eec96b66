import type { Command } from 'commander';
import type { CustomBehavior } from '../../audiences/custom-behaviors.js';
import type { BehaviorPreview, Preview, ReadingReport } from '../../behaviors/words/index.js';
import { UsageError } from '../../shared/errors.js';
import { contextOf, withStore } from '../context.js';
import { emit, table } from '../output.js';
import { familyCommand } from './behaviors.js';

const percent = (x: number | null): string => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);

function readingText(spec: string, reading: ReadingReport | null): string[] {
  const lines = [`spec: ${spec}`];
  if (!reading) return lines;
  lines.push(`read: ${reading.message}`);
  if (reading.llm_fallback) lines.push(`llm: ${reading.llm_fallback}`);
  for (const a of reading.ambiguities) lines.push(`note: "${a.words}": ${a.choice}${a.alternatives.length ? ` (else ${a.alternatives.join('; ')})` : ''}`);
  return lines;
}

function previewText(p: Preview): string[] {
  const lines = ['', `${p.size} of ${p.customers} customers, ${percent(p.revenue_share)} of revenue, as of ${p.as_of}`];
  if (p.empty_reason) lines.push(`matches nobody: ${p.empty_reason}`);
  lines.push('', table([['remaining', 'after'], ...p.waterfall.map((w) => [w.remaining, w.condition])]));
  if (p.top_products.length) lines.push('', table([['product', 'title', 'category', 'units', 'buyers'], ...p.top_products.map((t) => [t.id, t.title, t.category, t.units, t.buyers])]));
  if (p.samples.length) lines.push('', table([['customer', 'revenue', 'reasons'], ...p.samples.map((s) => [s.customer_id, s.revenue?.toFixed(2), s.reasons])]));
  if (p.overlap.length) lines.push('', table([['overlaps', 'kind', 'shared', 'jaccard'], ...p.overlap.slice(0, 8).map((o) => [o.audience, o.kind, o.both, o.jaccard.toFixed(3)])]));
  return lines;
}

const behaviorPreviewText = (r: BehaviorPreview): string => [...readingText(r.spec, r.reading), ...previewText(r.preview)].join('\n');

/** A custom behavior's state in a line: active with its size, or a draft. */
function stateLine(b: CustomBehavior): string {
  const size = b.size === null ? (b.note ?? '') : `${b.size.toLocaleString('en-US')} members as of ${b.as_of}`;
  return `${b.id}: ${b.name}, ${b.active ? `active, ${size}` : 'inactive (a draft): `segmint behavior activate` makes it an audience'}`;
}

/** `segmint behavior ...`: custom behaviors from words (preview, create, activate, deactivate) and the behaviors family. */
export function registerBehavior(program: Command): void {
  const behavior = program.command('behavior').description('Custom behaviors from a description in your own words, and the behaviors family');
  behavior
    .command('preview')
    .description('Read a description into a rule (the spec), show how each word was read, and preview what it selects on the latest run')
    .argument('<text>', 'the description, e.g. "premium sneaker buyers who have not bought in 60 days"')
    .option('--spec <rule>', 'preview this rule instead of the one read from the words (after refining it)')
    .action(async (text: string, o: { spec?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const result = await withStore(ctx, async (store) => {
        const { behaviorPreview } = await import('../../audiences/behavior-preview.js');
        return behaviorPreview(store, { text, ...(o.spec === undefined ? {} : { spec: o.spec }) }, { llm: ctx.config.llm });
      });
      emit(ctx.options, result, () => behaviorPreviewText(result));
    });
  behavior
    .command('create')
    .description('Keep a custom behavior made from words (or --spec): prints how it was read and its preview; a draft unless --activate')
    .requiredOption('--name <name>', 'a unique name')
    .argument('[text]', 'the description in words')
    .option('--spec <rule>', 'keep this rule instead of the one read from the words')
    .option('--activate', 'make it an audience at once (computed against the latest run, then at every run)')
    .action(async (text: string | undefined, o: { name: string; spec?: string; activate?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      if (text === undefined && o.spec === undefined) throw new UsageError('give the description (TEXT) or --spec');
      const b = await withStore(ctx, async (store) => {
        const { createBehavior } = await import('../../audiences/custom-behaviors.js');
        return createBehavior(store, { name: o.name, ...(text === undefined ? {} : { text }), ...(o.spec === undefined ? {} : { spec: o.spec }), active: o.activate === true }, { llm: ctx.config.llm });
      });
      emit(ctx.options, b, () => [`created ${stateLine(b)}`, ...readingText(b.spec, b.reading), ...(b.preview ? previewText(b.preview) : ['', 'no preview: no run yet'])].join('\n'));
    });
  for (const [action, active] of [['activate', true], ['deactivate', false]] as const) {
    behavior
      .command(action)
      .description(active ? 'Make a custom behavior an audience: computed at once against the latest run, then at every run and live' : 'Make a custom behavior a draft again')
      .argument('<behavior>', 'id or name')
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const b = await withStore(ctx, async (store) => {
          const { setBehaviorActive } = await import('../../audiences/custom-behaviors.js');
          return setBehaviorActive(store, id, active);
        });
        emit(ctx.options, b, () => `${action}d ${stateLine(b)}`);
      });
  }
  familyCommand(behavior.command('list'));
}
