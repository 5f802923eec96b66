import type { ExperimentResults } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { Chart } from '../components/chart.js';
import { Async } from '../components/state.js';
import { DataTable } from '../components/table.js';
import type { ChartOption } from '../charts/echarts.js';
import { count, money, percent } from '../format.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';
import type { PageProps } from './page-props.js';

type Report = ExperimentResults['report'];
type Group = Report['overall'];
type Comparison = NonNullable<Group['comparisons']>[number];
type Metric = Comparison['conversion_rate'];

/**
 * A campaign experiment's results (GET /v1/campaigns/:id/report, docs/experiments.md): per arm and per audience the
 * exposures, conversions and rates; each variant's uplift on the conversion rate against the control with its 95%
 * interval, drawn around 0; the always-valid interval the decision reads; CUPED beside the raw estimate; the MDE and
 * the sample still needed. Under a sample-ratio mismatch the comparisons stay hidden behind the warning.
 */
export function CampaignResultsPage({ params }: PageProps) {
  const id = params.id ?? '';
  const results = useApi<ExperimentResults>(`/v1/campaigns/${encodeURIComponent(id)}/report`);
  return (
    <Async value={results} what="the results">
      {(r) => {
        const names = new Map(r.audiences.map((a) => [a.id, a.name]));
        const groups = [{ label: 'All visitors', group: r.report.overall }, ...r.report.audiences.map((a) => ({ label: names.get(a.audience_id) ?? a.audience_id, group: a }))];
        return (
          <>
            <section aria-labelledby="plan-title">
              <h2 id="plan-title">{r.subject.name}</h2>
              <p>
                {r.subject.status ?? ''} · read {r.as_of} UTC · conversion: {r.goal.event} within {r.goal.window_days} days of first exposure · control:{' '}
                <strong>{r.report.control}</strong> · sized for {percent(r.report.plan.minimum_effect)} uplift at {percent(r.report.plan.power)} power, {count(r.report.plan.planned_exposures)}{' '}
                exposures planned. <Link to={pathOf('campaign', { id: r.subject.id })}>Edit the campaign</Link>
              </p>
              <p className="muted small">
                The 95% intervals and p-values are fixed-horizon: read them once, at the planned sample. The decision reads the always-valid interval, which holds however often
                you look.
              </p>
            </section>
            <UpliftChart groups={groups} control={r.report.control} />
            {groups.map(({ label, group }) => (
              <GroupResults key={label} label={label} group={group} weights={new Map(r.arms.map((a) => [a.id, a.weight]))} impressions={new Map(r.arms.map((a) => [a.id, a.impressions]))} />
            ))}
          </>
        );
      }}
    </Async>
  );
}

/** A difference of rates in percentage points. */
const pp = (x: number): string => `${(x * 100).toLocaleString('en', { maximumFractionDigits: 2 })} pp`;
const signed = (x: number, unit: (x: number) => string): string => `${x > 0 ? '+' : ''}${unit(x)}`;
const interval = (ci: { low: number; high: number }, unit: (x: number) => string): string => `[${unit(ci.low)}, ${unit(ci.high)}]`;
const pValue = (p: number | null): string => (p === null ? '–' : p < 0.0001 ? '< 0.0001' : p.toFixed(4));
const rel = (x: number): string => percent(x);

/** Each variant's difference in conversion rate from the control, overall and per audience, as a point in its 95% interval. */
function UpliftChart({ groups, control }: { groups: Array<{ label: string; group: Group }>; control: string }) {
  const rows = groups.flatMap(({ label, group }) => (group.comparisons ?? []).flatMap((c) => (c.conversion_rate.difference ? [{ name: `${c.arm} · ${label}`, d: c.conversion_rate.difference }] : [])));
  if (rows.length === 0) return null;
  const names = rows.map((r) => r.name);
  const option: ChartOption = {
    grid: { left: 8, right: 24, top: 16, bottom: 40, containLabel: true },
    tooltip: { trigger: 'item' },
    xAxis: { type: 'value', name: 'difference in conversion rate (pp)', nameLocation: 'middle', nameGap: 26, axisLabel: { formatter: (v: number) => `${(v * 100).toFixed(1)}` } },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { width: 140, overflow: 'break', lineHeight: 14 } },
    series: [
      // The zero line: an interval that crosses it does not tell the variant from the control.
      { type: 'line', data: [[0, names[0]!], [0, names.at(-1)!]], lineStyle: { color: '#6b7280', type: 'dashed' }, symbol: 'none', silent: true, z: 1 },
      ...rows.map((r) => ({ type: 'line' as const, name: r.name, data: [[r.d.ci.low, r.name], [r.d.ci.high, r.name]], lineStyle: { width: 18, color: '#2563eb', cap: 'butt' as const }, symbol: 'none', z: 2 })),
      { type: 'scatter', name: 'estimate', data: rows.map((r) => [r.d.estimate, r.name]), symbolSize: 14, itemStyle: { color: '#d97706' }, z: 3 },
    ],
  };
  const summary = rows.map((r) => `${r.name}: ${signed(r.d.estimate, pp)} against ${control}, 95% interval ${interval(r.d.ci, pp)}.`).join(' ');
  return (
    <section aria-labelledby="uplift-title">
      <h2 id="uplift-title">Uplift against {control}</h2>
      <Chart title="Difference in conversion rate with 95% intervals" summary={summary} option={option} height={Math.max(150, 60 + rows.length * 52)} />
    </section>
  );
}

