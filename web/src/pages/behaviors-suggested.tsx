import { useMemo } from 'react';
import type { BehaviorsReport } from '../api/types.js';
import type { ChartOption } from '../charts/echarts.js';
import { Chart } from '../components/chart.js';
import { count, percent } from '../format.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';

type Described = BehaviorsReport['behaviors'][number];
type Agreement = BehaviorsReport['agreement'][number];

const lift = (x: number | null): string => (x === null ? '–' : `×${x.toFixed(2)}`);

/** The signals pulling a behavior's members most its way, by how far their mean is from the store's. */
function topSignals(b: Described): Described['signals'] {
  const pull = (s: Described['signals'][number]) => (s.lift === null ? 0 : Math.abs(Math.log(s.weight < 0 ? 1 / s.lift : s.lift)) * Math.abs(s.weight));
  return [...b.signals].sort((x, y) => pull(y) - pull(x)).slice(0, 3);
}

/**
 * One entity's suggested behaviors as cards (size, lift, top signals, and for customers the behavioral cluster of the
 * same name with their agreement) and a chart of sizes and lift, since a glance should tell them apart.
 */
export function SuggestedBehaviors({ behaviors, agreement, noun, audienceOf }: {
  behaviors: Described[];
  agreement: Agreement[];
  noun: 'customers' | 'products';
  /** The audience page of a behavior, when it is one (customer behaviors). */
  audienceOf?: (b: Described) => string | undefined;
}) {
  const chart = useMemo(() => {
    const names = behaviors.map((b) => b.name);
    const option: ChartOption = {
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 8, right: 8, top: 32, bottom: 40, containLabel: true },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: 40, width: 110, overflow: 'truncate' } },
      yAxis: [
        { type: 'value', name: noun },
        { type: 'value', name: 'lift', splitLine: { show: false } },
      ],
      series: [
        { type: 'bar', name: noun === 'customers' ? 'Members' : 'Products', data: behaviors.map((b) => b.size) },
        { type: 'bar', name: 'Lift on the leading signal', yAxisIndex: 1, data: behaviors.map((b) => (b.lift === null ? null : Math.round(b.lift * 100) / 100)) },
      ],
    };
    const summary = `${behaviors.length} behaviors: ${behaviors.map((b) => `${b.name} ${count(b.size)} ${noun}, lift ${lift(b.lift)}`).join('; ')}.`;
    return { option, summary };
  }, [behaviors, noun]);
  const agreementOf = new Map(agreement.map((a) => [a.behavior, a]));
  return (
    <>
      <Chart title={`Suggested behaviors: ${noun} and lift`} summary={chart.summary} option={chart.option} />
      <ul className="grid plain behaviors">
        {behaviors.map((b) => {
          const page = audienceOf?.(b);
          const a = agreementOf.get(b.id);
          return (
            <li key={b.id} className="card">
              <h3>{page ? <Link to={page}>{b.name}</Link> : b.name}</h3>
              <p className="small">{b.description}</p>
              <p>
                <span className="size">{count(b.size)}</span> {noun} of {count(b.scored)} scored ({percent(b.share)}) · lift {lift(b.lift)}
              </p>
              <p className="small muted">Top signals, members’ mean over the store’s:</p>
              <ul className="tags">
                {topSignals(b).map((s) => (
                  <li key={s.signal}>
                    {s.signal} {lift(s.lift)}
                  </li>
                ))}
              </ul>
              {a ? (
                <p className="small agreement">
                  <strong>Cluster</strong> <Link to={pathOf('audience', { id: a.cluster_id })}>{a.name}</Link>: {percent(a.agreement)} of its {count(a.cluster_size)} customers score high
                  here.
                </p>
              ) : null}
              <p className="small">
                <strong>Try:</strong> {b.action}
              </p>
            </li>
          );
        })}
      </ul>
    </>
  );
}
