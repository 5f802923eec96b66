export { importFile, type ImportReport, type ImportStep, type QuarantinedRow } from './import-file.js';
export { PRESETS, presetMapping, readMappingFile, parseMapping, identityMapping, type Mapping } from './mapping.js';
export { ingestEventBatch, eventBatchSchema, eventInputSchema, MAX_BATCH_EVENTS, type EventInput, type BatchReport } from './event-batch.js';
