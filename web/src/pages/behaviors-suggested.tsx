import { useMemo } from 'react';
import type { BehaviorFamily } from '../api/types.js';
import type { ChartOption } from '../charts/echarts.js';
import { Chart } from '../components/chart.js';
import { count, percent } from '../format.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';

type Suggested = BehaviorFamily['suggested'][number];
type Signal = Suggested['signals'][number];

export const lift = (x: number | null): string => (x === null ? '–' : `×${x.toFixed(2)}`);

/** How far a signal pulls the members the behavior's way: its lift, inverted for a signal weighted down, as a log. */
const pull = (s: Signal): number => (s.lift === null || s.lift <= 0 ? 0 : Math.log(s.weight < 0 ? 1 / s.lift : s.lift) * Math.abs(s.weight));

/** The three signals on which members differ most from the store, their way. */
function topSignals(b: Suggested): Signal[] {
  return [...b.signals].sort((x, y) => pull(y) - pull(x)).slice(0, 3);
}

/**
 * One entity's suggested behaviors: a chart of their sizes and lift (a glance tells them apart), then a card each
 * with its size, lift, top signals and, for customers, the behavioral cluster of the same name and their agreement.
 */
export function SuggestedBehaviors({ family, noun }: { family: BehaviorFamily; noun: 'customers' | 'products' }) {
  const behaviors = family.suggested;
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
  return (
    <>
      <Chart title={`Suggested ${noun === 'customers' ? 'customer' : 'product'} behaviors: size and lift`} summary={chart.summary} option={chart.option} />
      <ul className="grid plain behaviors">
        {behaviors.map((b) => (
          <li key={b.id} className="card">
            <h3>{b.audience_id ? <Link to={pathOf('audience', { id: b.audience_id })}>{b.name}</Link> : b.name}</h3>
            <p className="small">{b.description}</p>
            <p>
              <span className="size">{count(b.size)}</span> {noun} of {count(b.scored)} scored ({percent(b.share)}) · lift {lift(b.lift)}
              {b.active === false ? <span className="flag">inactive</span> : null}
            </p>
            <p className="small muted">Top signals, members’ mean over the store’s:</p>
            <ul className="tags">
              {topSignals(b).map((s) => (
                <li key={s.signal}>
                  {s.signal} {lift(s.lift)}
                </li>
              ))}
            </ul>
            {b.cluster ? (
              <p className="small agreement">
                <strong>Cluster</strong> <Link to={pathOf('audience', { id: b.cluster.cluster_id })}>{b.cluster.name}</Link>: {percent(b.cluster.agreement)} of its{' '}
                {count(b.cluster.cluster_size)} customers score high here.
              </p>
            ) : null}
            <p className="small">
              <strong>Try:</strong> {b.action}
            </p>
          </li>
        ))}
      </ul>
    </>
  );
}

/**
 * The behavioral clusters beside the behaviors: one vocabulary, so a cluster named like a behavior should mostly hold
 * customers scoring high on it. A chart of that agreement, and every cluster with its size.
 */
export function ClusterAgreement({ family }: { family: BehaviorFamily }) {
  const chart = useMemo(() => {
    const named = family.suggested.flatMap((b) => (b.cluster ? [b.cluster] : []));
    const option: ChartOption = {
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: named.map((c) => c.name), axisLabel: { interval: 0, rotate: 40, width: 110, overflow: 'truncate' } },
      yAxis: { type: 'value', name: 'agreement', max: 100, axisLabel: { formatter: '{value}%' } },
      series: [{ type: 'bar', name: 'Cluster members scoring high on the behavior', data: named.map((c) => (c.agreement === null ? null : Math.round(c.agreement * 1000) / 10)) }],
    };
    const summary = `Of each behavioral cluster’s customers, the share scoring high on the behavior of the same name: ${named.map((c) => `${c.name} ${percent(c.agreement)} of ${count(c.cluster_size)}`).join('; ')}.`;
    return { option, summary, named, sharing: new Set(named.map((c) => c.cluster_id)) };
  }, [family]);
  return (
    <>
      {chart.named.length > 0 ? <Chart title="Agreement of each behavioral cluster with the behavior of its name" summary={chart.summary} option={chart.option} height={260} /> : null}
      <ul className="tags clusters">
        {family.clusters.map((c) => (
          <li key={c.id}>
            <Link to={pathOf('audience', { id: c.id })}>{c.name}</Link> {c.size === null ? '' : `${count(c.size)} customers`}
            {chart.sharing.has(c.id) ? '' : ' (no behavior of this name)'}
          </li>
        ))}
      </ul>
    </>
  );
}
