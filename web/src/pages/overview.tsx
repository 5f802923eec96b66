import type { Stats } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { Async } from '../components/state.js';

export function OverviewPage() {
  const stats = useApi<Stats>('/v1/stats');
  return (
    <Async value={stats} what="the store's counts" isEmpty={(s) => s.customers === 0} empty={<p>No customers yet: import a file on the Data page.</p>}>
      {(s) => (
        <dl className="figures">
          <div>
            <dt>Customers</dt>
            <dd>{s.customers.toLocaleString('en')}</dd>
          </div>
        </dl>
      )}
    </Async>
  );
}
