import { useState } from 'react';
import { api, query } from '../api/client.js';
import type { ImportRecord, QuarantinePage } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { ActionStatus, Async } from '../components/state.js';
import { DataTable, Pager } from '../components/table.js';
import { count } from '../format.js';
import { Link, navigate } from '../router.js';
import { pathOf } from '../routes.js';
import type { PageProps } from './page-props.js';

const PAGE = 25;

/** One import's report and the rows it quarantined. */
export function ImportPage({ params }: PageProps) {
  const id = params.id!;
  const imported = useApi<ImportRecord>(`/v1/imports/${encodeURIComponent(id)}`);
  return (
    <>
      <p>
        <Link to={pathOf('data')}>All imports</Link>
      </p>
      <Async value={imported} what="the import">
        {(found) => (
          <>
            <section aria-labelledby="report-title">
              <h2 id="report-title">{found.file}</h2>
              <dl className="figures">
                <Figure label="Rows" value={found.rows} />
                <Figure label="Accepted" value={found.accepted} />
                <Figure label="Duplicates" value={found.duplicates} />
                <Figure label="Quarantined" value={found.rejected} />
              </dl>
              <p className="muted">
                {found.entity} ({found.format}), {found.mapping_source ?? 'mapping not recorded'}, imported {found.started_at} UTC.
              </p>
              <Remove id={id} />
            </section>
            <Quarantine id={id} />
          </>
        )}
      </Async>
    </>
  );
}

function Figure({ label, value }: { label: string; value: number }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{count(value)}</dd>
    </div>
  );
}

function Remove({ id }: { id: string }) {
  const [action, start] = useAction(() => api(`/v1/imports/${encodeURIComponent(id)}`, { method: 'DELETE' }));
  const remove = async () => {
    if (!window.confirm('Take this import back: its events, its quarantined rows, and the customers and products only it created?')) return;
    if (await start()) navigate(pathOf('data'));
  };
  return (
    <>
      <button type="button" className="danger" onClick={() => void remove()} disabled={action.status === 'running'}>
        Take back this import
      </button>
      <ActionStatus action={action} running="Removing" />
    </>
  );
}

function Quarantine({ id }: { id: string }) {
  const [offset, setOffset] = useState(0);
  const rows = useApi<QuarantinePage>(`/v1/imports/${encodeURIComponent(id)}/quarantine${query({ limit: PAGE, offset })}`);
  return (
    <section aria-labelledby="quarantine-title">
      <h2 id="quarantine-title">Quarantine</h2>
      <Async value={rows} what="quarantined rows" isEmpty={(q) => q.total === 0} empty={<p>Every row of this file was accepted or a duplicate: nothing in quarantine.</p>}>
        {(q) => (
          <>
            <DataTable
              label="Quarantined rows, in file order"
              rows={q.rows}
              rowKey={(r, i) => `${r.line ?? 'x'}-${i}`}
              columns={[
                { head: 'Line', num: true, cell: (r) => r.line ?? '' },
                { head: 'Column', cell: (r) => r.column ?? '' },
                { head: 'Reason', cell: (r) => r.reason },
                { head: 'Row as read', cell: (r) => <code>{r.raw ?? ''}</code> },
              ]}
            />
            <Pager total={q.total} limit={q.limit} offset={q.offset} onPage={setOffset} what="quarantined rows" />
          </>
        )}
      </Async>
    </section>
  );
}
