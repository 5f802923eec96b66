import { useEffect, useState } from 'react';
import { onUnauthorized, type ApiError } from './api/client.js';
import { Layout } from './components/layout.js';
import { SignIn } from './components/sign-in.js';
import { PAGES } from './pages/index.js';
import { Link, useLocation } from './router.js';
import { matchRoute } from './routes.js';
import { currentKey, signOut } from './session.js';

export function App() {
  const [signedIn, setSignedIn] = useState(() => currentKey() !== null);
  const [refused, setRefused] = useState<ApiError | null>(null);
  const { pathname } = useLocation();

  // Any 401 (a wrong, revoked or expired key) ends the session and shows the server's reason on the sign-in form.
  useEffect(
    () =>
      onUnauthorized((error) => {
        signOut();
        setRefused(error);
        setSignedIn(false);
      }),
    [],
  );

  if (!signedIn) {
    return (
      <SignIn
        refused={refused}
        onSignedIn={() => {
          setRefused(null);
          setSignedIn(true);
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
        setSignedIn(false);
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
