import type { Command } from 'commander';
import { behaviorPreview, type BehaviorPreview } from '../../behaviors/words/index.js';
import { contextOf, withStore } from '../context.js';
import { emit, table } from '../output.js';

const percent = (x: number | null): string => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);

function previewText(r: BehaviorPreview): string {
  const { reading, preview: p } = r;
  const lines = [`spec: ${r.spec}`, `read: ${reading.message}`];
  if (reading.llm_fallback) lines.push(`llm: ${reading.llm_fallback}`);
  for (const a of reading.ambiguities) lines.push(`note: "${a.words}": ${a.choice}${a.alternatives.length ? ` (else ${a.alternatives.join('; ')})` : ''}`);
  lines.push('', `${p.size} of ${p.customers} customers, ${percent(p.revenue_share)} of revenue, as of ${p.as_of}`);
  if (p.empty_reason) lines.push(`matches nobody: ${p.empty_reason}`);
  lines.push('', table([['remaining', 'after'], ...p.waterfall.map((w) => [w.remaining, w.condition])]));
  if (p.top_products.length) lines.push('', table([['product', 'title', 'category', 'units', 'buyers'], ...p.top_products.map((t) => [t.id, t.title, t.category, t.units, t.buyers])]));
  if (p.samples.length) lines.push('', table([['customer', 'revenue', 'reasons'], ...p.samples.map((s) => [s.customer_id, s.revenue?.toFixed(2), s.reasons])]));
  if (p.overlap.length) lines.push('', table([['overlaps', 'kind', 'shared', 'jaccard'], ...p.overlap.slice(0, 8).map((o) => [o.audience, o.kind, o.both, o.jaccard.toFixed(3)])]));
  return lines.join('\n');
}

/** `segmint behavior preview "TEXT"`: a custom behavior from words, read and previewed; nothing stored. */
export function registerBehavior(program: Command): void {
  const behavior = program.command('behavior').description('Custom behaviors from a description in your own words');
  behavior
    .command('preview')
    .description('Read a description into a rule (the spec), show how each word was read, and preview what it selects on the latest run')
    .argument('<text>', 'the description, e.g. "premium sneaker buyers who have not bought in 60 days"')
    .option('--spec <rule>', 'preview this rule instead of the one read from the words (after refining it)')
    .action(async (text: string, o: { spec?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const result = await withStore(ctx, (store) => behaviorPreview(store, { text, ...(o.spec === undefined ? {} : { spec: o.spec }) }, { llm: ctx.config.llm }));
      emit(ctx.options, result, () => previewText(result));
    });
}
