import { api } from '../api/client.js';
import type { CustomBehavior } from '../api/types.js';
import { useAction } from '../api/use-api.js';
import { ActionStatus } from '../components/state.js';
import { TableBox } from '../components/table.js';
import { count, percent } from '../format.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';

/** The custom behaviors made so far, active or drafts, each with its words, spec and size, and a switch. */
export function CustomBehaviors({ custom, onChange }: { custom: CustomBehavior[]; onChange: () => void }) {
  return (
    <TableBox label="Custom behaviors">
      <table className="custom-behaviors">
        <thead>
          <tr>
            <th scope="col">Behavior</th>
            <th scope="col">Words</th>
            <th scope="col">Spec</th>
            <th scope="col" className="num">Customers</th>
            <th scope="col" className="num">Revenue</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {custom.map((b) => (
            <tr key={b.id}>
              <td>
                <Link to={pathOf('audience', { id: b.id })}>{b.name}</Link>
              </td>
              <td>{b.text || '–'}</td>
              <td>
                <code>{b.spec}</code>
              </td>
              <td className="num">{b.size === null ? '–' : count(b.size)}</td>
              <td className="num">{percent(b.revenue_share)}</td>
              <td>
                <Switch behavior={b} onChange={onChange} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableBox>
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
