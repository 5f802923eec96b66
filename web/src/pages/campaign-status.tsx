import { api } from '../api/client.js';
import type { Campaign } from '../api/types.js';
import { useAction } from '../api/use-api.js';
import { ActionStatus } from '../components/state.js';

/** The moves each status offers (the server refuses any other with a 409): ended is final. */
const MOVES: Record<Campaign['status'], Array<{ action: 'activate' | 'pause' | 'end'; label: string }>> = {
  draft: [
    { action: 'activate', label: 'Activate' },
    { action: 'end', label: 'End' },
  ],
  active: [
    { action: 'pause', label: 'Pause' },
    { action: 'end', label: 'End' },
  ],
  paused: [
    { action: 'activate', label: 'Activate' },
    { action: 'end', label: 'End' },
  ],
  ended: [],
};

/** Activate, pause or end a campaign; the new state is handed to `onChange`. */
export function StatusActions({ campaign, onChange }: { campaign: Campaign; onChange: (c: Campaign) => void }) {
  const [action, start] = useAction((verb: string) => api<Campaign>(`/v1/campaigns/${encodeURIComponent(campaign.id)}/${verb}`, { method: 'POST' }));
  return (
    <div className="status-actions">
      {MOVES[campaign.status].map((m) => (
        <button
          key={m.action}
          type="button"
          className={m.action === 'end' ? 'quiet' : undefined}
          aria-label={`${m.label} ${campaign.name}`}
          disabled={action.status === 'running'}
          onClick={() => void start(m.action).then((c) => c && onChange(c))}
        >
          {m.label}
        </button>
      ))}
      <ActionStatus action={action} running="Changing" />
    </div>
  );
}
