import { useMemo } from 'react';
import type { Audience, RfmGrid, RunHistory } from '../api/types.js';
import { useApi, type Loaded } from '../api/use-api.js';
import type { ChartOption } from '../charts/echarts.js';
import { Chart } from '../components/chart.js';
import { Sparkline } from '../components/sparkline.js';
import { Async } from '../components/state.js';
import { count, day, percent } from '../format.js';
import { Link, navigate } from '../router.js';
import { pathOf } from '../routes.js';
import { sizeSeries } from './trends.js';

/** The built-in segments: the ten smart segments as cards, and the RFM map. */
export function SegmentsPage() {
  const audiences = useApi<Audience[]>('/v1/audiences');
  const history = useApi<RunHistory>('/v1/runs');
  // Asked for with the others, not once they are in: the map is the page's first chart.
  const grid = useApi<RfmGrid>('/v1/rfm');
  return (
    <Async value={audiences} what="the segments">
      {(list) => (
        <Async value={history} what="the runs" isEmpty={(h) => h.runs.length === 0} empty={<p>No run yet: segments get their members at the first run (Overview, Run now).</p>}>
          {(h) => (
            <>
              <SmartCards audiences={list.filter((a) => a.kind === 'smart')} history={h} />
              <RfmMap grid={grid} audiences={list.filter((a) => a.kind === 'rfm')} />
              <p>
                Every audience, with its size and flags, is on the <Link to={pathOf('audiences')}>Audiences</Link> page; write your own with the{' '}
                <Link to={pathOf('new-audience')}>rule builder</Link>.
              </p>
            </>
          )}
        </Async>
      )}
    </Async>
  );
}

function SmartCards({ audiences, history }: { audiences: Audience[]; history: RunHistory }) {
  const last = history.runs.at(-1)!;
  const dates = history.runs.map((r) => r.as_of);
  return (
    <section aria-labelledby="smart-title">
      <h2 id="smart-title">Smart segments</h2>
      <p className="muted">
        At the run as of {day(last.as_of)}; the numbers in each rule are the store&apos;s own at that run.
      </p>
      <ul className="grid plain">
        {audiences.map((a) => {
          const ran = last.audiences.find((r) => r.id === a.id);
          return (
            <li key={a.id} className="card">
              <h3>
                <Link to={pathOf('audience', { id: a.id })}>{a.name}</Link>
              </h3>
              <p className="muted small">{a.description}</p>
              <p>
                <span className="size">{ran ? count(ran.size) : '–'}</span> customers · {ran && last.revenue > 0 ? percent(ran.revenue / last.revenue) : '–'} of revenue
              </p>
              <Sparkline values={sizeSeries(history, a.id)} dates={dates} />
              {ran?.rule_text ? <pre className="rule">{ran.rule_text}</pre> : null}
              {a.active ? null : <p className="flag">inactive</p>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function RfmMap({ grid, audiences }: { grid: Loaded<RfmGrid>; audiences: Audience[] }) {
  const idOf = (segment: string) => audiences.find((a) => a.definition.kind === 'rfm' && a.definition.segment === segment)?.id;
  return (
    <section aria-labelledby="rfm-title">
      <h2 id="rfm-title">RFM map</h2>
      <Async value={grid} what="the RFM map" isEmpty={(g) => g.cells.every((c) => c.customers === 0)} empty={<p>No customer with an order yet, so nobody to score.</p>}>
        {(g) => <RfmChart grid={g} idOf={idOf} />}
      </Async>
    </section>
  );
}

function RfmChart({ grid, idOf }: { grid: RfmGrid; idOf: (segment: string) => string | undefined }) {
  const segments = useMemo(() => {
    const bySegment = new Map<string, number>();
    for (const c of grid.cells) bySegment.set(c.segment, (bySegment.get(c.segment) ?? 0) + c.customers);
    return [...bySegment];
  }, [grid]);
  const option = useMemo((): ChartOption => {
    const max = Math.max(...grid.cells.map((c) => c.customers), 1);
    return {
      tooltip: { formatter: (p) => (Array.isArray(p) ? '' : `${p.name}<br/>${count((p.value as number[])[2] ?? 0)} customers`) },
      grid: { left: 36, right: 8, top: 8, bottom: 72, containLabel: true },
      xAxis: { type: 'category', data: ['1', '2', '3', '4', '5'], name: 'Recency score (5 = bought most recently)', nameLocation: 'middle', nameGap: 26 },
      yAxis: { type: 'category', data: ['1', '2', '3', '4', '5'], name: 'Frequency and money score', nameLocation: 'middle', nameGap: 26 },
      visualMap: { min: 0, max, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, inRange: { color: ['#dbeafe', '#1e3a8a'] }, text: [count(max), '0'] },
      series: [
        {
          type: 'heatmap',
          data: grid.cells.map((c) => ({
            name: c.segment,
            value: [c.r - 1, c.fm - 1, c.customers],
            label: { color: c.customers > max / 2 ? '#ffffff' : '#111827' },
          })),
          // The segment's name where a cell is wide enough for it, the count always.
          label: { show: true, fontSize: 11, lineHeight: 15, formatter: (p) => `${p.name}\n${count((p.value as number[])[2] ?? 0)}`, overflow: 'truncate', width: 140 },
          itemStyle: { borderColor: '#ffffff', borderWidth: 2 },
        },
      ],
      media: [{ query: { maxWidth: 560 }, option: { series: [{ label: { formatter: (p: { value?: unknown }) => count((p.value as number[])[2] ?? 0) } }] } }],
    };
  }, [grid]);
  const open = (segment: string) => {
    const id = idOf(segment);
    if (id) navigate(pathOf('audience', { id }));
  };
  const summary = `Customers per cell of the recency by frequency-and-money grid, as of ${day(grid.as_of)}: ${grid.cells
    .map((c) => `R ${c.r}, FM ${c.fm} (${c.segment}) ${count(c.customers)}`)
    .join('; ')}.`;
  return (
    <>
      <Chart title={`Customers per RFM cell, as of ${day(grid.as_of)}`} summary={summary} option={option} height={420} onClick={(c) => open(c.name)} />
      <h3>Members by segment</h3>
      <ul className="plain legend-list">
        {segments.map(([segment, customers]) => {
          const id = idOf(segment);
          return <li key={segment}>{id ? <Link to={pathOf('audience', { id })}>{segment}</Link> : segment}: {count(customers)}</li>;
        })}
      </ul>
    </>
  );
}
