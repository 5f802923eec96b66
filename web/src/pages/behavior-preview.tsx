import { useMemo } from 'react';
import type { BehaviorPreview } from '../api/types.js';
import type { ChartOption } from '../charts/echarts.js';
import { Chart } from '../components/chart.js';
import { TableBox } from '../components/table.js';
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
      <TableBox label="Conditions and the customers they leave">
        <table className="waterfall">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Condition</th>
              <th scope="col" className="num">Remaining</th>
              <th scope="col" className="num">Removed</th>
            </tr>
          </thead>
          <tbody>
            {p.waterfall.map((w, i) => {
              const removed = (i === 0 ? p.customers : p.waterfall[i - 1]!.remaining) - w.remaining;
              return (
                <tr key={i}>
                  <td>{i + 1}</td>
                  <td>
                    <code>{w.condition}</code>
                  </td>
                  <td className="num">{count(w.remaining)}</td>
                  <td className="num">{count(removed)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableBox>
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
        <TableBox label="Top matching products">
          <table>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Category</th>
                <th scope="col" className="num">Units</th>
                <th scope="col" className="num">Buyers</th>
              </tr>
            </thead>
            <tbody>
              {p.top_products.map((t) => (
                <tr key={t.id}>
                  <td>
                    {t.title ?? t.id} <span className="muted small">{t.id}</span>
                  </td>
                  <td>{t.category ?? '–'}</td>
                  <td className="num">{count(t.units)}</td>
                  <td className="num">{count(t.buyers)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
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
        <TableBox label="Sample customers and why they match">
          <table className="samples">
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col" className="num">Revenue</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {p.samples.map((s) => (
                <tr key={s.customer_id}>
                  <td>
                    <Link to={pathOf('customer', { id: s.customer_id })}>{s.customer_id}</Link>
                  </td>
                  <td className="num">{s.revenue === null ? '–' : money(s.revenue)}</td>
                  <td className="small">{s.reasons}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
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
        <TableBox label="Overlap with smart segments and clusters">
          <table className="overlap">
            <thead>
              <tr>
                <th scope="col">Audience</th>
                <th scope="col">Kind</th>
                <th scope="col" className="num">Its customers</th>
                <th scope="col" className="num">In both</th>
                <th scope="col" className="num">Jaccard</th>
              </tr>
            </thead>
            <tbody>
              {p.overlap.map((o) => (
                <tr key={o.audience}>
                  <td>{o.audience}</td>
                  <td>{KIND_LABELS[o.kind as AudienceKind] ?? o.kind}</td>
                  <td className="num">{count(o.size)}</td>
                  <td className="num">{count(o.both)}</td>
                  <td className="num">{percent(o.jaccard)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
    </>
  );
}
