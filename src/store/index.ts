export { Store, type Row, type StoreOptions } from './store.js';
export * from './schema.js';
export * from './ingest/index.js';
export { storeStats, type StoreStats } from './stats.js';
export { eraseCustomer, exportCustomer, type Erasure } from './privacy.js';
