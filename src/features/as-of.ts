import { UsageError } from '../shared/errors.js';

/**
 * `YYYY-MM-DD` or a full ISO timestamp; returned normalised as `YYYY-MM-DD HH:MM:SS` (UTC). `name` is the option or
 * field it came from (`--until`, `as_of`), which an error names.
 */
export function parseAsOf(text: string, name: string): string {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new UsageError(`${name}: "${text}" is not a date (expected YYYY-MM-DD or an ISO timestamp)`, { [name]: text });
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
