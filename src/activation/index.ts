export { DESTINATIONS, DESTINATION_NAMES, destinationOf, type Destination, type DestinationName } from './destinations/index.js';
export { digitsPhone, e164Phone, sha256Hex, trimmedLowerEmail } from './normalise.js';
export { exportDryRun } from './exports/dry-run.js';
export { exportFiles, writeExport, type ExportTarget } from './exports/export.js';
export { exportsDir } from './exports/files.js';
export { dryRunSchema, EXPORT_FORMATS, exportRecordSchema, exportRequestSchema, type DryRun, type ExportFormat, type ExportRecord, type ExportSettings } from './exports/schema.js';
export { createSync, createSyncSchema, deleteSync, deletedSyncSchema, listSyncs, runSyncs, syncSchema, type CreateSync, type Sync } from './exports/syncs.js';
