/**
 * The instant of an ISO 8601 text as the event schema takes it (a date, `T`, hours and minutes, optional seconds and
 * fraction, then `Z`, an offset `+HH:MM` or nothing: UTC), in microseconds since 1970 (UTC), read as DuckDB casts it
 * (`CAST(CAST(text AS TIMESTAMPTZ) AS TIMESTAMP)`): digits past the microsecond are dropped. Read here, a batch's
 * events are appended with their instant and the live view is given it, without a statement to parse them.
 */
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:Z|([+-])(\d{2}):(\d{2}))?$/;

export function isoMicros(text: string): bigint {
  const m = ISO.exec(text);
  if (!m) throw new Error(`not an ISO 8601 instant: ${text}`);
  const [, year, month, day, hours, minutes, seconds = '0', fraction = '', sign, offsetHours = '0', offsetMinutes = '0'] = m;
  // setUTCFullYear takes a year below 100 as written, where Date.UTC would read 0024 as 1924.
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  const offset = (sign === '-' ? -1 : 1) * (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60);
  const whole = date.getTime() / 1000 + Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds) - offset;
  return BigInt(whole) * 1_000_000n + BigInt(fraction.slice(0, 6).padEnd(6, '0'));
}

/** Microseconds as epoch milliseconds, rounded towards zero as DuckDB's epoch_ms rounds them. */
export function microsToMs(micros: bigint): number {
  return Number(micros / 1000n);
}
