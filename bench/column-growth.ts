/**
 * The live view's event columns as events are appended at the 1M store's scale (issue 17): twelve columns (Column,
 * columns.ts) of the event fields' representations, made for `--events` events and filled, then `--appended` events'
 * room taken in batches of 100 as EventColumns.room takes it (when full, an eighth more or the part added since made), a value written a
 * column at each; then every value read through the columns' readers in runs of 40 (a customer's events). Prints the
 * CPU (process, ms) of the appends and of their growths, the longest growth, the columns' bytes and peak RSS, and the
 * CPU a value read. With a checkout's root as first argument, its own columns.ts (a baseline in the same period).
 * Usage: node --import tsx bench/column-growth.ts [root] [--events 30000000] [--appended 6000000] [--reads 2]
 */
import { resolve } from 'node:path';
import { arg, fmt, peakRssMb } from './lib.js';

const root = resolve(process.argv[2]?.startsWith('--') ? '.' : (process.argv[2] ?? '.'));
const { CODES, Column, DOUBLES, FLAGS, REALS, TIMES } = (await import(resolve(root, 'src/audiences/columns.ts'))) as typeof import('../src/audiences/columns.js');

const events = Number(arg('events', '30000000'));
const appended = Number(arg('appended', '6000000'));
const reads = Number(arg('reads', '2'));
/** EventColumns' fields at the 1M demo store's rungs: products and queries past 255 codes. */
const FIELDS = [
  [CODES, 0], [TIMES, 0], [DOUBLES, 0], [DOUBLES, 0], [CODES, 1], [REALS, 0], [REALS, 0], [FLAGS, 0], [CODES, 0], [CODES, 0], [CODES, 0], [CODES, 1],
] as const;
const value = (i: number, f: number): number => (f === 1 ? 1_700_000_000_000 + i * 1000 : (i * 7 + f) % 100);
const columns = FIELDS.map(([ladder, rung]) => new Column(ladder, Math.ceil(events * 1.02), rung));
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

for (const [f, column] of columns.entries()) for (let i = 0; i < events; i++) column.set(i, value(i, f));
let used = events;
const growths: number[] = [];
const started = process.cpuUsage();
for (let batch = 0; batch < appended / 100; batch++) {
  const need = used + 100;
  const size = columns[1]!.length;
  if (need > size) {
    const grew = process.cpuUsage();
    // As EventColumns.room (main's Column has no `added`: it grew by an eighth).
    for (const column of columns) column.grow(Math.max(need, size + Math.max(size >> 3, (column as { added?: number }).added ?? 0)));
    growths.push(cpuMs(grew));
  }
  for (; used < need; used++) for (let f = 0; f < columns.length; f++) columns[f]!.set(used, value(used, f));
}
const appending = cpuMs(started);

// Reads in runs of 40 as a customer's events, through one reader a column (each rung's own: columns.ts).
const [type, ts, product, quantity, price] = [columns[0]!.reader(), columns[1]!.reader(), columns[4]!.reader(), columns[5]!.reader(), columns[6]!.reader()];
let sum = 0;
let readMs = 0;
for (let r = 0; r <= reads; r++) {
  const from = process.cpuUsage();
  for (let start = 0; start + 40 <= used; start += 40) for (let i = start; i < start + 40; i++) sum += type(i) + ts(i) + product(i) + quantity(i) + price(i);
  if (r > 0) readMs += cpuMs(from);
}
for (let i = 0; i < used; i += 99_991) for (let f = 0; f < columns.length; f++) if (columns[f]!.get(i) !== value(i, f)) throw new Error(`column ${f}, value ${i}: ${columns[f]!.get(i)}, not ${value(i, f)}`);
console.log(
  JSON.stringify({
    root,
    events,
    appended: used - events,
    growths: growths.length,
    appendCpuMs: Math.round(appending),
    growthCpuMs: Math.round(growths.reduce((a, b) => a + b, 0)),
    longestGrowthMs: Math.round(Math.max(0, ...growths)),
    columnsMb: Math.round(columns.reduce((n, c) => n + c.byteLength, 0) / 2 ** 20),
    peakRssMb: peakRssMb(),
    readNsAValue: fmt((readMs * 1e6) / (reads * used * 5), 2),
    checksum: sum % 1000,
  }),
);
