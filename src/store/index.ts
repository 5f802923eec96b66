export { Store, type Row, type StoreOptions } from './store.js';
export * from './schema.js';
export * from './ingest/index.js';
export { storeStats, storeStatsSchema, type StoreStats } from './stats.js';
export { customerEvents, customerEventsSchema, type CustomerEvents } from './timeline.js';
export { eraseCustomer, exportCustomer, setConsent, type Erasure, type ConsentUpdate } from './privacy.js';
