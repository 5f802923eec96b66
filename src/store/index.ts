export { Store, type Row, type StoreOptions } from './store.js';
export * from './schema.js';
