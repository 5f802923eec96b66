import { importFile, presetMapping, type ImportReport, type Store } from '../store/index.js';

export interface DemoFileSet {
  products: string;
  customers: string;
  events: string;
}

/** Imports a generated store's files, products and customers before the events that mention them. */
export async function importDemoFiles(store: Store, files: DemoFileSet): Promise<ImportReport[]> {
  const reports: ImportReport[] = [];
  for (const [file, preset] of [
    [files.products, 'segmint-products'],
    [files.customers, 'segmint-customers'],
    [files.events, 'segmint-events'],
  ] as const) {
    reports.push(await importFile(store, file, presetMapping(preset)));
  }
  return reports;
}
