import { jsonValue } from '../shared/json.js';

export interface GlobalOptions {
  db?: string;
  json?: boolean;
  memory?: string;
}

/** `--json` prints exactly one JSON document on stdout; otherwise the human text. */
export function emit(options: GlobalOptions, value: unknown, text: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, jsonValue, 2)}\n` : `${text()}\n`);
}

interface Progress {
  update(done: number, label?: string): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; silent otherwise (pipes, CI, tests), without loading the bar. */
export async function progress(total: number, label: string): Promise<Progress> {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {percentage}% {step}`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { step: '' });
  return { update: (done, step = '') => bar.update(done, { step }), stop: () => bar.stop() };
}

function cellText(c: unknown): string {
  if (c === null || c === undefined) return '';
  if (c instanceof Date) return c.toISOString().slice(0, 19).replace('T', ' ');
  if (typeof c === 'string') return c;
  if (typeof c === 'number' || typeof c === 'boolean' || typeof c === 'bigint') return c.toString();
  return JSON.stringify(c);
}

export function table(rows: ReadonlyArray<readonly unknown[]>): string {
  const cells = rows.map((r) => r.map(cellText));
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0))) ?? [];
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}
