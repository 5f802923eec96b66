import { useState } from 'react';
import type { Audience, RunHistory } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { Async } from '../components/state.js';
import { TableBox } from '../components/table.js';
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
                <TableBox label="Audiences">
                  <table>
                    <caption>{last ? `Sizes at the run as of ${day(last.as_of)}` : 'No run yet: sizes come with the first run'}</caption>
                    <thead>
                      <tr>
                        <th scope="col">Audience</th>
                        <th scope="col">Kind</th>
                        <th scope="col" className="num">Customers</th>
                        <th scope="col" className="num">Revenue</th>
                        <th scope="col">State</th>
                      </tr>
                    </thead>
                    <tbody>
                      {shown.map((a) => {
                        const ran = last?.audiences.find((r) => r.id === a.id);
                        return (
                          <tr key={a.id}>
                            <td>
                              <Link to={pathOf('audience', { id: a.id })}>{a.name}</Link>
                            </td>
                            <td>{KIND_LABELS[a.kind]}</td>
                            <td className="num">{ran ? count(ran.size) : '–'}</td>
                            <td className="num">{ran && last && last.revenue > 0 ? percent(ran.revenue / last.revenue) : '–'}</td>
                            <td>{!a.active ? 'inactive' : ran ? 'computed' : 'not computed until the next run'}</td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </TableBox>
              );
            }}
          </Async>
        )}
      </Async>
    </>
  );
}
