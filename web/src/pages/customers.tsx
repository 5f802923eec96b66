import { useState, type FormEvent } from 'react';
import { navigate } from '../router.js';
import { pathOf } from '../routes.js';

/** Find a customer by id. */
export function CustomersPage() {
  const [id, setId] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (id.trim()) navigate(pathOf('customer', { id: id.trim() }));
  };
  return (
    <section aria-labelledby="find-title">
      <h2 id="find-title">Find a customer</h2>
      <form className="row" onSubmit={submit}>
        <div className="field">
          <label htmlFor="customer-id">Customer id</label>
          <input id="customer-id" value={id} onChange={(e) => setId(e.target.value)} autoComplete="off" spellCheck={false} required />
        </div>
        <button type="submit" disabled={!id.trim()}>
          Show
        </button>
      </form>
      <p className="muted small">Customers are also linked from every audience&apos;s member list.</p>
    </section>
  );
}
