import type { ChartOption } from '../charts/echarts.js';
import type { Audience, RunHistory } from '../api/types.js';
import { count, day } from '../format.js';

export type AudienceKind = Audience['kind'];

export const KIND_LABELS: Record<AudienceKind, string> = { smart: 'Smart segments', rfm: 'RFM segments', cluster: 'Clusters', rule: 'Your audiences', behavior: 'Suggested behaviors', custom_behavior: 'Custom behaviors' };

/** One audience's size at each stored run (null where it was not computed), oldest first. */
export function sizeSeries(history: RunHistory, id: string): Array<number | null> {
  return history.runs.map((r) => r.audiences.find((a) => a.id === id)?.size ?? null);
}

/** A line per audience of one kind over the stored runs, and the same in words; undefined when none ran. */
export function sizesOverRuns(history: RunHistory, audiences: Audience[], kind: AudienceKind): { option: ChartOption; summary: string } | undefined {
  const chosen = audiences.filter((a) => a.kind === kind).map((a) => ({ name: a.name, sizes: sizeSeries(history, a.id) }));
  const ran = chosen.filter((a) => a.sizes.some((s) => s !== null));
  if (ran.length === 0) return undefined;
  const dates = history.runs.map((r) => day(r.as_of));
  const option: ChartOption = {
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', bottom: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 48, containLabel: true },
    xAxis: { type: 'category', data: dates, boundaryGap: false },
    yAxis: { type: 'value', name: 'customers' },
    series: ran.map((a) => ({ type: 'line', name: a.name, data: a.sizes, showSymbol: true, connectNulls: false })),
  };
  const last = dates.length - 1;
  const summary = `${ran.length} audiences over ${dates.length} run${dates.length === 1 ? '' : 's'} (${dates[0]} to ${dates[last]}). At the last run: ${ran
    .map((a) => `${a.name} ${a.sizes[last] === null ? 'not computed' : count(a.sizes[last]!)}`)
    .join(', ')}.`;
  return { option, summary };
}
