export * from './schema.js';
export { checkWebhookUrl, refusal, type AddressPolicy } from './address.js';
export type { SignedHeaders } from './sign.js';
export { createWebhook, deleteWebhook, getWebhook, listWebhooks, rotateSecret } from './subscriptions.js';
export { enqueueLiveChanges, enqueueRunChanges, listDeliveries, replayDelivery, type LiveChange } from './outbox.js';
export { deliverDue, type DeliverOptions, type StoreAccess } from './deliver.js';
export type { Attempt, AttemptResult, Sender } from './send.js';
export { WebhookWorker, type WorkspaceStores } from './worker.js';
export { withLiveChanges } from './live.js';
