import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Campaign, ExperimentResults } from '../../campaigns/index.js';
import { CAMPAIGN_STATUSES, STATUS_ACTIONS } from '../../campaigns/schema.js';
import { UsageError } from '../../shared/errors.js';
import { contextOf, withStore } from '../context.js';
import { choiceOption, integerOption, POSITIVE } from '../options.js';
import { emit, table } from '../output.js';

/** A campaign file: the same JSON as the body of POST /v1/campaigns. */
function readCampaignFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file: path });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path}: not JSON: ${(err as Error).message}`, { file: path });
  }
}

function line(c: Campaign): string {
  return `${c.id}: ${c.name} (${c.type}, ${c.status}, priority ${c.priority})`;
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(2)}%`);

/** The report as a terminal reads it: the arms' counts, then each comparison, or the warning that hides them. */
function resultsText(r: ExperimentResults): string {
  const o = r.report.overall;
  const lines = [`${r.subject.name}: ${o.exposures} exposed, control ${r.report.control}, conversion = ${r.goal.event} within ${r.goal.window_days} days`];
  lines.push(table([['arm', 'exposures', 'conversions', 'rate', 'revenue/visitor'], ...o.arms.map((a) => [a.arm, a.exposures, a.conversions, pct(a.conversion_rate), a.revenue_per_visitor?.toFixed(2) ?? '-'])]));
  if (o.comparisons === null) lines.push(`sample-ratio mismatch (p = ${o.srm?.p_value.toExponential(2)}): results hidden`);
  for (const c of o.comparisons ?? []) {
    const d = c.conversion_rate.difference;
    lines.push(`${c.arm}: ${d ? `${pct(d.estimate)} [${pct(d.ci.low)}, ${pct(d.ci.high)}]` : 'no estimate yet'}, p = ${c.conversion_rate.p_value?.toFixed(4) ?? '-'}, ${c.decision.replaceAll('_', ' ')}`);
  }
  if (o.warnings.length) lines.push(`warnings: ${o.warnings.join(', ')}`);
  return lines.join('\n');
}

export function registerCampaigns(program: Command): void {
  const campaign = program.command('campaign').description('On-site campaigns: popup banner, email collection, form-survey, notification bar, hero banner');
  campaign
    .command('create')
    .description('Create a campaign (a draft) from a JSON file, as the body of POST /v1/campaigns')
    .argument('<file>', 'the campaign as JSON: type, name, content, targeting, schedule, frequency_cap, consent, experiment')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      // The store is checked first: a mistyped --db is named before any file.
      const c = await withStore(ctx, async (store) => {
        const { createCampaign } = await import('../../campaigns/index.js');
        return createCampaign(store, readCampaignFile(file));
      });
      emit(ctx.options, c, () => `created ${line(c)}`);
    });
  campaign
    .command('update')
    .description("Replace a campaign's definition from a JSON file (same type; its status stays)")
    .argument('<campaign>', 'id or name')
    .argument('<file>', 'the campaign as JSON')
    .action(async (id: string, file: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const c = await withStore(ctx, async (store) => {
        const { replaceCampaign } = await import('../../campaigns/index.js');
        return replaceCampaign(store, id, readCampaignFile(file));
      });
      emit(ctx.options, c, () => `updated ${line(c)}`);
    });
  campaign
    .command('list')
    .description('Campaigns, highest priority first')
    .option('--status <status>', 'draft, active, paused or ended')
    .action(async (o: { status?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const status = o.status === undefined ? undefined : choiceOption(o.status, '--status', CAMPAIGN_STATUSES);
      const rows = await withStore(ctx, async (store) => {
        const { listCampaigns } = await import('../../campaigns/index.js');
        return listCampaigns(store, status);
      });
      emit(ctx.options, rows, () => table([['id', 'name', 'type', 'status', 'priority', 'updated'], ...rows.map((c) => [c.id, c.name, c.type, c.status, c.priority, c.updated_at])]));
    });
  campaign
    .command('show')
    .description('One campaign with its content, targeting, schedule, cap, consent and experiment')
    .argument('<campaign>', 'id or name')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const c = await withStore(ctx, async (store) => {
        const { getCampaign } = await import('../../campaigns/index.js');
        return getCampaign(store, id);
      });
      emit(ctx.options, c, () => [line(c), JSON.stringify({ content: c.content, targeting: c.targeting, schedule: c.schedule, frequency_cap: c.frequency_cap, consent: c.consent, experiment: c.experiment }, null, 2)].join('\n'));
    });
  campaign
    .command('report')
    .description("The experiment's results per variant and per audience, as GET /v1/campaigns/:id/report")
    .argument('<campaign>', 'id or name')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await withStore(ctx, async (store) => {
        const { campaignReport } = await import('../../campaigns/index.js');
        return campaignReport(store, id);
      });
      emit(ctx.options, r, () => resultsText(r));
    });
  campaign
    .command('holdout')
    .description("An audience's standing holdout: shown with no option, set with --share (PUT /v1/audiences/:id/holdout)")
    .argument('<audience>', 'audience id or name')
    .option('--share <percent>', 'percent of the members shown no campaign at all (up to 50)')
    .option('--window-days <n>', 'days after a member is first met in which their orders count', '30')
    .action(async (audience: string, o: { share?: string; windowDays: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const windowDays = integerOption(o.windowDays, '--window-days', POSITIVE);
      const h = await withStore(ctx, async (store) => {
        const { getAudienceHoldout, setAudienceHoldout } = await import('../../campaigns/index.js');
        return o.share === undefined ? getAudienceHoldout(store, audience) : setAudienceHoldout(store, audience, { share: Number(o.share), window_days: windowDays });
      });
      emit(ctx.options, h, () => `${h.audience_id}: ${h.share}% held out, orders counted for ${h.window_days} days`);
    });
  campaign
    .command('holdout-report')
    .description("The standing holdout's results: members held out against members shown campaigns, as GET /v1/audiences/:id/holdout-report")
    .argument('<audience>', 'audience id or name')
    .action(async (audience: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await withStore(ctx, async (store) => {
        const { audienceHoldoutReport } = await import('../../campaigns/index.js');
        return audienceHoldoutReport(store, audience);
      });
      emit(ctx.options, r, () => resultsText(r));
    });
  for (const { action: name, status, description } of STATUS_ACTIONS) {
    campaign
      .command(name)
      .description(description)
      .argument('<campaign>', 'id or name')
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const c = await withStore(ctx, async (store) => {
          const { setCampaignStatus } = await import('../../campaigns/index.js');
          return setCampaignStatus(store, id, status);
        });
        emit(ctx.options, c, () => line(c));
      });
  }
}
