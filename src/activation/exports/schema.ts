import { z } from 'zod';
import { DESTINATION_NAMES } from '../destinations/names.js';

export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What an export writes: the same for the API's body, the CLI's options and a sync's settings. */
export const exportSettingsSchema = z.strictObject({
  format: z.enum(EXPORT_FORMATS).default('csv'),
  columns: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('for a file without destination: id, email, phone, score, reasons or any customer feature, in this order (default id, email, score)'),
  destination: z
    .enum(DESTINATION_NAMES)
    .optional()
    .describe('an ad platform: its customer-list file of hashed email and phone, of customers who consented to ads, with the removals since the last one'),
});
export type ExportSettings = z.infer<typeof exportSettingsSchema>;

export const exportRequestSchema = exportSettingsSchema.extend({
  dry_run: z.boolean().default(false).describe('count what an export would hold, write nothing'),
});

export const exportRecordSchema = z
  .object({
    id: z.string(),
    audience: z.string().describe('audience id'),
    destination: z.enum(DESTINATION_NAMES).nullable(),
    format: z.enum(EXPORT_FORMATS),
    columns: z.array(z.string()).describe('the columns of the file, as its header names them'),
    as_of: z.string().describe('the run whose members were exported'),
    created_at: z.string(),
    rows: z.number().int(),
    removals: z.number().int().nullable().describe('rows of the removals file: in the previous export to this destination, not in this one; null for the first and for plain files'),
    file: z.string().describe('file name'),
    removals_file: z.string().nullable(),
  })
  .meta({ id: 'AudienceExport' });
export type ExportRecord = z.infer<typeof exportRecordSchema>;

export const dryRunSchema = z
  .object({
    audience: z.string(),
    as_of: z.string(),
    members: z.number().int(),
    with_email: z.number().int(),
    with_phone: z.number().int(),
    with_ads_consent: z.number().int().describe('members who consented to the ads channel'),
    reachable_for_ads: z.number().int().describe('members with ads consent and an email or a phone: at most the rows of an ad-audience file'),
  })
  .meta({ id: 'ExportDryRun' });
export type DryRun = z.infer<typeof dryRunSchema>;
