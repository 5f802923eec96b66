import { customerAudiences, type LiveView } from '../../audiences/index.js';
import type { Store } from '../../store/index.js';
import { anySubscription, enqueueLiveChanges } from './outbox.js';

/** Each customer's audience ids now, from the live view when the server holds one, else the store. */
async function audienceIds(store: Store, view: LiveView | undefined, customerIds: readonly string[]): Promise<Map<string, { ids: Set<string>; asOf: string | null }>> {
  const out = new Map<string, { ids: Set<string>; asOf: string | null }>();
  for (const id of customerIds) {
    const found = view?.audiencesOf(id) ?? (await customerAudiences(store, id));
    out.set(id, { ids: new Set(found.audiences.map((a) => a.id)), asOf: found.as_of });
  }
  return out;
}

/**
 * Runs a real-time re-classification (`refresh`) and queues the entries and exits it made for subscribed audiences.
 * Without any subscription it only refreshes, so event batches pay nothing for webhooks nobody asked for.
 */
export async function withLiveChanges<T>(store: Store, view: LiveView | undefined, customerIds: readonly string[], refresh: () => Promise<T>): Promise<T> {
  if (customerIds.length === 0 || !(await anySubscription(store))) return refresh();
  const before = await audienceIds(store, view, customerIds);
  const out = await refresh();
  const after = await audienceIds(store, view, customerIds);
  const asOf = [...after.values()].map((a) => a.asOf).filter((a): a is string => a !== null).sort().at(-1);
  if (asOf !== undefined) {
    await enqueueLiveChanges(store, customerIds.map((id) => ({ customerId: id, before: before.get(id)!.ids, after: after.get(id)?.ids ?? new Set<string>() })), asOf);
  }
  return out;
}
