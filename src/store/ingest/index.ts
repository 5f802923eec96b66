export { importFile, importReportSchema, IMPORT_STEPS, type ImportReport, type ImportStep, type QuarantinedRow } from './import-file.js';
export { chooseMapping, FORMATS, PRESETS, presetMapping, readMappingFile, parseMapping, identityMapping, type Format, type Mapping } from './mapping.js';
export { batchReportSchema, ingestEventBatch, ingestEventBatches, eventBatchSchema, MAX_BATCH_EVENTS, type EventInput, type BatchReport, type StoredEvent, type KnownIds } from './event-batch.js';
export type { NewCustomer } from './derive.js';
export { clearQuarantine, getImport, importRecordSchema, importsPageSchema, listImports, quarantinedRows, quarantinePageSchema, type ImportRecord, type ImportsPage, type Page, type QuarantinePage, type QuarantineRecord } from './history.js';
export { removeImport, removalSchema, type Removal } from './provenance.js';
export { parseRejectLimit, type RejectLimit } from './rejections.js';
export { suggestMapping, type Suggestion } from './suggest.js';
export { listPresets, presetListingSchema, type PresetListing } from './presets.js';
