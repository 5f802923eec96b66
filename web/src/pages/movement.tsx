import { useMemo } from 'react';
import { query } from '../api/client.js';
import type { Movement, RunHistory } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import type { ChartOption } from '../charts/echarts.js';
import { Chart } from '../components/chart.js';
import { Async } from '../components/state.js';
import { DataTable } from '../components/table.js';
import { count, day } from '../format.js';
import { useQuery } from '../router.js';
import { movementFlows } from './movement-flows.js';
import { RunSelect } from './run-select.js';

const KINDS = { rfm: 'RFM segments', smart: 'Smart segments', 'cluster:rfm': 'RFM clusters', 'cluster:behavior': 'Behavioral clusters' } as const;
type Kind = keyof typeof KINDS;

/** How customers moved between the audiences of one kind from one run to another. */
export function MovementPage() {
  const history = useApi<RunHistory>('/v1/runs');
  return (
    <Async value={history} what="the runs" isEmpty={(h) => h.runs.length < 2} empty={<p>Movement compares two runs, and there is only one so far. Run again later, or with another date (`segmint run --as-of`).</p>}>
      {(h) => <MovementView runs={h.runs.map((r) => r.as_of)} />}
    </Async>
  );
}

function MovementView({ runs }: { runs: string[] }) {
  const [params, set] = useQuery();
  const from = params.get('from') ?? runs.at(-2)!;
  const to = params.get('to') ?? runs.at(-1)!;
  const kind = (params.get('kind') ?? 'rfm') as Kind;
  const [audienceKind, clustering] = kind.split(':');
  const movement = useApi<Movement>(`/v1/movement${query({ from, to, kind: audienceKind, clustering })}`);
  return (
    <>
      <form className="row" onSubmit={(e) => e.preventDefault()} aria-label="What to compare">
        <div className="field">
          <label htmlFor="movement-kind">Audiences</label>
          <select id="movement-kind" value={kind} onChange={(e) => set({ kind: e.target.value })}>
            {Object.entries(KINDS).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <RunSelect id="movement-from" label="From the run as of" runs={runs} value={from} onChange={(v) => set({ from: v })} />
        <RunSelect id="movement-to" label="To the run as of" runs={runs} value={to} onChange={(v) => set({ to: v })} />
      </form>
      <Async value={movement} what="the movement" isEmpty={(m) => m.matrix.every((row) => row.every((n) => n === 0))} empty={<p>Nobody was in these audiences at either run.</p>}>
        {(m) => <MovementChart movement={m} label={KINDS[kind]} />}
      </Async>
    </>
  );
}

/** RFM segments' names all start with "RFM: ", which says nothing on a chart of RFM segments. */
const shortName = (name: string) => name.replace(/^RFM: /, '');

function MovementChart({ movement: m, label }: { movement: Movement; label: string }) {
  const flows = useMemo(() => movementFlows(m), [m]);
  const [fromDay, toDay] = [day(m.from), day(m.to)];
  const option = useMemo((): ChartOption => {
    // Sankey nodes need distinct names: each audience appears once per date.
    const left = (label: string) => `${label} · ${fromDay}`;
    const right = (label: string) => `${label} · ${toDay}`;
    const used = new Set(flows.flatMap((f) => [left(f.from), right(f.to)]));
    return {
      tooltip: { trigger: 'item' },
      series: [
        {
          type: 'sankey',
          left: 8,
          // Room for the labels of the right-hand column, which sit to the right of their nodes.
          right: 130,
          top: 8,
          bottom: 8,
          nodeGap: 6,
          nodeAlign: 'justify',
          layoutIterations: 0,
          emphasis: { focus: 'adjacency' },
          lineStyle: { color: 'gradient', opacity: 0.35 },
          label: { fontSize: 11, formatter: (p) => shortName(p.name.split(' · ')[0] ?? p.name) },
          data: [...m.labels.map(left), ...m.labels.map(right)].filter((n) => used.has(n)).map((name) => ({ name })),
          links: flows.map((f) => ({ source: left(f.from), target: right(f.to), value: f.customers })),
        },
      ],
      media: [{ query: { maxWidth: 560 }, option: { series: [{ right: 84, label: { fontSize: 9, width: 80, overflow: 'truncate' } }] } }],
    };
  }, [m, flows, fromDay, toDay]);
  const moved = flows.filter((f) => f.from !== f.to).reduce((s, f) => s + f.customers, 0);
  const total = flows.reduce((s, f) => s + f.customers, 0);
  const summary = `From ${fromDay} to ${toDay}, ${count(moved)} of ${count(total)} customers changed audience. Largest flows: ${[...flows]
    .sort((a, b) => b.customers - a.customers)
    .slice(0, 8)
    .map((f) => `${f.from} to ${f.to} ${count(f.customers)}`)
    .join('; ')}. The full list is in the table of flows.`;
  return (
    <>
      <section aria-labelledby="sankey-title">
        <h2 id="sankey-title">
          From {fromDay} to {toDay}
        </h2>
        <Chart title={`Customers moving between ${label} from ${fromDay} (left) to ${toDay} (right)`} summary={summary} option={option} height={Math.max(360, m.labels.length * 34)} />
        <details>
          <summary>All {flows.length} flows as a table</summary>
          <DataTable
            label="Flows"
            className="flows"
            rows={flows}
            rowKey={(f) => `${f.from}>${f.to}`}
            columns={[
              { head: <>At {fromDay}</>, cell: (f) => f.from },
              { head: <>At {toDay}</>, cell: (f) => f.to },
              { head: 'Customers', num: true, cell: (f) => count(f.customers) },
            ]}
          />
        </details>
      </section>
      <section aria-labelledby="entered-title">
        <h2 id="entered-title">Entered and left</h2>
        <DataTable
          label="Entered and left, per audience"
          rows={m.audiences}
          rowKey={(a) => a.id}
          columns={[
            { head: 'Audience', cell: (a) => a.name },
            { head: <>At {fromDay}</>, num: true, cell: (a) => count(a.size_from) },
            { head: <>At {toDay}</>, num: true, cell: (a) => count(a.size_to) },
            { head: 'Entered', num: true, cell: (a) => count(a.entered) },
            { head: 'Left', num: true, cell: (a) => count(a.left) },
          ]}
        />
      </section>
    </>
  );
}
