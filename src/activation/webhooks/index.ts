export * from './schema.js';
export { ADDRESS_POLICIES, checkWebhookUrl, parseWebhookUrl, refusal, type AddressPolicy } from './address.js';
export { newSecret, signedHeaders, type SignedHeaders } from './sign.js';
export { createWebhook, deleteWebhook, getWebhook, listWebhooks, rotateSecret } from './subscriptions.js';
export { DEFAULT_BATCH_SIZE, enqueueLiveChanges, enqueueRunChanges, getDelivery, listDeliveries, replayDelivery, type LiveChange } from './outbox.js';
export { DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS, deliverDue, exponentialBackoff, retryAfterMs, type DeliverOptions, type StoreAccess } from './deliver.js';
export { httpSend, type Attempt, type AttemptResult, type Sender } from './send.js';
export { WebhookWorker, DEFAULT_INTERVAL_MS, type WorkspaceStores } from './worker.js';
export { withLiveChanges } from './live.js';
