import type { BehaviorFamily } from '../api/types.js';
import { query } from '../api/client.js';
import { useApi } from '../api/use-api.js';
import { Async } from '../components/state.js';
import { day } from '../format.js';
import { CustomBehaviorWizard } from './behavior-wizard.js';
import { CustomBehaviors } from './behaviors-custom.js';
import { ClusterAgreement, SuggestedBehaviors } from './behaviors-suggested.js';

/**
 * Behaviors as one family: the suggested customer behaviors beside the behavioral clusters of the same names, the
 * product behaviors, and custom behaviors written in the marketer's own words.
 */
export function BehaviorsPage() {
  const customers = useApi<BehaviorFamily>(`/v1/behaviors${query({ entity: 'customers' })}`);
  const products = useApi<BehaviorFamily>(`/v1/behaviors${query({ entity: 'products' })}`);
  const noRun = <p>No run yet: behaviors are scored by every run. Run the pipeline on the Overview page.</p>;
  return (
    <>
      <section aria-labelledby="customer-behaviors-title">
        <h2 id="customer-behaviors-title">Customer behaviors</h2>
        <p className="muted">
          Overlapping scores: a customer can be a Value Hunter and Mobile-First at once. Members score 0.5 or more; lift is their mean on the leading signal over the store’s.
        </p>
        <Async value={customers} what="the customer behaviors" isEmpty={(f) => f.suggested.length === 0} empty={noRun}>
          {(f) => (
            <>
              {f.as_of ? <p className="small muted">As of {day(f.as_of)}.</p> : null}
              <SuggestedBehaviors family={f} noun="customers" />
            </>
          )}
        </Async>
      </section>
      <section aria-labelledby="clusters-title">
        <h2 id="clusters-title">Behavioral clusters</h2>
        <p className="muted">A partition of the same customers by k-means, under the same names: each customer in exactly one cluster.</p>
        <Async value={customers} what="the behavioral clusters" isEmpty={(f) => f.clusters.length === 0} empty={<p>No behavioral clustering yet: fit one on the Clusters page.</p>}>
          {(f) => <ClusterAgreement family={f} />}
        </Async>
      </section>
      <section aria-labelledby="product-behaviors-title">
        <h2 id="product-behaviors-title">Product behaviors</h2>
        <p className="muted">A customer’s affinity to one is their share of spend and views on its products.</p>
        <Async value={products} what="the product behaviors" isEmpty={(f) => f.suggested.length === 0} empty={noRun}>
          {(f) => <SuggestedBehaviors family={f} noun="products" />}
        </Async>
      </section>
      <section aria-labelledby="custom-title">
        <h2 id="custom-title">Custom behaviors</h2>
        <Async value={customers} what="the custom behaviors" isEmpty={(f) => f.custom.length === 0} empty={<p>None yet: describe one below.</p>}>
          {(f) => <CustomBehaviors custom={f.custom} onChange={() => customers.reload()} />}
        </Async>
      </section>
      <section aria-labelledby="new-custom-title">
        <h2 id="new-custom-title">New custom behavior</h2>
        <CustomBehaviorWizard onActivated={() => customers.reload()} />
      </section>
    </>
  );
}