/** One group (all visitors or one audience): the arms, the SRM check, and each comparison unless the split is off. */
function GroupResults({ label, group, weights, impressions }: { label: string; group: Group; weights: Map<string, number>; impressions: Map<string, number | null> }) {
  const srm = group.srm;
  return (
    <section aria-label={`Results: ${label}`} className="results-group">
      <h2>{label}</h2>
      {srm?.mismatch ? (
        <div className="srm-warning" role="alert">
          <strong>Sample ratio mismatch</strong>: the split of exposures differs from the weights (chi-square {srm.chi_square.toFixed(1)}, p {pValue(srm.p_value)}). Assignment or logging is losing
          visitors selectively, so no uplift computed on these data can be trusted: the results are hidden. Expected{' '}
          {srm.arms.map((a) => `${a.arm} ${count(Math.round(a.expected))}`).join(', ')}; counted {srm.arms.map((a) => `${a.arm} ${count(a.exposures)}`).join(', ')}.
        </div>
      ) : null}
      {group.warnings.includes('underpowered') ? <p className="warn underpowered">Underpowered: some arm has fewer exposures than the effect the experiment is sized for needs.</p> : null}
      <DataTable
        label={`Arms: ${label}`}
        className="arms"
        rows={group.arms}
        rowKey={(a) => a.arm}
        columns={[
          { head: 'Arm', cell: (a) => a.arm },
          { head: 'Weight', num: true, cell: (a) => (weights.has(a.arm) ? `${weights.get(a.arm)}%` : '–') },
          { head: 'Exposures', num: true, cell: (a) => count(a.exposures) },
          { head: 'Impressions', num: true, cell: (a) => (label === 'All visitors' && typeof impressions.get(a.arm) === 'number' ? count(impressions.get(a.arm)!) : '–') },
          { head: 'Conversions', num: true, cell: (a) => count(a.conversions) },
          { head: 'Conversion rate', num: true, cell: (a) => percent(a.conversion_rate) },
          { head: 'Revenue per visitor', num: true, cell: (a) => (a.revenue_per_visitor === null ? '–' : money(a.revenue_per_visitor)) },
        ]}
      />
      {group.comparisons === null ? (
        srm?.mismatch ? null : <p className="muted">No comparison yet: no exposures.</p>
      ) : (
        group.comparisons.map((c) => <ComparisonTable key={c.arm} label={label} comparison={c} />)
      )}
    </section>
  );
}

const DECISIONS: Record<Comparison['decision'], string> = {
  variant_better: 'the variant converts better',
  control_better: 'the control converts better',
  no_difference_yet: 'no difference yet',
};

/** A variant against the control on both metrics: raw and CUPED estimates side by side, tests, MDE, and the sample still needed. */
function ComparisonTable({ label, comparison: c }: { label: string; comparison: Comparison }) {
  const rows: Array<[string, Metric, (x: number) => string]> = [
    ['Conversion rate', c.conversion_rate, pp],
    ['Revenue per visitor', c.revenue_per_visitor, money],
  ];
  return (
    <div className="comparison">
      <h3>
        {c.arm}: {DECISIONS[c.decision]}
      </h3>
      <DataTable
        label={`${c.arm} against the control: ${label}`}
        className="comparison-table"
        rows={rows}
        rowKey={([name]) => name}
        columns={[
          { head: 'Metric', rowHeader: true, cell: ([name]) => name },
          { head: 'Difference (95%)', className: 'raw', cell: ([, m, unit]) => (m.difference ? `${signed(m.difference.estimate, unit)} ${interval(m.difference.ci, unit)}` : '–') },
          { head: 'Relative (95%)', cell: ([, m]) => (m.relative ? `${signed(m.relative.estimate, rel)} ${interval(m.relative.ci, rel)}` : '–') },
          { head: 'p', num: true, cell: ([, m]) => pValue(m.p_value) },
          { head: 'Always valid (95%)', cell: ([, m, unit]) => (m.sequential ? interval(m.sequential.ci, unit) : '–') },
          {
            head: 'CUPED difference (95%)',
            className: 'cuped',
            cell: ([, m, unit]) =>
              m.cuped ? `${signed(m.cuped.difference.estimate, unit)} ${interval(m.cuped.difference.ci, unit)}, variance reduced ${percent(m.cuped.variance_reduction)}` : '– (no covariate)',
          },
          { head: 'MDE now', cell: ([, m, unit]) => (m.mde ? `${unit(m.mde.absolute)}${m.mde.relative === null ? '' : ` (${rel(m.mde.relative)})`}` : '–') },
        ]}
      />
      <p className="small sample">
        {c.sample
          ? c.sample.still_needed > 0
            ? `${count(c.sample.still_needed)} more exposures needed for the sized-for effect (${count(c.sample.required.control)} in the control, ${count(c.sample.required.variant)} in ${c.arm}).`
            : `The sample for the sized-for effect is reached (${count(c.sample.required.control)} in the control, ${count(c.sample.required.variant)} in ${c.arm}).`
          : 'The sample needed cannot be sized yet: the control has no conversions.'}
      </p>
    </div>
  );
}
