import { useMemo, useState } from 'react';
import { query } from '../api/client.js';
import type { CustomerClv, CustomerEvents, CustomerFeatures, CustomerProfile, Explanation, RuleVocabulary } from '../api/types.js';
import { useApi, type Loaded } from '../api/use-api.js';
import type { ChartOption } from '../charts/echarts.js';
import { Chart } from '../components/chart.js';
import { Async } from '../components/state.js';
import { DataTable, Pager } from '../components/table.js';
import { count, day, money, percent } from '../format.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';
import { ProfileSection } from './customer-profile.js';
import type { PageProps } from './page-props.js';

const EVENTS_PAGE = 20;

/** One customer: their profile, features, every audience with why (not), CLV, and their events. */
export function CustomerPage({ params }: PageProps) {
  const id = params.id!;
  const base = `/v1/customers/${encodeURIComponent(id)}`;
  // Every read starts at once, not once the features are in: the events chart is the page's first.
  const features = useApi<CustomerFeatures>(`${base}/features`);
  const clv = useApi<CustomerClv>(`${base}/clv`);
  const explain = useApi<Explanation>(`${base}/explain`);
  const recent = useApi<CustomerEvents>(`${base}/events${query({ limit: 1000 })}`);
  const [offset, setOffset] = useState(0);
  const page = useApi<CustomerEvents>(`${base}/events${query({ limit: EVENTS_PAGE, offset })}`);
  const vocabulary = useApi<RuleVocabulary>('/v1/rules/vocabulary');
  const profile = useApi<CustomerProfile>(`${base}/profile`);
  return (
    <>
      <p>
        Customer <strong>{id}</strong> · <Link to={pathOf('customers')}>find another</Link>
      </p>
      <Async value={features} what="the customer">
        {(f) => (
          <>
            <ProfileSection path={`${base}/profile`} kept={profile} />
            <Clv clv={clv} />
            <Audiences explain={explain} />
            <Timeline recent={recent} page={page} onPage={setOffset} />
            <Features features={f} vocabulary={vocabulary} />
          </>
        )}
      </Async>
    </>
  );
}

function Clv({ clv }: { clv: Loaded<CustomerClv> }) {
  return (
    <section aria-labelledby="clv-title">
      <h2 id="clv-title">Lifetime value</h2>
      <Async value={clv} what="the CLV">
        {(c) =>
          c.summary === null ? (
            <div className="empty">No order before {day(c.as_of)}: the CLV models start at the first purchase.</div>
          ) : (
            <dl className="figures">
              <div>
                <dt>Still a customer (P alive)</dt>
                <dd>{percent(c.p_alive)}</dd>
              </div>
              <div>
                <dt>Expected orders, next {c.expected_orders.days} days</dt>
                <dd>{c.expected_orders.value === null ? '–' : c.expected_orders.value.toFixed(2)}</dd>
              </div>
              <div>
                <dt>Expected spend per order</dt>
                <dd>{c.expected_spend === null ? '–' : money(c.expected_spend)}</dd>
              </div>
              <div>
                <dt>CLV, next {c.clv.days} days</dt>
                <dd>{c.clv.value === null ? '–' : money(c.clv.value)}</dd>
              </div>
            </dl>
          )
        }
      </Async>
    </section>
  );
}

function Audiences({ explain }: { explain: Loaded<Explanation> }) {
  return (
    <section aria-labelledby="audiences-title">
      <h2 id="audiences-title">Audiences</h2>
      <Async value={explain} what="the audiences" isEmpty={(e) => e.audiences.length === 0} empty={<p>No active audiences.</p>}>
        {(e) => {
          const member = e.audiences.filter((a) => a.member);
          // Closest first: the fewest failing clauses, then the smallest gap.
          const near = e.audiences
            .filter((a) => !a.member && a.clauses.length > 0)
            .map((a) => ({ a, failing: a.clauses.filter((c) => !c.held) }))
            .sort((x, y) => x.failing.length - y.failing.length)
            .slice(0, 5);
          return (
            <>
              <p className="muted">At the run as of {day(e.as_of)}: in {member.length} of {e.audiences.length} active audiences.</p>
              <h3>In</h3>
              {member.length === 0 ? <p>None.</p> : null}
              <ul className="plain explain">
                {member.map((a) => (
                  <li key={a.id}>
                    <Link to={pathOf('audience', { id: a.id })}>{a.name}</Link> <span className="muted small">({a.kind})</span>
                    {a.reasons ? <span> · {a.reasons}</span> : null}
                    <Clauses clauses={a.clauses} />
                  </li>
                ))}
              </ul>
              <h3>Closest to joining</h3>
              <ul className="plain explain">
                {near.map(({ a, failing }) => (
                  <li key={a.id}>
                    <Link to={pathOf('audience', { id: a.id })}>{a.name}</Link>: {failing.length} clause{failing.length === 1 ? '' : 's'} short
                    <Clauses clauses={a.clauses} />
                  </li>
                ))}
              </ul>
            </>
          );
        }}
      </Async>
    </section>
  );
}

