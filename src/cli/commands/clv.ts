import type { Command } from 'commander';
import { parseAsOf } from '../../features/as-of.js';
import type { ClvFit, CustomerClv, Discount, ModelFit } from '../../models/clv/index.js';
import { TIME_UNITS } from '../../models/clv/summary.js';
import { customerNotFound, UsageError } from '../../shared/errors.js';
import { contextOf, withStore } from '../context.js';
import { choiceOption, integerOption, POSITIVE } from '../options.js';
import { emit, table } from '../output.js';

const shown = (v: number | null): string => (v === null ? '' : String(+v.toPrecision(6)));

function modelText(name: string, m: ModelFit<object>): string {
  const errors = m.standard_errors as Record<string, number | null>;
  const state = !m.converged ? 'did not converge' : m.warnings.length ? `converged, with ${m.warnings.length} warning${m.warnings.length > 1 ? 's' : ''}` : 'converged';
  return [
    `${name}: ${m.customers} customers, log-likelihood ${m.log_likelihood.toFixed(2)}, ${state}`,
    table(Object.entries(m.params as Record<string, number>).map(([k, v]) => [`  ${k}`, shown(v), `± ${shown(errors[k] ?? null)}`])),
    ...m.warnings.map((w) => `  warning: ${w}`),
  ].join('\n');
}

function fitText(fit: ClvFit): string {
  return [
    `CLV models as of ${fit.as_of}: calibration to ${fit.calibration_end} inclusive (unit: ${fit.unit})`,
    modelText('BG/NBD', fit.bgnbd),
    modelText('Gamma-Gamma', fit.gamma_gamma),
  ].join('\n');
}

function customerText(c: CustomerClv): string {
  const s = c.summary;
  return [
    `${c.customer_id} as of ${c.as_of} (model as of ${c.model.as_of}, unit ${c.model.unit})`,
    table([
      ['repeat purchases (x)', s ? s.x : 'no purchase yet'],
      ['t_x, T', s ? `${shown(s.t_x)}, ${shown(s.T)}` : ''],
      ['mean repeat spend', s ? shown(s.monetary) : ''],
      ['P(alive)', shown(c.p_alive)],
      [`expected orders, ${c.expected_orders.days} days`, shown(c.expected_orders.value)],
      ['expected spend per order', shown(c.expected_spend)],
      [`CLV, ${c.clv.days} days at ${c.clv.discount.rate} a ${c.clv.discount.per}`, shown(c.clv.value)],
    ]),
  ].join('\n');
}

function discountOf(rate: string, per: string): Discount {
  const value = Number(rate);
  if (!(rate.trim() !== '' && value >= 0)) throw new UsageError(`--discount: "${rate}" is not a rate >= 0 (0.1 is 10%)`);
  return { rate: value, per: choiceOption(per, '--discount-per', ['month', 'year'] as const) };
}

export function registerClv(program: Command): void {
  const clv = program
    .command('clv')
    .description("A customer's P(alive), expected orders, spend and CLV from the stored BG/NBD and Gamma-Gamma fit (`clv fit` first)")
    .argument('<customer>', 'customer id')
    .option('--as-of <date>', 'score the history before this date (default: the day after the last event)')
    .option('--orders-days <days>', 'horizon of expected orders', '90')
    .option('--clv-days <days>', 'horizon of the CLV', '365')
    .option('--discount <rate>', 'discount rate, 0.1 = 10%', '0.1')
    .option('--discount-per <period>', 'month | year', 'year')
    .action(async (customer: string, o: { asOf?: string; ordersDays: string; clvDays: string; discount: string; discountPer: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const horizons = {
        ordersDays: integerOption(o.ordersDays, '--orders-days', POSITIVE),
        clvDays: integerOption(o.clvDays, '--clv-days', POSITIVE),
        discount: discountOf(o.discount, o.discountPer),
      };
      const result = await withStore(ctx, async (store) => {
        const { customerClv, loadClvFit } = await import('../../models/clv/index.js');
        const { defaultAsOf } = await import('../../features/index.js');
        const fit = await loadClvFit(store);
        const asOf = o.asOf ? parseAsOf(o.asOf, '--as-of') : await defaultAsOf(store);
        const scored = await customerClv(store, fit, asOf, customer, horizons);
        if (!scored) throw customerNotFound(customer);
        return scored;
      });
      emit(ctx.options, result, () => customerText(result));
    });

  clv
    .command('fit')
    .description('Fit BG/NBD and Gamma-Gamma by maximum likelihood and store the fit for `segmint clv CUSTOMER`')
    .option('--until <date>', 'only events strictly before this date (default: the day after the last event)')
    .option('--unit <unit>', 'day | week: the time unit of t_x, T and alpha', 'day')
    .action(async (o: { until?: string; unit: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const unit = choiceOption(o.unit, '--unit', TIME_UNITS);
      const fit = await withStore(ctx, async (store) => {
        const { fitClv, saveClvFit } = await import('../../models/clv/index.js');
        const { defaultAsOf } = await import('../../features/index.js');
        const f = await fitClv(store, o.until ? parseAsOf(o.until, '--until') : await defaultAsOf(store), unit);
        await saveClvFit(store, f);
        return f;
      });
      emit(ctx.options, fit, () => fitText(fit));
    });
}
