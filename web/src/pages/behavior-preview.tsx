import { useMemo } from 'react';
import type { BehaviorPreview } from '../api/types.js';
import type { ChartOption } from '../charts/echarts.js';
import { Chart } from '../components/chart.js';
import { DataTable } from '../components/table.js';
import { count, day, money, percent } from '../format.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';
import { KIND_LABELS, type AudienceKind } from './trends.js';

type Preview = BehaviorPreview['preview'];

/** What a spec would select on the latest run: size, revenue, attrition, products, sample members and overlap. */
export function PreviewView({ preview: p }: { preview: Preview }) {
  return (
    <>
      <dl className="figures">
        <div>
          <dt>Customers</dt>
          <dd>{count(p.size)}</dd>
        </div>
        <div>
          <dt>Of all customers</dt>
          <dd>{percent(p.customers ? p.size / p.customers : null)}</dd>
        </div>
        <div>
          <dt>Revenue share</dt>
          <dd>{percent(p.revenue_share)}</dd>
        </div>
        <div>
          <dt>At the run as of</dt>
          <dd>{day(p.as_of)}</dd>
        </div>
      </dl>
      {p.empty_reason ? (
        <p className="warn" role="status">
          Nobody matches: {p.empty_reason}.
        </p>
      ) : null}
      <Waterfall preview={p} />
      <div className="two">
        <TopProducts preview={p} />
        <Samples preview={p} />
      </div>
      <Overlap preview={p} />
    </>
  );
}

/** Customers left after each condition, each with the ones before it: where the audience gets small. */
function Waterfall({ preview: p }: { preview: Preview }) {
  const chart = useMemo(() => {
    const labels = ['All customers', ...p.waterfall.map((_, i) => `+ condition ${i + 1}`)];
    const values = [p.customers, ...p.waterfall.map((w) => w.remaining)];
    const option: ChartOption = {
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, rotate: labels.length > 3 ? 30 : 0 } },
      yAxis: { type: 'value', name: 'customers' },
      series: [{ type: 'bar', name: 'Customers remaining', data: values, label: { show: true, position: 'top' } }],
    };
    const summary = `Of ${count(p.customers)} customers, ${p.waterfall.map((w, i) => `${count(w.remaining)} remain after condition ${i + 1} (${w.condition})`).join(', ')}.`;
    return { option, summary };
  }, [p]);
  return (
    <>
      <Chart title="Customers remaining after each condition" summary={chart.summary} option={chart.option} height={260} />
      <DataTable
        label="Conditions and the customers they leave"
        className="waterfall"
        rows={p.waterfall.map((w, i) => ({ ...w, removed: (i === 0 ? p.customers : p.waterfall[i - 1]!.remaining) - w.remaining }))}
        rowKey={(_, i) => i}
        columns={[
          { head: '#', cell: (_, i) => i + 1 },
          { head: 'Condition', cell: (w) => <code>{w.condition}</code> },
          { head: 'Remaining', num: true, cell: (w) => count(w.remaining) },
          { head: 'Removed', num: true, cell: (w) => count(w.removed) },
        ]}
      />
    </>
  );
}

function TopProducts({ preview: p }: { preview: Preview }) {
  return (
    <div>
      <h4>Top matching products</h4>
      {p.top_products.length === 0 ? (
        <p className="small muted">No product: nobody matches, or the description names no product.</p>
      ) : (
        <DataTable
          label="Top matching products"
          rows={p.top_products}
          rowKey={(t) => t.id}
          columns={[
            {
              head: 'Product',
              cell: (t) => (
                <>
                  {t.title ?? t.id} <span className="muted small">{t.id}</span>
                </>
              ),
            },
            { head: 'Category', cell: (t) => t.category ?? '–' },
            { head: 'Units', num: true, cell: (t) => count(t.units) },
            { head: 'Buyers', num: true, cell: (t) => count(t.buyers) },
          ]}
        />
      )}
    </div>
  );
}

function Samples({ preview: p }: { preview: Preview }) {
  return (
    <div>
      <h4>Sample customers</h4>
      {p.samples.length === 0 ? (
        <p className="small muted">Nobody to show.</p>
      ) : (
        <DataTable
          label="Sample customers and why they match"
          className="samples"
          rows={p.samples}
          rowKey={(s) => s.customer_id}
          columns={[
            { head: 'Customer', cell: (s) => <Link to={pathOf('customer', { id: s.customer_id })}>{s.customer_id}</Link> },
            { head: 'Revenue', num: true, cell: (s) => (s.revenue === null ? '–' : money(s.revenue)) },
            { head: 'Why', className: 'small', cell: (s) => s.reasons },
          ]}
        />
      )}
    </div>
  );
}

function Overlap({ preview: p }: { preview: Preview }) {
  return (
    <>
      <h4>Overlap with smart segments and clusters</h4>
      {p.overlap.length === 0 ? (
        <p className="small muted">No smart segment or cluster shares a member with it.</p>
      ) : (
        <DataTable
          label="Overlap with smart segments and clusters"
          className="overlap"
          rows={p.overlap}
          rowKey={(o) => o.audience}
          columns={[
            { head: 'Audience', cell: (o) => o.audience },
            { head: 'Kind', cell: (o) => KIND_LABELS[o.kind as AudienceKind] ?? o.kind },
            { head: 'Its customers', num: true, cell: (o) => count(o.size) },
            { head: 'In both', num: true, cell: (o) => count(o.both) },
            { head: 'Jaccard', num: true, cell: (o) => percent(o.jaccard) },
          ]}
        />
      )}
    </>
  );
}
