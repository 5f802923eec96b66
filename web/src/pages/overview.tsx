import { useMemo, useState } from 'react';
import { api } from '../api/client.js';
import type { Audience, RunHistory, RunReport, Stats } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { Chart } from '../components/chart.js';
import { ActionStatus, Async } from '../components/state.js';
import { ago, count, day, money } from '../format.js';
import { Link } from '../router.js';
import { KIND_LABELS, sizesOverRuns, type AudienceKind } from './trends.js';
import { KindSelect } from './kind-select.js';

/** The store at a glance: its counts, the last run, and how the audiences grew or shrank over the stored runs. */
export function OverviewPage() {
  const stats = useApi<Stats>('/v1/stats');
  const history = useApi<RunHistory>('/v1/runs');
  const audiences = useApi<Audience[]>('/v1/audiences');
  const [run, startRun] = useAction(() => api<RunReport>('/v1/runs', { method: 'POST', body: {} }));

  const runNow = async () => {
    if (await startRun()) history.reload();
  };

  return (
    <Async value={stats} what="the store's counts" isEmpty={(s) => s.customers === 0} empty={<p>No customers yet. Import a customers or events file on the <Link to="/data">Data</Link> page.</p>}>
      {(s) => (
        <Async value={history} what="the runs">
          {(h) => (
            <>
              <dl className="figures">
                <Figure label="Customers" value={count(h.latest?.customers ?? s.customers)} />
                <Figure label="Revenue" value={h.latest ? money(h.latest.revenue) : '–'} />
                <Figure label="Buyers" value={h.latest ? count(h.latest.buyers) : '–'} />
                <Figure label="Active audiences" value={audiences.status === 'ready' ? count(audiences.data.filter((a) => a.active).length) : '…'} />
                <Figure label="Last run" value={h.runs.length ? day(h.runs.at(-1)!.as_of) : 'none'} detail={h.runs.length ? `computed ${ago(h.runs.at(-1)!.run_at)}` : undefined} />
              </dl>
              <section aria-labelledby="run-now">
                <h2 id="run-now">Run</h2>
                <p className="muted">
                  A run computes every feature and audience as of the day after the last event (last event: {s.last_event ? day(s.last_event) : 'none yet'}) and keeps the snapshot.
                </p>
                <button type="button" onClick={() => void runNow()} disabled={run.status === 'running'}>
                  Run now
                </button>
                <ActionStatus action={run} running="Running" done={(r) => <p>Run as of {day(r.as_of)}: {count(r.customers)} customers, {r.audiences.length} audiences in {r.seconds.toFixed(1)} s.</p>} />
              </section>
              {h.runs.length === 0 ? (
                <div className="empty">
                  <p>No run yet, so no audience sizes. Run now, or `segmint run` on the command line.</p>
                </div>
              ) : (
                // The chart names audiences by the listing: until it is in, no kind would seem to have any.
                <Async value={audiences} what="the audiences">
                  {(a) => <SizesOverRuns history={h} audiences={a} />}
                </Async>
              )}
            </>
          )}
        </Async>
      )}
    </Async>
  );
}

function Figure({ label, value, detail }: { label: string; value: string; detail?: string | undefined }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
      {detail ? <dd className="muted small">{detail}</dd> : null}
    </div>
  );
}

function SizesOverRuns({ history, audiences }: { history: RunHistory; audiences: Audience[] }) {
  const [kind, setKind] = useState<AudienceKind>('smart');
  const chart = useMemo(() => sizesOverRuns(history, audiences, kind), [history, audiences, kind]);
  return (
    <section aria-labelledby="sizes-title">
      <h2 id="sizes-title">Audience sizes over the runs</h2>
      <div className="row">
        <KindSelect id="sizes-kind" label="Audiences" value={kind} onChange={setKind} />
      </div>
      {chart ? <Chart title={`${KIND_LABELS[kind]}: customers per run`} summary={chart.summary} option={chart.option} height={360} /> : <div className="empty"><p>No {KIND_LABELS[kind].toLowerCase()} in the stored runs.</p></div>}
    </section>
  );
}
