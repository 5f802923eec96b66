import type { Audience, Campaign } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { Async } from '../components/state.js';
import { DataTable } from '../components/table.js';
import { count } from '../format.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';
import { labelOf } from './campaign-schema.js';
import { StatusActions } from './campaign-status.js';

/** Every campaign, highest priority first, with its type, status, schedule and audiences, and the status moves. */
export function CampaignsPage() {
  const campaigns = useApi<Campaign[]>('/v1/campaigns');
  const audiences = useApi<Audience[]>('/v1/audiences');
  return (
    <>
      <p>
        <Link to={pathOf('new-campaign')}>New campaign</Link>: a popup, an email form, a survey, a bar or a hero, previewed as the storefront shows it.
      </p>
      <Async value={campaigns} what="campaigns" isEmpty={(l) => l.length === 0} empty={<p>No campaigns yet: make one with New campaign.</p>}>
        {(list) => (
          <Async value={audiences} what="audiences">
            {(all) => {
              const names = new Map(all.map((a) => [a.id, a.name]));
              const named = (ids: string[]) => ids.map((id) => names.get(id) ?? id).join(', ');
              return (
                <DataTable
                  label="Campaigns"
                  className="campaigns"
                  rows={list}
                  rowKey={(c) => c.id}
                  columns={[
                    {
                      head: 'Campaign',
                      cell: (c) => (
                        <>
                          <Link to={pathOf('campaign', { id: c.id })}>{c.name}</Link>
                          {c.experiment ? (
                            <>
                              {' '}
                              <Link className="small" to={pathOf('campaign-results', { id: c.id })} aria-label={`Results of ${c.name}`}>
                                results
                              </Link>
                            </>
                          ) : null}
                        </>
                      ),
                    },
                    { head: 'Type', cell: (c) => labelOf(c.type) },
                    { head: 'Status', className: 'status', cell: (c) => c.status },
                    { head: 'Schedule (UTC)', cell: (c) => schedule(c) },
                    {
                      head: 'Audiences',
                      cell: (c) => (
                        <>
                          {c.targeting.audiences.include.length ? `in ${named(c.targeting.audiences.include)}` : 'every visitor'}
                          {c.targeting.audiences.exclude.length ? `; not in ${named(c.targeting.audiences.exclude)}` : ''}
                        </>
                      ),
                    },
                    { head: 'Priority', num: true, cell: (c) => count(c.priority) },
                    { head: 'Change', cell: (c) => <StatusActions campaign={c} onChange={() => campaigns.reload()} /> },
                  ]}
                />
              );
            }}
          </Async>
        )}
      </Async>
    </>
  );
}

/** When it shows, in words: from and until, or since activation, or until ended. */
export function schedule(c: Campaign): string {
  const { start_at, end_at } = c.schedule;
  if (!start_at && !end_at) return 'while active';
  return `${start_at ? `from ${start_at.slice(0, 16)}` : 'from activation'} ${end_at ? `until ${end_at.slice(0, 16)}` : 'until ended'}`;
}
