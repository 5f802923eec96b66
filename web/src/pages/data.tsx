import { useState, type FormEvent } from 'react';
import { query, upload } from '../api/client.js';
import type { ImportPreset, ImportReport, ImportsPage } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { ActionStatus, Async } from '../components/state.js';
import { DataTable, Pager } from '../components/table.js';
import { count } from '../format.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';

const ENTITIES = ['events', 'customers', 'products'] as const;
const PAGE = 20;

/** Imports and their reports, and a file upload that imports as `segmint import` does. */
export function DataPage() {
  const [offset, setOffset] = useState(0);
  const imports = useApi<ImportsPage>(`/v1/imports${query({ limit: PAGE, offset })}`);
  return (
    <>
      <Upload onImported={imports.reload} />
      <section aria-labelledby="imports-title">
        <h2 id="imports-title">Imports</h2>
        <Async value={imports} what="imports" isEmpty={(p) => p.total === 0} empty={<p>Nothing imported yet: upload a file above, or `segmint import FILE`.</p>}>
          {(p) => (
            <>
              <DataTable
                label="Imports, newest first"
                rows={p.imports}
                rowKey={(i) => i.id}
                columns={[
                  { head: 'File', cell: (i) => <Link to={pathOf('import', { id: i.id })}>{i.file}</Link> },
                  { head: 'Entity', cell: (i) => i.entity },
                  { head: 'Mapping', cell: (i) => i.mapping_source ?? '' },
                  { head: 'When (UTC)', cell: (i) => i.started_at },
                  { head: 'Rows', num: true, cell: (i) => count(i.rows) },
                  { head: 'Accepted', num: true, cell: (i) => count(i.accepted) },
                  { head: 'Duplicates', num: true, cell: (i) => count(i.duplicates) },
                  { head: 'Rejected', num: true, cell: (i) => (i.rejected ? <Link to={pathOf('import', { id: i.id })}>{count(i.rejected)}</Link> : 0) },
                ]}
              />
              <Pager total={p.total} limit={p.limit} offset={p.offset} onPage={setOffset} what="imports" />
            </>
          )}
        </Async>
      </section>
    </>
  );
}

function Upload({ onImported }: { onImported: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [entity, setEntity] = useState<(typeof ENTITIES)[number]>('events');
  const [preset, setPreset] = useState('');
  const presets = useApi<ImportPreset[]>('/v1/imports/presets');
  const chosen = presets.status === 'ready' ? presets.data.find((p) => p.name === preset) : undefined;
  const [sent, setSent] = useState(0);
  const [action, start] = useAction((f: File) => upload<ImportReport>(`/v1/imports${query({ entity: preset ? undefined : entity, preset: preset || undefined, name: f.name })}`, f, setSent));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setSent(0);
    if (await start(file)) onImported();
  };

  return (
    <section aria-labelledby="upload-title">
      <h2 id="upload-title">Import a file</h2>
      <form className="row" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="upload-file">File (CSV, JSONL or Parquet, gzipped or not)</label>
          <input id="upload-file" type="file" accept=".csv,.gz,.jsonl,.ndjson,.parquet" onChange={(e) => setFile(e.target.files?.[0] ?? null)} required />
        </div>
        <div className="field">
          <label htmlFor="upload-entity">It holds</label>
          <select id="upload-entity" value={entity} onChange={(e) => setEntity(e.target.value as (typeof ENTITIES)[number])} disabled={preset !== ''}>
            {ENTITIES.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="upload-preset">Preset (optional)</label>
          <select id="upload-preset" value={preset} onChange={(e) => setPreset(e.target.value)} aria-describedby="upload-preset-about">
            <option value="">None: columns named as the store names its fields</option>
            {presets.status === 'ready'
              ? presets.data.map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.name} ({p.entity})
                  </option>
                ))
              : null}
          </select>
        </div>
        <button type="submit" disabled={!file || action.status === 'running'}>
          Import
        </button>
      </form>
      <div id="upload-preset-about" className="small muted">
        {presets.status === 'error' ? (
          <p role="alert">The presets could not be listed: {presets.error.message}</p>
        ) : chosen ? (
          <p>
            {chosen.description} It reads the columns {chosen.columns.join(', ')}.
          </p>
        ) : null}
      </div>
      {action.status === 'running' ? (
        <p>
          <label htmlFor="upload-progress">{sent < 1 ? 'Sending' : 'Importing'}</label>{' '}
          <progress id="upload-progress" max={1} value={sent < 1 ? sent : undefined} aria-valuetext={sent < 1 ? `${Math.round(sent * 100)}% sent` : 'importing'} />
        </p>
      ) : null}
      <ActionStatus
        action={action}
        running="Importing"
        done={(r) => (
          <p>
            {r.file}: {count(r.rows)} rows, {count(r.accepted)} accepted, {count(r.duplicates)} duplicates, {count(r.rejected)} quarantined.{' '}
            <Link to={pathOf('import', { id: r.import_id })}>See the report</Link>
          </p>
        )}
      />
    </section>
  );
}
