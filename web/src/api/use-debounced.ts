import { useEffect, useRef, useState } from 'react';
import { ApiError } from './client.js';

export interface Debounced<T> {
  value: T | null;
  /** The input the value answers; a value for an older input is not shown as current. */
  for: string | null;
  error: ApiError | null;
}

/** Calls `fetch` with `input` once it has stayed the same for `delay` ms; a newer input cancels the call before. */
export function useDebounced<T>(input: string | null, delay: number, fetch: (input: string, signal: AbortSignal) => Promise<T>): Debounced<T> {
  const [state, setState] = useState<Debounced<T>>({ value: null, for: null, error: null });
  const call = useRef(fetch);
  useEffect(() => {
    call.current = fetch;
  });
  useEffect(() => {
    if (input === null) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      call.current(input, abort.signal).then(
        (value) => setState({ value, for: input, error: null }),
        (err: unknown) => {
          if (!abort.signal.aborted) setState({ value: null, for: input, error: err instanceof ApiError ? err : new ApiError(0, 'client', String(err)) });
        },
      );
    }, delay);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [input, delay]);
  return input === null || state.for !== input ? { value: null, for: null, error: null } : state;
}
