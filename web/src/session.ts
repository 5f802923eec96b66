/**
 * The API key of this browser tab. It lives in sessionStorage only: gone when the tab closes, never in a cookie (so
 * never sent without the app asking) and never in localStorage (shared with every other tab, kept forever).
 */
const STORAGE_KEY = 'segmint.api-key';

/**
 * A sign-in link carries the key in the URL fragment (`/#key=...`), which the browser never sends to the server,
 * so it stays out of request logs. It is moved into the session and removed from the address bar and history.
 */
export function takeKeyFromLink(): void {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const key = params.get('key');
  if (key === null) return;
  if (key) sessionStorage.setItem(STORAGE_KEY, key);
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
}

export function currentKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function signIn(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key.trim());
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
