export { Store, type Row, type StoreOptions } from './store.js';
export * from './schema.js';
export * from './ingest/index.js';
export { storeStats, type StoreStats } from './stats.js';
export { eraseCustomer, exportCustomer, setConsent, type Erasure, type ConsentUpdate } from './privacy.js';
