import type { BehaviorsReport } from '../api/types.js';
import { query } from '../api/client.js';
import { useApi } from '../api/use-api.js';
import { Async } from '../components/state.js';
import { SuggestedBehaviors } from './behaviors-suggested.js';
import { CustomBehaviorWizard } from './behavior-wizard.js';

/**
 * Behaviors as one family: the suggested customer behaviors beside the behavioral clusters of the same names, the
 * product behaviors, and custom behaviors written in the marketer's own words.
 */
export function BehaviorsPage() {
  const customers = useApi<BehaviorsReport>(`/v1/behaviors${query({ entity: 'customers' })}`);
  const products = useApi<BehaviorsReport>(`/v1/behaviors${query({ entity: 'products' })}`);
  return (
    <>
      <section aria-labelledby="customer-behaviors-title">
        <h2 id="customer-behaviors-title">Customer behaviors</h2>
        <Async value={customers} what="the customer behaviors">
          {(r) => <SuggestedBehaviors behaviors={r.behaviors} agreement={r.agreement} noun="customers" />}
        </Async>
      </section>
      <section aria-labelledby="product-behaviors-title">
        <h2 id="product-behaviors-title">Product behaviors</h2>
        <Async value={products} what="the product behaviors">
          {(r) => <SuggestedBehaviors behaviors={r.behaviors} agreement={r.agreement} noun="products" />}
        </Async>
      </section>
      <section aria-labelledby="custom-title">
        <h2 id="custom-title">New custom behavior</h2>
        <CustomBehaviorWizard onActivated={() => customers.reload()} />
      </section>
    </>
  );
}
