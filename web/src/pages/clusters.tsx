import { useMemo } from 'react';
import { api } from '../api/client.js';
import type { Clustering } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import type { ChartOption } from '../charts/echarts.js';
import { Chart } from '../components/chart.js';
import { ActionStatus, Async } from '../components/state.js';
import { count, day, money, percent } from '../format.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';

const METHODS = [
  { method: 'rfm', title: 'RFM clusters', about: 'recency, frequency and spend' },
  { method: 'behavior', title: 'Behavioral clusters', about: 'how customers buy: styles, discounts, basket, timing' },
] as const;

/** The customer clusterings as named cards, with their sizes and spending. */
export function ClustersPage() {
  return (
    <>
      {METHODS.map((m) => (
        <ClusteringSection key={m.method} {...m} />
      ))}
    </>
  );
}

function ClusteringSection({ method, title, about }: (typeof METHODS)[number]) {
  const clustering = useApi<Clustering>(`/v1/clusters/${method}`);
  const [fit, startFit] = useAction(() => api<Clustering>('/v1/clusters', { method: 'POST', body: { method } }));
  const heading = `${method}-clusters`;
  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{title}</h2>
      <p className="muted">Customers grouped by {about}.</p>
      {clustering.status === 'error' && clustering.error.status === 404 ? (
        <div className="empty">
          <p>{clustering.error.message}</p>
          <button type="button" onClick={() => void startFit().then((c) => c && clustering.reload())} disabled={fit.status === 'running'}>
            Fit {title.toLowerCase()} now
          </button>
          <ActionStatus action={fit} running="Fitting" />
        </div>
      ) : (
        <Async value={clustering} what={title.toLowerCase()}>
          {(c) => <ClusteringView clustering={c} title={title} />}
        </Async>
      )}
    </section>
  );
}

function ClusteringView({ clustering: c, title }: { clustering: Clustering; title: string }) {
  const chart = useMemo(() => {
    const names = c.clusters.map((k) => k.name);
    const option: ChartOption = {
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 8, right: 8, top: 32, bottom: 40, containLabel: true },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: names.length > 4 ? 30 : 0, width: 110, overflow: 'truncate' } },
      yAxis: [
        { type: 'value', name: 'customers' },
        { type: 'value', name: 'average spend', splitLine: { show: false } },
      ],
      series: [
        { type: 'bar', name: 'Customers', data: c.clusters.map((k) => k.size) },
        { type: 'bar', name: 'Average spend', yAxisIndex: 1, data: c.clusters.map((k) => Math.round(k.average_spend * 100) / 100) },
      ],
    };
    const summary = `${c.k} clusters of ${count(c.customers)} customers: ${c.clusters
      .map((k) => `${k.name} ${count(k.size)} customers, average spend ${money(k.average_spend)}, ${percent(k.revenue_share)} of revenue`)
      .join('; ')}.`;
    return { option, summary };
  }, [c]);
  return (
    <>
      <p className="small muted">
        As of {day(c.as_of)}: {c.k_reason}
      </p>
      <ul className="grid plain">
        {c.clusters.map((k) => (
          <li key={k.id} className="card">
            <h3>
              <Link to={pathOf('audience', { id: k.id })}>{k.name}</Link>
            </h3>
            <p className="small">{k.description}</p>
            <p>
              <span className="size">{count(k.size)}</span> customers · {percent(k.revenue_share)} of revenue · average spend {money(k.average_spend)}
            </p>
            <p className="small muted">Leans to (robust standard deviations from the typical buyer)</p>
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
      <Chart title={`${title}: customers and average spend per cluster`} summary={chart.summary} option={chart.option} />
    </>
  );
}
