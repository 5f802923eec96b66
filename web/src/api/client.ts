import { currentKey } from '../session.js';

/** An API error as the server sends it, `{error: {code, message, details}}`, or a transport failure in that shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = (error: ApiError) => void;
const unauthorizedListeners = new Set<Listener>();

/** Called when the API refuses the key (401): the app then shows the sign-in form with the server's message. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

function errorOf(status: number, statusText: string, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const e = body.error;
    if (e && typeof e.code === 'string' && typeof e.message === 'string') {
      return new ApiError(status, e.code, e.message, typeof e.details === 'object' && e.details !== null ? (e.details as Record<string, unknown>) : {});
    }
  } catch {
    // Not JSON (a proxy's error page): the status line is all there is.
  }
  return new ApiError(status, 'http_error', `${status} ${statusText}`.trim());
}

/** Tells the app when the key was refused, and hands the error back to throw. */
function failed(error: ApiError): ApiError {
  if (error.status === 401) for (const listener of unauthorizedListeners) listener(error);
  return error;
}

function authorization(): Record<string, string> {
  const key = currentKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

/**
 * How many calls to the API are under way, kept on `<html data-requests>`: the browser tests read a page once it is 0
 * and nothing shows `.loading`, rather than waiting for the network to stay idle for half a second.
 */
let underWay = 0;

function counted<T>(call: Promise<T>): Promise<T> {
  document.documentElement.dataset.requests = String(++underWay);
  return call.finally(() => {
    document.documentElement.dataset.requests = String(--underWay);
  });
}

/** The one way the app calls the API: with the session's key, JSON in and out, errors as ApiError. */
export function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return counted(call<T>(path, options));
}

async function call<T>(path: string, options: RequestOptions): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authorization() };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal: options.signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'the server did not answer; is `segmint serve` running?');
  }
  const text = await res.text();
  if (!res.ok) throw failed(errorOf(res.status, res.statusText, text));
  return (text ? JSON.parse(text) : null) as T;
}

/** A file the API answers (an export's download), with the session's key, errors as ApiError. */
export function apiFile(path: string): Promise<Blob> {
  return counted(
    (async () => {
      const res = await fetch(path, { headers: authorization() }).catch(() => {
        throw new ApiError(0, 'network', 'the server did not answer; is `segmint serve` running?');
      });
      if (!res.ok) throw failed(errorOf(res.status, res.statusText, await res.text()));
      return res.blob();
    })(),
  );
}

/** A query string from the defined values only. */
export function query(params: Record<string, string | number | boolean | undefined | null | ReadonlyArray<string>>): string {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value as ReadonlyArray<string>) q.append(name, v);
    else q.append(name, String(value));
  }
  const text = q.toString();
  return text ? `?${text}` : '';
}

/**
 * Sends a file as the request body with upload progress (fetch reports none), as `api` does otherwise. `onProgress`
 * gets the share sent, 0 to 1.
 */
export function upload<T>(path: string, file: Blob, onProgress: (sent: number) => void): Promise<T> {
  const sent = new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [name, value] of Object.entries(authorization())) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'the upload was cut off; is `segmint serve` running?'));
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve((xhr.responseText ? JSON.parse(xhr.responseText) : null) as T);
        return;
      }
      reject(failed(errorOf(xhr.status, xhr.statusText, xhr.responseText)));
    };
    xhr.send(file);
  });
  return counted(sent);
}
