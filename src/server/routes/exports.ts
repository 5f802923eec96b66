import { createReadStream } from 'node:fs';
import { z } from 'zod';
import {
  createSync,
  createSyncSchema,
  deleteSync,
  deletedSyncSchema,
  dryRunSchema,
  exportDryRun,
  exportFiles,
  exportRecordSchema,
  exportRequestSchema,
  exportsDir,
  listSyncs,
  syncSchema,
  writeExport,
} from '../../activation/index.js';
import { NotFoundError } from '../../shared/errors.js';
import { audit } from '../api-keys.js';
import { keyOf } from '../auth.js';
import { audienceParamsSchema, idParamsSchema } from '../schemas.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

const exportParamsSchema = idParamsSchema('export id');
const syncParamsSchema = idParamsSchema('sync id');
const downloadQuerySchema = z.strictObject({ part: z.enum(['members', 'removals']).default('members').describe('the members, or the removals since the export before') });

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson' } as const;
const fileSchema = z.string().describe('the file: CSV with a header line, or one JSON object a line');

/**
 * Exports of audiences and the syncs that follow them. An export holds contact data (emails, phones, or their
 * hashes), so writing and downloading one needs audiences:write, not the read scope listings need.
 */
export function registerExportRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post(
    '/v1/audiences/:id/exports',
    guarded('audiences:write', 'exports', "Write an audience's members at the latest run to a file (chosen columns, or an ad platform's hashed customer list with the removals since the last one); with dry_run, only count them", {
      params: audienceParamsSchema,
      body: exportRequestSchema,
      response: { 200: dryRunSchema, 201: exportRecordSchema },
      errors: [409],
    }, 'unchanged'),
    async (req, reply) => {
      const { dry_run, ...settings } = req.body;
      if (dry_run) return reply.status(200).send(await inWorkspace(ctx, req, (store) => exportDryRun(store, req.params.id)));
      const key = keyOf(req);
      const written = await inWorkspace(ctx, req, (store) => writeExport(store, req.params.id, settings, { dir: exportsDir(store) }));
      // Who sent which audience out, never its members.
      await audit(ctx.workspaces.control, { actor: key.id, action: 'audience.export', workspace: key.workspace, details: { export: written.id, audience: written.audience, destination: written.destination, rows: written.rows } });
      return reply.status(201).send(written);
    },
  );

  app.get(
    '/v1/exports/:id/file',
    guarded('audiences:write', 'exports', "Download an export's file, or its removals (`part=removals`)", {
      params: exportParamsSchema,
      querystring: downloadQuerySchema,
      response: { 200: { content: { 'text/csv': { schema: fileSchema }, 'application/x-ndjson': { schema: fileSchema } } } },
    }),
    async (req, reply) => {
      const { record, path, removalsPath } = await inWorkspace(ctx, req, (store) => exportFiles(store, req.params.id));
      const file = req.query.part === 'members' ? path : removalsPath;
      const name = req.query.part === 'members' ? record.file : record.removals_file;
      if (file === null || name === null) throw new NotFoundError(`part: export "${record.id}" has no removals (it is the first to its destination, or a plain file)`, { part: req.query.part });
      // The schema documents the file's text; Fastify sends it as it is read, never whole in memory.
      const stream = createReadStream(file) as unknown as string;
      return reply.type(CONTENT_TYPES[record.format]).header('content-disposition', `attachment; filename="${name}"`).send(stream);
    },
  );

  app.get(
    '/v1/export-syncs',
    guarded('audiences:read', 'exports', 'Audiences followed by an export after every run', { response: { 200: z.array(syncSchema) } }),
    (req) => inWorkspace(ctx, req, (store) => listSyncs(store)),
  );

  app.post(
    '/v1/export-syncs',
    guarded('audiences:write', 'exports', "Follow an audience: after every run, its next export (with removals, for a destination) is written beside the store", {
      body: createSyncSchema,
      response: { 201: syncSchema },
      errors: [404],
    }, 'unchanged'),
    async (req, reply) => reply.status(201).send(await inWorkspace(ctx, req, (store) => createSync(store, req.body))),
  );

  app.delete(
    '/v1/export-syncs/:id',
    guarded('audiences:write', 'exports', 'Stop following an audience; the files written stay', { params: syncParamsSchema, response: { 200: deletedSyncSchema } }, 'unchanged'),
    (req) => inWorkspace(ctx, req, (store) => deleteSync(store, req.params.id)),
  );
}