function Clauses({ clauses }: { clauses: Explanation['audiences'][number]['clauses'] }) {
  if (clauses.length === 0) return null;
  return (
    <ul className="clauses">
      {clauses.map((c, i) => (
        <li key={i}>
          <span className={c.held ? 'ok' : 'no'}>{c.held ? '✓ holds' : '✗ fails'}</span> <code>{c.clause}</code>
          {c.value !== null && c.value !== undefined ? <span className="muted"> (is {shown(c.value)})</span> : null}
          {c.gap !== null ? <span> · {c.gap.toLocaleString('en', { maximumFractionDigits: 2 })} to go</span> : null}
        </li>
      ))}
    </ul>
  );
}


function Timeline({ recent, page, onPage }: { recent: Loaded<CustomerEvents>; page: Loaded<CustomerEvents>; onPage: (offset: number) => void }) {
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Events</h2>
      <Async value={recent} what="the events" isEmpty={(e) => e.total === 0} empty={<p>No events for this customer.</p>}>
        {(e) => <EventsChart events={e} />}
      </Async>
      <Async value={page} what="the events" isEmpty={(e) => e.total === 0} empty={null}>
        {(e) => (
          <>
            <DataTable
              label="Events, newest first"
              rows={e.events}
              rowKey={(ev) => ev.id}
              columns={[
                { head: 'When (UTC)', cell: (ev) => ev.ts },
                { head: 'Event', cell: (ev) => ev.type.replaceAll('_', ' ') },
                { head: 'Product', cell: (ev) => ev.product_title ?? ev.product_id ?? (ev.query ? `“${ev.query}”` : '') },
                { head: 'Quantity', num: true, cell: (ev) => ev.quantity ?? '' },
                { head: 'Price', num: true, cell: (ev) => (ev.unit_price === null ? '' : money(ev.unit_price)) },
                { head: 'Order', cell: (ev) => ev.order_id ?? '' },
              ]}
            />
            <Pager total={e.total} limit={e.limit} offset={e.offset} onPage={onPage} what="events" />
          </>
        )}
      </Async>
    </section>
  );
}

/** Events per month and type, from the newest thousand. */
function EventsChart({ events }: { events: CustomerEvents }) {
  const chart = useMemo(() => {
    const months = [...new Set(events.events.map((e) => e.ts.slice(0, 7)))].sort();
    const types = [...new Set(events.events.map((e) => e.type))];
    const counts = new Map<string, number>();
    for (const e of events.events) counts.set(`${e.type} ${e.ts.slice(0, 7)}`, (counts.get(`${e.type} ${e.ts.slice(0, 7)}`) ?? 0) + 1);
    const option: ChartOption = {
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', bottom: 0 },
      grid: { left: 8, right: 8, top: 16, bottom: 40, containLabel: true },
      xAxis: { type: 'category', data: months },
      yAxis: { type: 'value', name: 'events', minInterval: 1 },
      series: types.map((t) => ({ type: 'bar', stack: 'events', name: t.replaceAll('_', ' '), data: months.map((m) => counts.get(`${t} ${m}`) ?? 0) })),
    };
    const summary = `${count(events.events.length)} events${events.total > events.events.length ? ` (the newest of ${count(events.total)})` : ''} from ${months[0]} to ${months.at(-1)}: ${types
      .map((t) => `${t.replaceAll('_', ' ')} ${count(events.events.filter((e) => e.type === t).length)}`)
      .join(', ')}.`;
    return { option, summary };
  }, [events]);
  return <Chart title="Events per month" summary={chart.summary} option={chart.option} height={280} />;
}

function Features({ features, vocabulary }: { features: CustomerFeatures; vocabulary: Loaded<RuleVocabulary> }) {
  const about = vocabulary.status === 'ready' ? new Map(vocabulary.data.features.map((f) => [f.name, f])) : new Map<string, RuleVocabulary['features'][number]>();
  return (
    <section aria-labelledby="features-title">
      <h2 id="features-title">Features</h2>
      <DataTable
        label="Features"
        caption={<>As of {day(features.as_of)}</>}
        rows={Object.entries(features.features).filter(([name]) => name !== 'customer_id')}
        rowKey={([name]) => name}
        columns={[
          { head: 'Feature', rowHeader: true, cell: ([name]) => <code>{name}</code> },
          { head: 'Value', num: true, cell: ([, value]) => shown(value) },
          { head: 'Meaning', className: 'muted small', cell: ([name]) => about.get(name)?.description ?? '' },
        ]}
      />
    </section>
  );
}

/** A feature or clause value as text: numbers to two decimals, null as a dash. */
function shown(value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') return value.toLocaleString('en', { maximumFractionDigits: 2 });
  return typeof value === 'string' ? value : JSON.stringify(value);
}
