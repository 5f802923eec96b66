import { useMemo } from 'react';
import { api } from '../api/client.js';
import type { Clustering, ClusterSample } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import type { ChartOption } from '../charts/echarts.js';
import { Chart } from '../components/chart.js';
import { ActionStatus, Async } from '../components/state.js';
import { count, day, money, percent } from '../format.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';

/**
 * The clusterings on the page: customers (each cluster an audience, with a scatter of a sample of its customers) and
 * products. `noun` is what a clustering groups, `spend` what its average_spend is per.
 */
const METHODS = [
  { method: 'rfm', title: 'RFM clusters', about: 'Customers grouped by recency, frequency and spend.', noun: 'customers', spend: 'average spend', customers: true },
  { method: 'behavior', title: 'Behavioral clusters', about: 'Customers grouped by how they buy: styles, discounts, basket, timing.', noun: 'customers', spend: 'average spend', customers: true },
  { method: 'products', title: 'Product clusters', about: 'Products grouped by sales, buyers, repeat buying, views, price, category and style.', noun: 'products', spend: 'average revenue per product', customers: false },
] as const;

type Method = (typeof METHODS)[number];

/** The clusterings as named cards, with their sizes and spending, and where customers sit. */
export function ClustersPage() {
  return (
    <>
      {METHODS.map((m) => (
        <ClusteringSection key={m.method} {...m} />
      ))}
    </>
  );
}

function ClusteringSection(m: Method) {
  const clustering = useApi<Clustering>(`/v1/clusters/${m.method}`);
  const [fit, startFit] = useAction(() => api<Clustering>('/v1/clusters', { method: 'POST', body: { method: m.method } }));
  const heading = `${m.method}-clusters`;
  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{m.title}</h2>
      <p className="muted">{m.about}</p>
      {clustering.status === 'error' && clustering.error.status === 404 ? (
        <div className="empty">
          <p>{clustering.error.message}</p>
          <button type="button" onClick={() => void startFit().then((c) => c && clustering.reload())} disabled={fit.status === 'running'}>
            Fit {m.title.toLowerCase()} now
          </button>
          <ActionStatus action={fit} running="Fitting" />
        </div>
      ) : (
        <Async value={clustering} what={m.title.toLowerCase()}>
          {(c) => (
            <>
              <ClusteringView clustering={c} method={m} />
              {m.customers ? <SampleScatter method={m.method} title={m.title} /> : null}
            </>
          )}
        </Async>
      )}
    </section>
  );
}

function ClusteringView({ clustering: c, method: m }: { clustering: Clustering; method: Method }) {
  const chart = useMemo(() => {
    const names = c.clusters.map((k) => k.name);
    const option: ChartOption = {
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 8, right: 8, top: 32, bottom: 40, containLabel: true },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: names.length > 4 ? 30 : 0, width: 110, overflow: 'truncate' } },
      yAxis: [
        { type: 'value', name: m.noun },
        { type: 'value', name: m.customers ? 'average spend' : 'revenue / product', splitLine: { show: false } },
      ],
      series: [
        { type: 'bar', name: m.customers ? 'Customers' : 'Products', data: c.clusters.map((k) => k.size) },
        { type: 'bar', name: m.customers ? 'Average spend' : 'Average revenue per product', yAxisIndex: 1, data: c.clusters.map((k) => Math.round(k.average_spend * 100) / 100) },
      ],
    };
    const summary = `${c.k} clusters of ${count(c.customers)} ${m.noun}: ${c.clusters
      .map((k) => `${k.name} ${count(k.size)} ${m.noun}, ${m.spend} ${money(k.average_spend)}, ${percent(k.revenue_share)} of revenue`)
      .join('; ')}.`;
    return { option, summary };
  }, [c, m]);
  return (
    <>
      <p className="small muted">
        As of {day(c.as_of)}: {c.k_reason}
      </p>
      <ul className="grid plain">
        {c.clusters.map((k) => (
          <li key={k.id} className="card">
            {/* Customer clusters are audiences, with a page of members; product clusters are not. */}
            <h3>{m.customers ? <Link to={pathOf('audience', { id: k.id })}>{k.name}</Link> : k.name}</h3>
            <p className="small">{k.description}</p>
            <p>
              <span className="size">{count(k.size)}</span> {m.noun} · {percent(k.revenue_share)} of revenue · {m.spend} {money(k.average_spend)}
            </p>
            <p className="small">
              <strong>Leans to:</strong> {k.leanings || 'nothing in particular'}
            </p>
            <p className="small muted">In robust standard deviations from the typical {m.customers ? 'buyer' : 'product'}:</p>
            <ul className="tags">
              {k.top_features.map((f) => (
                <li key={f.feature}>
                  {f.feature} {f.z >= 0 ? '+' : '−'}
                  {Math.abs(f.z).toFixed(1)}
                </li>
              ))}
            </ul>
            <p className="small">
              <strong>Try:</strong> {k.action}
            </p>
          </li>
        ))}
      </ul>
      <Chart title={`${m.title}: ${m.noun} and ${m.spend} per cluster`} summary={chart.summary} option={chart.option} />
    </>
  );
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const short = (n: number): string => n.toLocaleString('en', { maximumFractionDigits: Math.abs(n) >= 100 ? 0 : 2 });

