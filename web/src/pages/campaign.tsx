import type { Audience, Campaign } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { Async } from '../components/state.js';
import { Link } from '../router.js';
import { pathOf } from '../routes.js';
import { CampaignEditor } from './campaign-editor.js';
import { formOf } from './campaign-form.js';
import { campaignTypes, labelOf, type OpenApiDoc } from './campaign-schema.js';
import { schedule } from './campaigns.js';
import { StatusActions } from './campaign-status.js';
import type { PageProps } from './page-props.js';

/** One campaign: its status and the moves it allows, and its editor with the live preview. */
export function CampaignPage({ params }: PageProps) {
  const path = `/v1/campaigns/${encodeURIComponent(params.id ?? '')}`;
  const campaign = useApi<Campaign>(path);
  const doc = useApi<OpenApiDoc>('/docs/json');
  const audiences = useApi<Audience[]>('/v1/audiences');
  return (
    <Async value={campaign} what="the campaign">
      {(c) => (
        <>
          <section aria-labelledby="state-title" className="campaign-state">
            <h2 id="state-title">{c.name}</h2>
            <p>
              {labelOf(c.type)}, <strong className="status">{c.status}</strong>, {schedule(c)}. <Link to={pathOf('campaigns')}>All campaigns</Link>
              {c.experiment ? (
                <>
                  {' · '}
                  <Link to={pathOf('campaign-results', { id: c.id })}>Experiment results</Link>
                </>
              ) : null}
            </p>
            <StatusActions campaign={c} onChange={() => campaign.reload()} />
          </section>
          <Async value={doc} what="the campaign types">
            {(d) => (
              <Async value={audiences} what="audiences">
                {(list) => (
                  <CampaignEditor
                    key={c.updated_at}
                    types={campaignTypes(d)}
                    audiences={list}
                    initial={formOf(c)}
                    existing={c}
                    onSaved={() => campaign.reload()}
                    locked={c.status === 'ended' ? 'An ended campaign is kept as it ran and cannot be changed.' : undefined}
                  />
                )}
              </Async>
            )}
          </Async>
        </>
      )}
    </Async>
  );
}
