import { useState, type FormEvent } from 'react';
import { api, query } from '../api/client.js';
import type { Audience, WebhookInput, WebhookList, WebhookWithSecret } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { ActionStatus, Async } from '../components/state.js';
import { DataTable } from '../components/table.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';

const EVENTS = ['entry', 'exit'] as const;
const CHANNELS = ['email', 'sms', 'push', 'ads'] as const;

/** The audience's webhooks: subscribe a CRM URL to its entries and exits, rotate a secret, remove one. */
export function AudienceWebhooks({ audience }: { audience: Audience }) {
  const hooks = useApi<WebhookList>(`/v1/webhooks${query({ audience: audience.id })}`);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<Array<(typeof EVENTS)[number]>>([...EVENTS]);
  const [consent, setConsent] = useState<(typeof CHANNELS)[number]>('email');
  const body: WebhookInput = { audience_id: audience.id, url: url.trim(), events, consent };
  const [create, startCreate] = useAction(() => api<WebhookWithSecret>('/v1/webhooks', { method: 'POST', body }));
  const [rotate, startRotate] = useAction((id: string) => api<WebhookWithSecret>(`/v1/webhooks/${encodeURIComponent(id)}/rotate`, { method: 'POST', body: {} }));
  const [remove, startRemove] = useAction((id: string) => api(`/v1/webhooks/${encodeURIComponent(id)}`, { method: 'DELETE' }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await startCreate()) {
      setUrl('');
      hooks.reload();
    }
  };
  const removeHook = async (id: string) => {
    if (!window.confirm(`Remove ${id}? Deliveries it has not made are dropped.`)) return;
    if (await startRemove(id)) hooks.reload();
  };
  const secret = (w: WebhookWithSecret) => (
    <p>
      Webhook {w.id}: its signing secret, shown this once: <code className="secret">{w.secret}</code>
    </p>
  );

  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p className="muted">
        Signed POSTs to a CRM when customers enter or leave this audience, after each run and as events arrive; only customers who consented to the channel
        are named. <Link to={pathOf('webhooks')}>Delivery log</Link>
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <div className="row">
          <div className="field">
            <label htmlFor="webhook-url">URL</label>
            <input id="webhook-url" type="url" required placeholder="https://crm.example.com/hooks/segmint" value={url} onChange={(e) => setUrl(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="webhook-consent">Consent channel</label>
            <select id="webhook-consent" value={consent} onChange={(e) => setConsent(e.target.value as (typeof CHANNELS)[number])}>
              {CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </div>
        </div>
        <fieldset className="checks">
          <legend>Send</legend>
          {EVENTS.map((ev) => (
            <label key={ev}>
              <input type="checkbox" checked={events.includes(ev)} onChange={(e) => setEvents(e.target.checked ? [...events, ev] : events.filter((x) => x !== ev))} />
              {ev === 'entry' ? 'entries' : 'exits'}
            </label>
          ))}
        </fieldset>
        <p>
          <button type="submit" disabled={events.length === 0 || create.status === 'running'}>
            Add webhook
          </button>
        </p>
      </form>
      <ActionStatus action={create} running="Adding" done={secret} />
      <ActionStatus action={rotate} running="Rotating" done={secret} />
      <ActionStatus action={remove} running="Removing" />
      <Async value={hooks} what="webhooks" isEmpty={(l) => l.webhooks.length === 0} empty={<p>No webhook follows this audience.</p>}>
        {(list) => (
          <DataTable
            label="Webhooks of this audience"
            rows={list.webhooks}
            rowKey={(w) => w.id}
            columns={[
              { head: 'URL', cell: (w) => <code>{w.url}</code> },
              { head: 'Sends', cell: (w) => w.events.join(', ') },
              { head: 'Consent', cell: (w) => w.consent },
              { head: 'Old secret signs until (UTC)', cell: (w) => w.previous_secret_until ?? '–' },
              {
                head: 'Actions',
                cell: (w) => (
                  <>
                    <button type="button" className="quiet" onClick={() => void startRotate(w.id).then((r) => r && hooks.reload())} aria-label={`Rotate the secret of ${w.url}`}>
                      Rotate secret
                    </button>{' '}
                    <button type="button" className="quiet" onClick={() => void removeHook(w.id)} aria-label={`Remove ${w.url}`}>
                      Remove
                    </button>
                  </>
                ),
              },
            ]}
          />
        )}
      </Async>
    </section>
  );
}
