import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from './client.js';

/** What a page holds of one API read: still loading, failed with the API's error, or the data. */
export type Loaded<T> = { status: 'loading' } | { status: 'error'; error: ApiError } | { status: 'ready'; data: T };

/**
 * Reads `path` (GET) whenever it changes. A newer read cancels the one before, and an answer counts only for the path
 * it was asked for, so a slow answer never shows under a newer path. `reload` reads again, e.g. after a write.
 */
export function useApi<T>(path: string): Loaded<T> & { reload: () => void } {
  const [generation, setGeneration] = useState(0);
  const key = `${generation} ${path}`;
  const [result, setResult] = useState<{ key: string; state: Loaded<T> } | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    api<T>(path, { signal: abort.signal }).then(
      (data) => setResult({ key, state: { status: 'ready', data } }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setResult({ key, state: { status: 'error', error: err instanceof ApiError ? err : new ApiError(0, 'client', String(err)) } });
      },
    );
    return () => abort.abort();
  }, [key, path]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const state: Loaded<T> = result?.key === key ? result.state : { status: 'loading' };
  return { ...state, reload };
}

/** An action's state (a form submit, a delete): idle, running, failed with the API's error, or done with its answer. */
export type Action<T> = { status: 'idle' } | { status: 'running' } | { status: 'error'; error: ApiError } | { status: 'done'; data: T };

/** Runs an API write and keeps its state, so the form that started it can show progress, the error or the result. */
export function useAction<A extends unknown[], T>(run: (...args: A) => Promise<T>): [Action<T>, (...args: A) => Promise<T | undefined>, () => void] {
  const [state, setState] = useState<Action<T>>({ status: 'idle' });
  const start = useCallback(
    async (...args: A) => {
      setState({ status: 'running' });
      try {
        const data = await run(...args);
        setState({ status: 'done', data });
        return data;
      } catch (err) {
        setState({ status: 'error', error: err instanceof ApiError ? err : new ApiError(0, 'client', String(err)) });
        return undefined;
      }
    },
    [run],
  );
  const reset = useCallback(() => setState({ status: 'idle' }), []);
  return [state, start, reset];
}
