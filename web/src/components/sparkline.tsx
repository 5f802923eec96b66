import { count, day } from '../format.js';

/**
 * A tiny line of sizes over the runs, with the change since the run before in words; the drawing itself is hidden
 * from screen readers, the words are not.
 */
export function Sparkline({ values, dates }: { values: Array<number | null>; dates: string[] }) {
  const points = values.map((v, i) => ({ v, i })).filter((p): p is { v: number; i: number } => p.v !== null);
  if (points.length === 0) return <span className="muted small">not computed yet</span>;
  const max = Math.max(...points.map((p) => p.v), 1);
  const w = 120;
  const h = 28;
  const x = (i: number) => (values.length === 1 ? w / 2 : (i / (values.length - 1)) * (w - 4) + 2);
  const y = (v: number) => h - 2 - (v / max) * (h - 4);
  const last = points.at(-1)!;
  const before = points.at(-2);
  const change = before ? last.v - before.v : null;
  return (
    <span className="spark">
      <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} aria-hidden="true" focusable="false">
        <polyline fill="none" stroke="#2563eb" strokeWidth="2" points={points.map((p) => `${x(p.i)},${y(p.v)}`).join(' ')} />
        <circle cx={x(last.i)} cy={y(last.v)} r="2.5" fill="#2563eb" />
      </svg>
      <span className="small muted">
        {change === null ? 'first run' : `${change >= 0 ? '+' : '−'}${count(Math.abs(change))} since ${day(dates[before!.i]!)}`}
      </span>
    </span>
  );
}