/** Where a sample of the customers sits, coloured by cluster. */
function SampleScatter({ method, title }: { method: string; title: string }) {
  const sample = useApi<ClusterSample>(`/v1/clusters/${method}/sample`);
  return (
    <Async value={sample} what={`the sample of ${title.toLowerCase()}`} isEmpty={(s) => s.points.length === 0} empty={<p>No customer to draw yet.</p>}>
      {(s) => <ScatterView sample={s} title={title} />}
    </Async>
  );
}

function ScatterView({ sample: s, title }: { sample: ClusterSample; title: string }) {
  const chart = useMemo(() => {
    const axisName = (a: ClusterSample['x'], n: number) => a.feature ?? `Component ${n}`;
    // Spend spans orders of magnitude; a log axis keeps the many small spenders apart, where every value allows it.
    const logY = s.y.unit === 'currency' && s.points.every((p) => p[1] > 0);
    const byCluster = s.clusters.map((_, j) => s.points.filter((p) => p[2] === j));
    const option: ChartOption = {
      tooltip: { trigger: 'item' },
      legend: { bottom: 0, type: 'scroll' },
      grid: { left: 8, right: 16, top: 32, bottom: 48, containLabel: true },
      xAxis: { type: 'value', name: axisName(s.x, 1), nameLocation: 'middle', nameGap: 24, scale: true },
      yAxis: { type: logY ? 'log' : 'value', name: axisName(s.y, 2), scale: true },
      series: s.clusters.map((c, j) => ({
        type: 'scatter',
        name: c.name,
        // Fewer dots can be larger without hiding each other.
        symbolSize: s.points.length > 1500 ? 4 : 7,
        data: byCluster[j]!.map(([x, y]) => [x, y]),
      })),
    };
    const summary = `A sample of ${count(s.points.length)} of the ${count(s.customers)} customers with an order, drawn by cluster, small clusters at a higher rate so each shows. Across: ${s.x.label}. Up: ${s.y.label}. ${s.clusters
      .map((c, j) => {
        const pts = byCluster[j]!;
        if (!pts.length) return `${c.name}: no customer drawn`;
        return `${c.name}: ${count(c.sampled)} drawn of ${count(c.size)}, typically at ${short(median(pts.map((p) => p[0])))} across and ${short(median(pts.map((p) => p[1])))} up`;
      })
      .join('; ')}.`;
    return { option, summary };
  }, [s]);
  const rate = (c: ClusterSample['clusters'][number]) => (c.size ? c.sampled / c.size : 0);
  const even = s.clusters.every((c) => Math.abs(rate(c) - rate(s.clusters[0]!)) < 0.01);
  return (
    <>
      <Chart title={`${title}: where a sample of customers sits`} summary={chart.summary} option={chart.option} height={360} />
      <p className="small muted">
        {count(s.points.length)} of {count(s.customers)} customers{even ? '' : ', smaller clusters drawn at a higher rate so each shows'}. Across: {s.x.label}
        {s.x.explained !== null ? ` (${percent(s.x.explained)} of the spread)` : ''}. Up: {s.y.label}
        {s.y.explained !== null ? ` (${percent(s.y.explained)} of the spread)` : ''}.
      </p>
    </>
  );
}
