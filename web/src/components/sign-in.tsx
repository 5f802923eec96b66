import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.js';
import { signIn, signOut } from '../session.js';
import { ErrorLine } from './state.js';

/**
 * Asks for an API key and checks it against the API before keeping it. `refused` is why the last key was turned away
 * (the server's message), shown above the form.
 */
export function SignIn({ refused, onSignedIn }: { refused: ApiError | null; onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<ApiError | null>(refused);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    signIn(key);
    try {
      await api('/v1/stats');
      onSignedIn();
    } catch (err) {
      signOut();
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to Segmint</h1>
      <p>
        Paste an API key of your workspace. <code>npm run demo</code> prints a sign-in link with one; otherwise create a key with{' '}
        <code>segmint keys create --scopes admin</code>. The key is kept in this browser tab only, until you close it or sign out.
      </p>
      {error ? <ErrorLine error={error} /> : null}
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="off" spellCheck={false} required value={key} onChange={(e) => setKey(e.target.value)} />
        <button type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
