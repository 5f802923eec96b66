import { useState, type FormEvent } from 'react';
import { api, query } from '../api/client.js';
import type { ApiKeyListing, AuditPage, ConsentAnswer, CreatedKey, ErasureAnswer, Scope } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { ActionStatus, Async } from '../components/state.js';
import { DataTable, Pager } from '../components/table.js';
import { count } from '../format.js';

/** What each scope lets a key do; typed by the server's scopes, so a new one must be described here. */
const SCOPES: Record<Scope, string> = {
  'audiences:read': 'read audiences, customers and analyses',
  'audiences:write': 'create audiences, run, fit clusters and CLV',
  'ingest:write': 'send events and files, set consent',
  'profiles:read': 'read customer profiles',
  'campaigns:read': 'read campaigns',
  'campaigns:write': 'manage campaigns',
  storefront: "a shop's public key: decide and send campaign events, from its origins only (create it with origins through the API or CLI)",
  admin: 'everything, keys and erasure included',
};

/** The workspace's keys, a customer's consent and erasure, and the audit log; all need an admin key. */
export function SettingsPage() {
  const [auditGeneration, setAuditGeneration] = useState(0);
  const changed = () => setAuditGeneration((g) => g + 1);
  return (
    <>
      <Keys onChange={changed} />
      <Consent />
      <Erase onErased={changed} />
      <Audit key={auditGeneration} />
    </>
  );
}

