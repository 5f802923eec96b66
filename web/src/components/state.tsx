import type { ReactNode } from 'react';
import type { ApiError } from '../api/client.js';
import type { Action, Loaded } from '../api/use-api.js';

/** An API error in one line, where the action that failed was taken; announced to screen readers. */
export function ErrorLine({ error }: { error: ApiError }) {
  return (
    <p className="error" role="alert">
      {error.message}
      {error.code !== 'http_error' && error.code !== 'network' ? <span className="code"> ({error.code})</span> : null}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/**
 * The one pattern for data on a page: loading, the API's error, an empty state that says what to do, or the data.
 * `what` names the data in the loading message ("audiences").
 */
export function Async<T>({ value, what, isEmpty, empty, children }: {
  value: Loaded<T>;
  what: string;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (value.status === 'loading') return <Loading what={what} />;
  if (value.status === 'error') return <ErrorLine error={value.error} />;
  if (isEmpty?.(value.data)) return <Empty>{empty}</Empty>;
  return <>{children(value.data)}</>;
}

/** Under a form: what its action is doing, its error, or (optionally) what it did. */
export function ActionStatus<T>({ action, running, done }: { action: Action<T>; running: string; done?: (data: T) => ReactNode }) {
  switch (action.status) {
    case 'idle':
      return null;
    case 'running':
      return (
        <p className="muted" role="status">
          {running}…
        </p>
      );
    case 'error':
      return <ErrorLine error={action.error} />;
    case 'done':
      return done ? (
        <div className="done" role="status">
          {done(action.data)}
        </div>
      ) : null;
  }
}
