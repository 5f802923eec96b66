import { api } from '../api/client.js';
import type { CustomBehavior } from '../api/types.js';
import { useAction } from '../api/use-api.js';
import { ActionStatus } from '../components/state.js';
import { DataTable } from '../components/table.js';
import { count, percent } from '../format.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';

/** The custom behaviors made so far, active or drafts, each with its words, spec and size, and a switch. */
export function CustomBehaviors({ custom, onChange }: { custom: CustomBehavior[]; onChange: () => void }) {
  return (
    <DataTable
      label="Custom behaviors"
      className="custom-behaviors"
      rows={custom}
      rowKey={(b) => b.id}
      columns={[
        { head: 'Behavior', cell: (b) => <Link to={pathOf('audience', { id: b.id })}>{b.name}</Link> },
        { head: 'Words', cell: (b) => b.text || '–' },
        { head: 'Spec', cell: (b) => <code>{b.spec}</code> },
        { head: 'Customers', num: true, cell: (b) => (b.size === null ? '–' : count(b.size)) },
        { head: 'Revenue', num: true, cell: (b) => percent(b.revenue_share) },
        { head: 'State', cell: (b) => <Switch behavior={b} onChange={onChange} /> },
      ]}
    />
  );
}

function Switch({ behavior: b, onChange }: { behavior: CustomBehavior; onChange: () => void }) {
  const verb = b.active ? 'deactivate' : 'activate';
  const [action, start] = useAction(() => api<CustomBehavior>(`/v1/behaviors/${encodeURIComponent(b.id)}/${verb}`, { method: 'POST' }));
  return (
    <>
      {b.active ? 'active' : 'draft'}{' '}
      <button type="button" className="quiet" disabled={action.status === 'running'} aria-label={`${b.active ? 'Deactivate' : 'Activate'} ${b.name}`} onClick={() => void start().then((r) => r && onChange())}>
        {b.active ? 'Deactivate' : 'Activate'}
      </button>
      <ActionStatus action={action} running={b.active ? 'Deactivating' : 'Activating'} />
    </>
  );
}
