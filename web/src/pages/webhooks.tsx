import { useState } from 'react';
import { api, query } from '../api/client.js';
import type { DeliveryLog, WebhookDelivery, WebhookList } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { ActionStatus, Async } from '../components/state.js';
import { DataTable, Pager } from '../components/table.js';
import { count } from '../format.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';

const STATUSES = ['pending', 'delivered', 'dead', 'skipped'] as const;
type Status = (typeof STATUSES)[number];
const LIMIT = 50;

/** The webhook delivery log: each delivery's status, attempts and last error, failures first to hand, and replay. */
export function WebhooksPage() {
  const [status, setStatus] = useState<Status | ''>('');
  const [offset, setOffset] = useState(0);
  const log = useApi<DeliveryLog>(`/v1/webhooks/deliveries${query({ status: status || undefined, limit: LIMIT, offset })}`);
  const hooks = useApi<WebhookList>('/v1/webhooks');
  const [replay, startReplay] = useAction((id: string) => api<WebhookDelivery>(`/v1/webhooks/deliveries/${encodeURIComponent(id)}/replay`, { method: 'POST' }));

  return (
    <>
      <section aria-labelledby="log-title">
        <h2 id="log-title">Delivery log</h2>
        <Async value={log} what="the delivery log">
          {(l) => (
            <p>
              {STATUSES.map((s, i) => (
                <span key={s}>
                  {i > 0 ? ' · ' : ''}
                  {count(l.counts[s])} {s}
                </span>
              ))}
            </p>
          )}
        </Async>
        <div className="row">
          <div className="field">
            <label htmlFor="delivery-status">Status</label>
            <select
              id="delivery-status"
              value={status}
              onChange={(e) => {
                setStatus(e.target.value as Status | '');
                setOffset(0);
              }}
            >
              <option value="">all</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s === 'dead' ? 'dead (failed for good)' : s}
                </option>
              ))}
            </select>
          </div>
          <p>
            <button type="button" className="quiet" onClick={log.reload}>
              Refresh
            </button>
          </p>
        </div>
        <ActionStatus action={replay} running="Queuing again" done={(d) => <p>Delivery {d.id} is queued again.</p>} />
        <Async
          value={log}
          what="the delivery log"
          isEmpty={(l) => l.deliveries.length === 0}
          empty={<p>No deliveries{status ? ` ${status}` : ''} yet. Add a webhook on an audience's page; runs and new events queue its deliveries.</p>}
        >
          {(l) => (
            <>
              <DataTable
                label="Webhook deliveries"
                rows={l.deliveries}
                rowKey={(d) => d.id}
                rowClassName={(d) => (d.status === 'dead' ? 'failed' : undefined)}
                columns={[
                  {
                    head: 'Delivery',
                    cell: (d) => (
                      <>
                        <code>{d.id}</code>
                        <div className="muted">{d.created_at}</div>
                      </>
                    ),
                  },
                  {
                    head: 'Event',
                    cell: (d) => (
                      <>
                        {d.type}
                        <div className="muted">
                          {d.source} as of {d.as_of}
                        </div>
                      </>
                    ),
                  },
                  { head: 'Members', cell: (d) => count(d.members) },
                  { head: 'Status', cell: (d) => d.status },
                  { head: 'Attempts', cell: (d) => d.attempts },
                  { head: 'Last answer', cell: (d) => d.last_error ?? (d.last_status === null ? '–' : `HTTP ${d.last_status}`) },
                  { head: 'Next attempt (UTC)', cell: (d) => d.next_attempt_at ?? '–' },
                  {
                    head: 'Replay',
                    cell: (d) =>
                      d.status === 'pending' ? (
                        '–'
                      ) : (
                        <button type="button" className="quiet" onClick={() => void startReplay(d.id).then((r) => r && log.reload())} aria-label={`Replay ${d.id}`}>
                          Replay
                        </button>
                      ),
                  },
                ]}
              />
              <Pager total={l.total} limit={LIMIT} offset={offset} onPage={setOffset} what="deliveries" />
            </>
          )}
        </Async>
      </section>
      <section aria-labelledby="hooks-title">
        <h2 id="hooks-title">Webhooks</h2>
        <Async value={hooks} what="webhooks" isEmpty={(l) => l.webhooks.length === 0} empty={<p>No webhooks yet: add one on an audience's page.</p>}>
          {(list) => (
            <DataTable
              label="Webhooks"
              rows={list.webhooks}
              rowKey={(w) => w.id}
              columns={[
                { head: 'Audience', cell: (w) => <Link to={pathOf('audience', { id: w.audience_id })}>{w.audience}</Link> },
                { head: 'URL', cell: (w) => <code>{w.url}</code> },
                { head: 'Sends', cell: (w) => w.events.join(', ') },
                { head: 'Consent', cell: (w) => w.consent },
              ]}
            />
          )}
        </Async>
      </section>
    </>
  );
}
