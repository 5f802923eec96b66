import { useEffect, useState } from 'react';
import { api, onUnauthorized, type ApiError } from './api/client.js';
import { Layout } from './components/layout.js';
import { SignIn } from './components/sign-in.js';
import { Loading } from './components/state.js';
import { PAGES } from './pages/index.js';
import { Link, useLocation } from './router.js';
import { matchRoute } from './routes.js';
import { currentKey, signOut } from './session.js';

type Session = 'checking' | 'signed-in' | 'signed-out';

export function App() {
  // A key from the session or a sign-in link is checked once before any page asks for data, so a wrong key gives one
  // refusal and the sign-in form, not a page that starts loading and is taken away.
  const [session, setSession] = useState<Session>(() => (currentKey() === null ? 'signed-out' : 'checking'));
  const [refused, setRefused] = useState<ApiError | null>(null);
  const { pathname } = useLocation();

  useEffect(() => {
    if (session !== 'checking') return;
    api('/v1/stats').then(
      () => setSession('signed-in'),
      // A 401 is handled below; anything else (a key without the scope, a server down) is for the page to show.
      (err: ApiError) => setSession(err.status === 401 ? 'signed-out' : 'signed-in'),
    );
  }, [session]);

  // Any 401 (a wrong, revoked or expired key) ends the session and shows the server's reason on the sign-in form.
  useEffect(
    () =>
      onUnauthorized((error) => {
        signOut();
        setRefused(error);
        setSession('signed-out');
      }),
    [],
  );

  if (session === 'checking') return <Loading what="your session" />;
  if (session === 'signed-out') {
    return (
      <SignIn
        refused={refused}
        onSignedIn={() => {
          setRefused(null);
          setSession('signed-in');
        }}
      />
    );
  }
  const match = matchRoute(pathname);
  const Page = match ? PAGES[match.route.id] : undefined;
  return (
    <Layout
      match={match}
      onSignOut={() => {
        signOut();
        setSession('signed-out');
      }}
    >
      {Page && match ? (
        // Keyed by path: a page for another audience or customer starts afresh.
        <Page key={pathname} params={match.params} />
      ) : (
        <p>
          No page here. <Link to="/">Go to the overview</Link>.
        </p>
      )}
    </Layout>
  );
}
