import { useMemo, useState } from 'react';
import { api, query } from '../api/client.js';
import type { Audience, MembersPage, Overlap, RunHistory, RunReport } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import type { ChartOption } from '../charts/echarts.js';
import { Chart } from '../components/chart.js';
import { ActionStatus, Async } from '../components/state.js';
import { DataTable, Pager } from '../components/table.js';
import { count, day, money, percent } from '../format.js';
import { Link, navigate } from '../router.js';
import { pathOf } from '../routes.js';
import type { PageProps } from './page-props.js';
import { KIND_LABELS, sizeSeries, type AudienceKind } from './trends.js';
import { KindSelect } from './kind-select.js';
import { RunSelect } from './run-select.js';
import { AudienceExport } from './audience-export.js';
import { AudienceWebhooks } from './audience-webhooks.js';

/** One audience: what it is, how it changed over the runs, its members and how it overlaps with others. */
export function AudiencePage({ params }: PageProps) {
  const id = params.id!;
  const audience = useApi<Audience>(`/v1/audiences/${encodeURIComponent(id)}`);
  const history = useApi<RunHistory>('/v1/runs');
  return (
    <Async value={audience} what="the audience">
      {(a) => (
        <Async value={history} what="the runs">
          {(h) => <AudienceView audience={a} history={h} reload={history.reload} />}
        </Async>
      )}
    </Async>
  );
}

function AudienceView({ audience: a, history, reload }: { audience: Audience; history: RunHistory; reload: () => void }) {
  const last = history.runs.at(-1);
  const computed = last?.audiences.find((r) => r.id === a.id);
  const [run, startRun] = useAction(() => api<RunReport>('/v1/runs', { method: 'POST', body: {} }));
  return (
    <>
      <section aria-labelledby="definition">
        <h2 id="definition">{a.name}</h2>
        <p className="muted">
          {KIND_LABELS[a.kind]}
          {a.active ? '' : ' · inactive'}
          {a.description ? ` · ${a.description}` : ''}
        </p>
        <Definition audience={a} ruleText={computed?.rule_text ?? null} />
        {computed && last ? (
          <p>
            <strong>{count(computed.size)}</strong> customers at the run as of {day(last.as_of)}, {last.revenue > 0 ? percent(computed.revenue / last.revenue) : '–'} of revenue (
            {money(computed.revenue)}).
          </p>
        ) : (
          <div className="empty">
            <p>Not computed until the next run{last ? ` (the last one, as of ${day(last.as_of)}, did not include it)` : ''}.</p>
            <button type="button" onClick={() => void startRun().then((r) => r && reload())} disabled={run.status === 'running'}>
              Run now
            </button>
            <ActionStatus action={run} running="Running" />
          </div>
        )}
        {a.kind === 'rule' ? <Delete audience={a} /> : null}
      </section>
      {history.runs.length > 0 ? <OverRuns audience={a} history={history} /> : null}
      {computed ? <Members audience={a} runs={history.runs.map((r) => r.as_of)} /> : null}
      {computed ? <Overlaps audience={a} /> : null}
      {computed ? <AudienceExport audience={a} /> : null}
      <AudienceWebhooks audience={a} />
    </>
  );
}

function Definition({ audience: a, ruleText }: { audience: Audience; ruleText: string | null }) {
  const d = a.definition;
  switch (d.kind) {
    case 'rule':
      return <pre className="rule">{d.text}</pre>;
    case 'smart':
      return (
        <>
          <pre className="rule">{ruleText ?? d.template}</pre>
          <p className="muted small">Template: {d.template}</p>
        </>
      );
    case 'rfm':
      return <p>The {d.segment} cells of the RFM map (see Segments).</p>;
    case 'cluster':
      return <p>Customers nearest to this cluster&apos;s centre in the {d.method} clustering (see Clusters).</p>;
    case 'custom_behavior':
      return (
        <>
          <pre className="rule">{d.spec}</pre>
          {d.text ? <p className="muted small">From the words: {d.text}</p> : null}
        </>
      );
    case 'behavior':
    default:
      // A kind without a page of its own says what it selects as the API does.
      return <p>{a.definition_text}</p>;
  }
}

