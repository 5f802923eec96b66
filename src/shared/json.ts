/**
 * Dates as `YYYY-MM-DD HH:MM:SS` (UTC, as stored) and bigints as numbers, in every JSON Segmint writes: the CLI's
 * `--json` and the API's answers alike (a replacer for JSON.stringify, which has turned a Date into its ISO text).
 */
export function jsonValue(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value)) return value.slice(0, 19).replace('T', ' ');
  return value;
}
