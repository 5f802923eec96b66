import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Paths whose values are personal data or secrets; they never reach a log line. */
const REDACTED_PATHS = [
  'email',
  'phone',
  '*.email',
  '*.phone',
  '*.*.email',
  '*.*.phone',
  'apiKey',
  '*.apiKey',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

/** Logs go to stderr so `--json` output on stdout stays clean. */
export function createLogger(level: string, destination: DestinationStream = pino.destination(2)): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