function Delete({ audience }: { audience: Audience }) {
  const [action, start] = useAction(() => api(`/v1/audiences/${encodeURIComponent(audience.id)}`, { method: 'DELETE' }));
  const remove = async () => {
    if (!window.confirm(`Delete "${audience.name}" and its memberships?`)) return;
    if (await start()) navigate(pathOf('audiences'));
  };
  return (
    <>
      <button type="button" className="danger" onClick={() => void remove()} disabled={action.status === 'running'}>
        Delete audience
      </button>
      <ActionStatus action={action} running="Deleting" />
    </>
  );
}

function OverRuns({ audience, history }: { audience: Audience; history: RunHistory }) {
  const chart = useMemo(() => {
    const dates = history.runs.map((r) => day(r.as_of));
    const sizes = sizeSeries(history, audience.id);
    const revenue = history.runs.map((r) => r.audiences.find((x) => x.id === audience.id)?.revenue ?? null);
    const option: ChartOption = {
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 8, right: 8, top: 32, bottom: 40, containLabel: true },
      xAxis: { type: 'category', data: dates },
      yAxis: [
        { type: 'value', name: 'customers' },
        { type: 'value', name: 'revenue', splitLine: { show: false } },
      ],
      series: [
        { type: 'bar', name: 'Revenue', yAxisIndex: 1, data: revenue, itemStyle: { color: '#93c5fd' } },
        { type: 'line', name: 'Customers', data: sizes, itemStyle: { color: '#1d4ed8' }, lineStyle: { width: 3 } },
      ],
    };
    const summary = `Over ${dates.length} runs: ${dates.map((d, i) => `${d}: ${sizes[i] === null ? 'not computed' : `${count(sizes[i]!)} customers, revenue ${money(revenue[i] ?? 0)}`}`).join('; ')}.`;
    return { option, summary };
  }, [audience, history]);
  return (
    <section aria-labelledby="over-runs">
      <h2 id="over-runs">Size and revenue over the runs</h2>
      <Chart title={`${audience.name}: customers and revenue per run`} summary={chart.summary} option={chart.option} />
    </section>
  );
}

const PAGE = 25;

function Members({ audience, runs }: { audience: Audience; runs: string[] }) {
  const [asOf, setAsOf] = useState(runs.at(-1)!);
  const [offset, setOffset] = useState(0);
  const members = useApi<MembersPage>(`/v1/audiences/${encodeURIComponent(audience.id)}/members${query({ limit: PAGE, offset, as_of: asOf })}`);
  return (
    <section aria-labelledby="members">
      <h2 id="members">Members</h2>
      <div className="row">
        <RunSelect
          id="members-run"
          label="At the run as of"
          runs={runs}
          value={asOf}
          onChange={(run) => {
            setAsOf(run);
            setOffset(0);
          }}
        />
        <CsvDownload audience={audience} asOf={asOf} />
      </div>
      <Async value={members} what="members" isEmpty={(m) => m.total === 0} empty={<p>Nobody was in this audience at that run.</p>}>
        {(m) => (
          <>
            <DataTable
              label={`Members of ${audience.name}`}
              rows={m.members}
              rowKey={(row) => row.customer_id}
              columns={[
                { head: 'Customer', cell: (row) => <Link to={pathOf('customer', { id: row.customer_id })}>{row.customer_id}</Link> },
                { head: 'Score', num: true, cell: (row) => row.score.toFixed(2) },
                { head: 'Why', cell: (row) => row.reasons ?? '' },
              ]}
            />
            <Pager total={m.total} limit={m.limit} offset={m.offset} onPage={setOffset} what="members" />
          </>
        )}
      </Async>
    </section>
  );
}

