import type { Audience } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { Async } from '../components/state.js';
import { navigate, useQuery } from '../router.js';
import { pathOf } from '../routes.js';
import { CampaignEditor } from './campaign-editor.js';
import { newForm } from './campaign-form.js';
import { campaignTypes, type OpenApiDoc } from './campaign-schema.js';

/** A new campaign, of the type in `?type=` (else the first): created as a draft, then opened to activate it. */
export function NewCampaignPage() {
  const doc = useApi<OpenApiDoc>('/docs/json');
  const audiences = useApi<Audience[]>('/v1/audiences');
  const [query] = useQuery();
  return (
    <Async value={doc} what="the campaign types">
      {(d) => (
        <Async value={audiences} what="audiences">
          {(list) => {
            const types = campaignTypes(d);
            const t = types.find((x) => x.type === query.get('type')) ?? types[0]!;
            return <CampaignEditor types={types} audiences={list} initial={newForm(t)} onSaved={(c) => navigate(pathOf('campaign', { id: c.id }))} />;
          }}
        </Async>
      )}
    </Async>
  );
}
