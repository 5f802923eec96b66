import { useState } from 'react';
import { api, apiFile } from '../api/client.js';
import type { Audience, ExportDryRun, ExportRecord, ExportRequest, ExportSync } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { ActionStatus, Async } from '../components/state.js';
import { count } from '../format.js';

type Destination = NonNullable<ExportRequest['destination']>;
type Format = NonNullable<ExportRequest['format']>;

/** The ad platforms the API knows, typed by its enum: `npm run lint` fails until a new destination has a label here. */
const DESTINATION_LABELS: Record<Destination, string> = {
  meta: 'Meta customer list',
  google: 'Google Ads Customer Match',
  tiktok: 'TikTok customer file',
};
const FORMAT_LABELS: Record<Format, string> = { csv: 'CSV', jsonl: 'JSON lines' };
const FILE = '';

/** Saves what the API answers under `name`, as the browser saves a download. */
async function save(path: string, name: string): Promise<void> {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await apiFile(path));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href));
}

/**
 * The audience's members at the latest run to a file: chosen columns for a CRM, or an ad platform's hashed customer
 * list (ads consent only, with the removals since the last one); a dry run counts first.
 */
export function AudienceExport({ audience }: { audience: Audience }) {
  const [destination, setDestination] = useState<Destination | typeof FILE>(FILE);
  const [format, setFormat] = useState<Format>('csv');
  const [columns, setColumns] = useState('id, email, score');
  const path = `/v1/audiences/${encodeURIComponent(audience.id)}/exports`;
  const body = (): ExportRequest => ({
    format,
    ...(destination === FILE ? { columns: columns.split(',').map((c) => c.trim()).filter(Boolean) } : { destination }),
  });
  const [dryRun, startDryRun] = useAction(() => api<ExportDryRun>(path, { method: 'POST', body: { dry_run: true } }));
  const [written, startExport] = useAction(() => api<ExportRecord>(path, { method: 'POST', body: body() }));
  const syncs = useApi<ExportSync[]>('/v1/export-syncs');
  const [follow, startFollow] = useAction(async () => {
    const made = await api<ExportSync>('/v1/export-syncs', { method: 'POST', body: { audience: audience.id, ...body() } });
    syncs.reload();
    return made;
  });
  const [stop, startStop] = useAction(async (id: string) => {
    await api(`/v1/export-syncs/${encodeURIComponent(id)}`, { method: 'DELETE' });
    syncs.reload();
    return id;
  });
  const [download, startDownload] = useAction((r: ExportRecord, part: 'members' | 'removals') => save(`/v1/exports/${r.id}/file?part=${part}`, part === 'members' ? r.file : r.removals_file!));
  return (
    <section aria-labelledby="export">
      <h2 id="export">Export</h2>
      <div className="row">
        <div className="field">
          <label htmlFor="export-destination">Destination</label>
          <select id="export-destination" value={destination} onChange={(e) => setDestination(e.target.value as Destination | typeof FILE)}>
            <option value={FILE}>File with chosen columns</option>
            {Object.entries(DESTINATION_LABELS).map(([name, label]) => (
              <option key={name} value={name}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="export-format">Format</label>
          <select id="export-format" value={format} onChange={(e) => setFormat(e.target.value as Format)}>
            {Object.entries(FORMAT_LABELS).map(([name, label]) => (
              <option key={name} value={name}>
                {label}
              </option>
            ))}
          </select>
        </div>
        {destination === FILE ? (
          <div className="field">
            <label htmlFor="export-columns">Columns</label>
            <input id="export-columns" value={columns} onChange={(e) => setColumns(e.target.value)} aria-describedby="export-columns-help" />
            <span id="export-columns-help" className="muted small">
              id, email, phone, score, reasons or any feature, separated by commas
            </span>
          </div>
        ) : (
          <p className="muted small">Hashed email and phone (SHA-256) of members who consented to ads; after the first export, the removals since the last one.</p>
        )}
      </div>
      <div className="row">
        <button type="button" className="quiet" onClick={() => void startDryRun()} disabled={dryRun.status === 'running'}>
          Dry run
        </button>
        <button type="button" onClick={() => void startExport()} disabled={written.status === 'running'}>
          Export
        </button>
        <button type="button" className="quiet" onClick={() => void startFollow()} disabled={follow.status === 'running'}>
          Export after every run
        </button>
      </div>
      <ActionStatus action={follow} running="Saving" done={(s) => <p>{s.id} writes the next export after every run.</p>} />
      <ActionStatus
        action={dryRun}
        running="Counting"
        done={(d) => (
          <p>
            {count(d.members)} members: {count(d.with_email)} with an email, {count(d.with_phone)} with a phone, {count(d.with_ads_consent)} with ads consent;{' '}
            {count(d.reachable_for_ads)} reachable for ads.
          </p>
        )}
      />
      <ActionStatus
        action={written}
        running="Exporting"
        done={(r) => (
          <>
            <p>
              {count(r.rows)} rows written to {r.file}
              {r.removals_file === null ? '' : `, ${count(r.removals ?? 0)} removals since the last export to ${r.destination ?? 'it'}`}.
            </p>
            <button type="button" className="quiet" onClick={() => void startDownload(r, 'members')}>
              Download {r.file}
            </button>
            {r.removals_file === null ? null : (
              <button type="button" className="quiet" onClick={() => void startDownload(r, 'removals')}>
                Download {r.removals_file}
              </button>
            )}
          </>
        )}
      />
      <ActionStatus action={download} running="Downloading" />
      <h3>Exports after every run</h3>
      <Async value={syncs} what="syncs" isEmpty={(list) => !list.some((x) => x.audience === audience.id)} empty={<p className="muted">None: each export is written when asked for.</p>}>
        {(list) => (
          <ul>
            {list
              .filter((x) => x.audience === audience.id)
              .map((x) => (
                <li key={x.id}>
                  {x.id}: {x.destination ? DESTINATION_LABELS[x.destination] : `columns ${x.columns?.join(', ') ?? 'id, email, score'}`}, {FORMAT_LABELS[x.format]}{' '}
                  <button type="button" className="quiet" onClick={() => void startStop(x.id)} aria-label={`Stop ${x.id}`}>
                    Stop
                  </button>
                </li>
              ))}
          </ul>
        )}
      </Async>
      <ActionStatus action={stop} running="Stopping" done={(id) => <p>{id} stopped.</p>} />
    </section>
  );
}
