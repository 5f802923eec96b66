import { useState, type FormEvent } from 'react';
import { api } from '../api/client.js';
import type { BehaviorPreview, CreateBehavior, CreatedBehavior } from '../api/types.js';
import { useAction } from '../api/use-api.js';
import { ActionStatus } from '../components/state.js';
import { count } from '../format.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';

/**
 * The wizard's last step: the previewed spec gets a name and becomes an active custom behavior, an audience every run
 * refreshes. Only what was previewed is activated: an edited spec must be previewed first.
 */
export function ActivateForm({ preview, edited, onActivated }: { preview: BehaviorPreview; edited: boolean; onActivated: () => void }) {
  const [name, setName] = useState('');
  const [create, startCreate] = useAction((n: string) => {
    const body: CreateBehavior = { name: n, text: preview.text, spec: preview.spec, active: true };
    return api<CreatedBehavior>('/v1/behaviors', { method: 'POST', body });
  });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await startCreate(name.trim())) onActivated();
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="activate-title" className="step">
      <h3 id="activate-title">5. Name and activate</h3>
      <div className="row">
        <div className="field grow">
          <label htmlFor="behavior-name">Name</label>
          <input id="behavior-name" value={name} maxLength={120} onChange={(e) => setName(e.target.value)} required />
        </div>
        <button type="submit" disabled={!name.trim() || edited || create.status === 'running'}>
          Activate
        </button>
      </div>
      {edited ? <p className="small muted">Preview the edited spec before activating it.</p> : null}
      <ActionStatus
        action={create}
        running="Activating"
        done={(b) => (
          <p>
            Activated <Link to={pathOf('audience', { id: b.id })}>{b.name}</Link>: {b.size === null ? 'computed at the next run' : `${count(b.size)} customers now`}, refreshed by every
            run. It is listed with the <Link to={pathOf('audiences')}>audiences</Link>.
          </p>
        )}
      />
    </form>
  );
}
