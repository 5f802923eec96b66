import { useEffect, useRef, type ReactNode } from 'react';
import { Link } from '../router.js';
import { ROUTES, type Match } from '../routes.js';

/** Header with the navigation, and the page under its title; focus moves to the title on every navigation. */
export function Layout({ match, onSignOut, children }: { match: Match | undefined; onSignOut: () => void; children: ReactNode }) {
  const title = match?.route.title ?? 'Not found';
  const heading = useRef<HTMLHeadingElement>(null);
  const section = match ? (match.route.parent ?? match.route.id) : undefined;
  useEffect(() => {
    document.title = `${title} · Segmint`;
    heading.current?.focus({ preventScroll: true });
  }, [title, match?.params.id]);

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Segmint
        </Link>
        <nav aria-label="Pages">
          <ul>
            {ROUTES.filter((r) => r.nav).map((r) => (
              <li key={r.id}>
                <Link to={r.path} aria-current={r.id === section ? 'page' : undefined}>
                  {r.title}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="quiet" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {children}
      </main>
    </>
  );
}