/** Every member as CSV, fetched a thousand at a time (the members route pages), then saved by the browser. */
function CsvDownload({ audience, asOf }: { audience: Audience; asOf: string }) {
  const [done, setDone] = useState(0);
  const [action, start] = useAction(async () => {
    const rows = ['customer_id,score,reasons'];
    const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
    for (let offset = 0; ; offset += 1000) {
      const page = await api<MembersPage>(`/v1/audiences/${encodeURIComponent(audience.id)}/members${query({ limit: 1000, offset, as_of: asOf })}`);
      for (const m of page.members) rows.push([cell(m.customer_id), String(m.score), cell(m.reasons ?? '')].join(','));
      setDone(Math.min(offset + 1000, page.total));
      if (offset + 1000 >= page.total) break;
    }
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([`${rows.join('\n')}\n`], { type: 'text/csv' }));
    link.download = `${audience.id}-${day(asOf)}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href));
    return rows.length - 1;
  });
  return (
    <div className="field">
      <button type="button" className="quiet" onClick={() => void start()} disabled={action.status === 'running'}>
        Download members (CSV)
      </button>
      <ActionStatus action={action} running={`Fetching members: ${count(done)}`} done={(n) => <span>{count(n)} members saved.</span>} />
    </div>
  );
}

function Overlaps({ audience }: { audience: Audience }) {
  const all = useApi<Audience[]>('/v1/audiences');
  // RFM segments never overlap each other, and rule audiences are few: compare those with the smart segments.
  const [kind, setKind] = useState<AudienceKind>(audience.kind === 'cluster' ? 'cluster' : 'smart');
  return (
    <section aria-labelledby="overlap">
      <h2 id="overlap">Overlap with other audiences</h2>
      <div className="row">
        <KindSelect id="overlap-kind" label="Compare with" value={kind} onChange={setKind} />
      </div>
      <Async value={all} what="audiences">
        {(list) => {
          const others = list.filter((a) => a.kind === kind && a.active && a.id !== audience.id);
          if (others.length === 0) return <div className="empty">No other active audiences of this kind.</div>;
          return <OverlapChart audience={audience} others={others} />;
        }}
      </Async>
    </section>
  );
}

function OverlapChart({ audience, others }: { audience: Audience; others: Audience[] }) {
  const chosen = [audience, ...others];
  const overlap = useApi<Overlap>(`/v1/overlap${query({ audience: chosen.map((a) => a.id) })}`);
  return (
    <Async value={overlap} what="the overlap">
      {(o) => {
        const names = chosen.map((a) => a.name);
        const index = new Map(chosen.map((a, i) => [a.id, i]));
        // Share of the row audience's members also in the column audience: read along the first row for this one.
        const cells: Array<{ value: [number, number, number]; both: number }> = [];
        for (const p of o.pairs) {
          const i = index.get(p.a)!;
          const j = index.get(p.b)!;
          cells.push({ value: [j, i, p.size_a ? p.both / p.size_a : 0], both: p.both }, { value: [i, j, p.size_b ? p.both / p.size_b : 0], both: p.both });
        }
        const option: ChartOption = {
          tooltip: { formatter: (p) => (Array.isArray(p) ? '' : `${names[(p.value as number[])[1]!]} also in ${names[(p.value as number[])[0]!]}: ${percent((p.value as number[])[2]!)}`) },
          grid: { left: 8, right: 8, top: 8, bottom: 64, containLabel: true },
          xAxis: { type: 'category', data: names, axisLabel: { rotate: 35, width: 110, overflow: 'truncate' } },
          yAxis: { type: 'category', data: names, inverse: true, axisLabel: { width: 130, overflow: 'truncate' } },
          visualMap: { min: 0, max: 1, show: false, inRange: { color: ['#eff6ff', '#1e3a8a'] } },
          series: [{ type: 'heatmap', data: cells.map((c) => c.value), label: { show: names.length <= 8, formatter: (p) => percent((p.value as number[])[2]!) } }],
        };
        const mine = o.pairs.filter((p) => p.a === audience.id || p.b === audience.id);
        const summary = `As of ${day(o.as_of)}, of the ${names.length} audiences, members of ${audience.name} also in: ${mine
          .map((p) => {
            const other = p.a === audience.id ? p.b : p.a;
            const size = p.a === audience.id ? p.size_a : p.size_b;
            return `${names[index.get(other)!]} ${size ? percent(p.both / size) : '–'}`;
          })
          .join(', ')}.`;
        return <Chart title={`Share of each row's members also in each column, as of ${day(o.as_of)}`} summary={summary} option={option} height={Math.max(320, 36 * names.length + 120)} />;
      }}
    </Async>
  );
}
