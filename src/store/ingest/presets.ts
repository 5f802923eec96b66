import { z } from 'zod';
import { ENTITIES } from '../schema.js';
import { columnSource, FORMATS, PRESETS } from './mapping.js';

/** What each preset reads, in a sentence, for choosing one (docs/importing.md has the details). */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  'online-retail': 'The UCI Online Retail file: invoice lines become orders, C invoices and negative quantities returns.',
  'online-retail-ii': 'The UCI Online Retail II file, read the same way (Invoice, Price, Customer ID).',
  'shopify-orders': "Shopify admin's orders export (Orders > Export): one row per line item, the customer by email.",
  'shopify-customers': "Shopify admin's customers export (Customers > Export): email as the id, country and marketing consent.",
  'segmint-events': 'Events by the store’s own field names, as `segmint demo` writes them.',
  'segmint-customers': 'Customers by the store’s own field names, as `segmint demo` writes them.',
  'segmint-products': 'Products by the store’s own field names, as `segmint demo` writes them; lists split on |.',
};

/** A named column mapping as GET /v1/imports/presets lists it. */
export const presetListingSchema = z
  .object({
    name: z.string().describe('as `segmint import --preset` and POST /v1/imports?preset= take it'),
    entity: z.enum(ENTITIES),
    format: z.enum(FORMATS).nullable().describe('the format it reads; null: given with the file (csv by default)'),
    description: z.string(),
    columns: z.array(z.string()).describe('the columns of the file it reads, as the file names them'),
  })
  .meta({ id: 'ImportPreset' });
export type PresetListing = z.infer<typeof presetListingSchema>;

/** Every preset, in the order PRESETS names them. */
export function listPresets(): PresetListing[] {
  return Object.entries(PRESETS).map(([name, mapping]) => ({
    name,
    entity: mapping.entity,
    format: mapping.format ?? null,
    description: DESCRIPTIONS[name] ?? '',
    columns: [...new Set(Object.values(mapping.columns).flatMap((ref) => {
      const source = columnSource(ref);
      return source.fallback ? [source.column, source.fallback] : [source.column];
    }))],
  }));
}
