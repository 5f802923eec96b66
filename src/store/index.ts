export { Store, storeExists, shownStoreName, storeLocalPath, workspaceStore, type Row, type StoreOptions, type TextColumns, type TextFormat } from './store.js';
export { keptWhile } from './kept.js';
export * from './schema.js';
export * from './ingest/index.js';
export { storeStats, storeStatsSchema, type StoreStats } from './stats.js';
export { customerEvents, customerEventsSchema, type CustomerEvents } from './timeline.js';
export { customerConsentSchema, customerExportSchema, erasureSchema, eraseCustomer, exportCustomer, setConsent, type Consent, type ConsentUpdate, type CustomerConsent, type CustomerExport, type Erasure } from './privacy.js';
export { copyTables, IMPORTED_TABLES } from './copy.js';
export { chdbAvailable } from './chdb-backend.js';
