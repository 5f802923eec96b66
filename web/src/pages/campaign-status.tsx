import { api } from '../api/client.js';
import type { Campaign } from '../api/types.js';
import { useAction } from '../api/use-api.js';
import { ActionStatus } from '../components/state.js';

/** Buttons for the actions the campaign offers now: the server lists them, so the page never offers a refused move. */
const LABELS: Record<Campaign['actions'][number], string> = { activate: 'Activate', pause: 'Pause', end: 'End' };

/** Activate, pause or end a campaign; the new state is handed to `onChange`. */
export function StatusActions({ campaign, onChange }: { campaign: Campaign; onChange: (c: Campaign) => void }) {
  const [action, start] = useAction((verb: string) => api<Campaign>(`/v1/campaigns/${encodeURIComponent(campaign.id)}/${verb}`, { method: 'POST' }));
  return (
    <div className="status-actions">
      {campaign.actions.map((verb) => (
        <button
          key={verb}
          type="button"
          className={verb === 'end' ? 'quiet' : undefined}
          aria-label={`${LABELS[verb]} ${campaign.name}`}
          disabled={action.status === 'running'}
          onClick={() => void start(verb).then((c) => c && onChange(c))}
        >
          {LABELS[verb]}
        </button>
      ))}
      <ActionStatus action={action} running="Changing" />
    </div>
  );
}
