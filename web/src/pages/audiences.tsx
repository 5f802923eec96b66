import { useState } from 'react';
import type { Audience, RunHistory } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { Async } from '../components/state.js';
import { DataTable } from '../components/table.js';
import { count, day, percent } from '../format.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';
import { KIND_LABELS, type AudienceKind } from './trends.js';
import { KindSelect } from './kind-select.js';

/** Every audience with its size and revenue share at the latest run. */
export function AudiencesPage() {
  const audiences = useApi<Audience[]>('/v1/audiences');
  const history = useApi<RunHistory>('/v1/runs');
  const [kind, setKind] = useState<AudienceKind | ''>('');
  return (
    <>
      <p>
        <Link to={pathOf('new-audience')}>New audience</Link>: write a rule, see its size before saving.
      </p>
      <div className="row">
        <KindSelect id="kind-filter" label="Show" value={kind} onChange={setKind} anyLabel="All audiences" />
      </div>
      <Async value={audiences} what="audiences">
        {(list) => (
          <Async value={history} what="the runs">
            {(h) => {
              const last = h.runs.at(-1);
              const shown = list.filter((a) => !kind || a.kind === kind);
              if (shown.length === 0) return <div className="empty">No audiences of this kind yet.</div>;
              return (
                <DataTable
                  label="Audiences"
                  caption={last ? `Sizes at the run as of ${day(last.as_of)}` : 'No run yet: sizes come with the first run'}
                  rows={shown.map((a) => ({ a, ran: last?.audiences.find((r) => r.id === a.id) }))}
                  rowKey={({ a }) => a.id}
                  columns={[
                    { head: 'Audience', cell: ({ a }) => <Link to={pathOf('audience', { id: a.id })}>{a.name}</Link> },
                    { head: 'Kind', cell: ({ a }) => KIND_LABELS[a.kind] },
                    { head: 'Customers', num: true, cell: ({ ran }) => (ran ? count(ran.size) : '–') },
                    { head: 'Revenue', num: true, cell: ({ ran }) => (ran && last && last.revenue > 0 ? percent(ran.revenue / last.revenue) : '–') },
                    { head: 'State', cell: ({ a, ran }) => (!a.active ? 'inactive' : ran ? 'computed' : 'not computed until the next run') },
                  ]}
                />
              );
            }}
          </Async>
        )}
      </Async>
    </>
  );
}