function Keys({ onChange }: { onChange: () => void }) {
  const keys = useApi<ApiKeyListing[]>('/v1/keys');
  const [scopes, setScopes] = useState<Scope[]>(['audiences:read']);
  const [create, startCreate] = useAction(() => api<CreatedKey>('/v1/keys', { method: 'POST', body: { scopes } }));
  const [revoke, startRevoke] = useAction((id: string) => api<ApiKeyListing>(`/v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE' }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await startCreate()) {
      keys.reload();
      onChange();
    }
  };
  const revokeKey = async (id: string) => {
    if (!window.confirm(`Revoke ${id}? Clients using it are refused from their next request.`)) return;
    if (await startRevoke(id)) {
      keys.reload();
      onChange();
    }
  };

  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <form onSubmit={(e) => void submit(e)}>
        <fieldset className="checks">
          <legend>Scopes of a new key</legend>
          {(Object.entries(SCOPES) as Array<[Scope, string]>).map(([scope, about]) => (
            <label key={scope} title={about}>
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(e) => setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))}
              />
              {scope}
            </label>
          ))}
        </fieldset>
        <p>
          <button type="submit" disabled={scopes.length === 0 || create.status === 'running'}>
            Create key
          </button>
        </p>
      </form>
      <ActionStatus
        action={create}
        running="Creating"
        done={(k) => (
          <p>
            Created {k.id}. The key, shown this once: <code className="secret">{k.key}</code>
          </p>
        )}
      />
      <ActionStatus action={revoke} running="Revoking" done={(k) => <p>Revoked {k.id}.</p>} />
      <Async value={keys} what="keys">
        {(list) => (
          <DataTable
            label="API keys"
            rows={list}
            rowKey={(k) => k.id}
            columns={[
              { head: 'Key', cell: (k) => <code>{k.id}</code> },
              { head: 'Scopes', cell: (k) => k.scopes.join(', ') },
              { head: 'Created (UTC)', cell: (k) => k.created_at },
              {
                head: 'State',
                cell: (k) =>
                  k.revoked ? (
                    `revoked ${k.revoked_at ?? ''}`
                  ) : (
                    <button type="button" className="quiet" onClick={() => void revokeKey(k.id)} aria-label={`Revoke ${k.id}`}>
                      Revoke
                    </button>
                  ),
              },
            ]}
          />
        )}
      </Async>
    </section>
  );
}

const CHANNELS = ['email', 'sms', 'push', 'ads'] as const;
type Choice = '' | 'true' | 'false';

function Consent() {
  const [id, setId] = useState('');
  const [choices, setChoices] = useState<Record<(typeof CHANNELS)[number], Choice>>({ email: '', sms: '', push: '', ads: '' });
  const [action, start] = useAction(() =>
    api<ConsentAnswer>(`/v1/customers/${encodeURIComponent(id.trim())}/consent`, {
      method: 'PUT',
      body: Object.fromEntries(CHANNELS.filter((c) => choices[c] !== '').map((c) => [c, choices[c] === 'true'])),
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void start();
  };
  return (
    <section aria-labelledby="consent-title">
      <h2 id="consent-title">Consent</h2>
      <form className="row" onSubmit={submit}>
        <div className="field">
          <label htmlFor="consent-id">Customer id</label>
          <input id="consent-id" value={id} onChange={(e) => setId(e.target.value)} required spellCheck={false} />
        </div>
        {CHANNELS.map((c) => (
          <div className="field" key={c}>
            <label htmlFor={`consent-${c}`}>{c}</label>
            <select id={`consent-${c}`} value={choices[c]} onChange={(e) => setChoices({ ...choices, [c]: e.target.value as Choice })}>
              <option value="">unchanged</option>
              <option value="true">given</option>
              <option value="false">withdrawn</option>
            </select>
          </div>
        ))}
        <button type="submit" disabled={!id.trim() || CHANNELS.every((c) => choices[c] === '') || action.status === 'running'}>
          Set consent
        </button>
      </form>
      <ActionStatus
        action={action}
        running="Saving"
        done={(r) => (
          <p>
            {r.customer_id} now: {CHANNELS.map((c) => `${c} ${r.consent[c] === null ? 'not stated' : r.consent[c] ? 'given' : 'withdrawn'}`).join(', ')}.
          </p>
        )}
      />
    </section>
  );
}

function Erase({ onErased }: { onErased: () => void }) {
  const [id, setId] = useState('');
  const [confirm, setConfirm] = useState('');
  const [action, start] = useAction((customer: string) => api<ErasureAnswer>(`/v1/customers/${encodeURIComponent(customer)}`, { method: 'DELETE' }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await start(id.trim())) {
      setConfirm('');
      onErased();
    }
  };
  return (
    <section aria-labelledby="erase-title">
      <h2 id="erase-title">Erase a customer</h2>
      <p className="muted">Removes the customer everywhere and keeps a tombstone, so a later import does not bring them back. It cannot be undone.</p>
      <form className="row" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="erase-id">Customer id</label>
          <input id="erase-id" value={id} onChange={(e) => setId(e.target.value)} required spellCheck={false} />
        </div>
        <div className="field">
          <label htmlFor="erase-confirm">Type the id again to confirm</label>
          <input id="erase-confirm" value={confirm} onChange={(e) => setConfirm(e.target.value)} required spellCheck={false} />
        </div>
        <button type="submit" className="danger" disabled={!id.trim() || confirm.trim() !== id.trim() || action.status === 'running'}>
          Erase
        </button>
      </form>
      <ActionStatus
        action={action}
        running="Erasing"
        done={(r) => (
          <p>
            Erased: {Object.entries(r.deleted)
              .filter(([, n]) => n > 0)
              .map(([table, n]) => `${count(n)} ${table}`)
              .join(', ') || 'nothing held'}
            .
          </p>
        )}
      />
    </section>
  );
}

const AUDIT_PAGE = 20;

function Audit() {
  const [offset, setOffset] = useState(0);
  const audit = useApi<AuditPage>(`/v1/audit${query({ limit: AUDIT_PAGE, offset })}`);
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <Async value={audit} what="the audit log" isEmpty={(a) => a.total === 0} empty={<p>Nothing recorded yet: keys created or revoked, audiences deleted and customers erased show here.</p>}>
        {(a) => (
          <>
            <DataTable
              label="Audit log, newest first"
              rows={a.entries}
              rowKey={(e, i) => `${e.at}-${i}`}
              columns={[
                { head: 'When (UTC)', cell: (e) => e.at },
                { head: 'By key', cell: (e) => <code>{e.actor}</code> },
                { head: 'What', cell: (e) => e.action },
                { head: 'Details', cell: (e) => <code>{JSON.stringify(e.details)}</code> },
              ]}
            />
            <Pager total={a.total} limit={a.limit} offset={a.offset} onPage={setOffset} what="entries" />
          </>
        )}
      </Async>
    </section>
  );
}
