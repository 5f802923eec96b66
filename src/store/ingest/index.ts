export { importFile, type ImportReport, type ImportStep, type QuarantinedRow } from './import-file.js';
export { PRESETS, presetMapping, readMappingFile, parseMapping, identityMapping, type Mapping } from './mapping.js';
