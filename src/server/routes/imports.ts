import { createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { SegmintError, ValidationError } from '../../shared/errors.js';
import {
  chooseMapping,
  ENTITIES,
  FORMATS,
  getImport,
  importFile,
  importRecordSchema,
  importReportSchema,
  importsPageSchema,
  listImports,
  listPresets,
  parseMapping,
  parseRejectLimit,
  presetListingSchema,
  quarantinedRows,
  quarantinePageSchema,
  removalSchema,
  removeImport,
  type Mapping,
} from '../../store/index.js';
import { idParamsSchema, paginationSchema } from '../schemas.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

interface ImportRouteOptions {
  /** Largest request body POST /v1/imports accepts, in bytes. */
  bodyLimit: number;
}

class PayloadTooLargeError extends SegmintError {
  constructor(limit: number) {
    super('payload_too_large', `the file is larger than the ${limit} bytes an import may send`, { limit_bytes: limit });
  }
}

const page = paginationSchema.omit({ as_of: true });

const importQuerySchema = z.strictObject({
  entity: z.enum(ENTITIES).optional().describe('what the file holds (default events, or the mapping’s entity)'),
  format: z.enum(FORMATS).optional().describe('default: the mapping’s format, else csv'),
  preset: z.string().min(1).optional().describe('a named column mapping, as `segmint import --preset`'),
  mapping: z.string().min(1).optional().describe('a column mapping as JSON text, as in a `segmint import --mapping` file'),
  name: z.string().min(1).max(255).optional().describe('the file’s name, kept with the import and its quarantined rows'),
  replace: z.enum(['true', 'false']).optional().describe('true: take back the earlier imports of the same name first, as `segmint import --replace`'),
  max_rejected: z.string().min(1).optional().describe('fail (422) and store nothing above this many rejected rows: a count, or a percentage such as 2.5%'),
});

const importParamsSchema = idParamsSchema('import id (import_id in the report)');

/** How the import chose its mapping, as `segmint imports` lists it. */
function mappingSource(query: z.infer<typeof importQuerySchema>): string {
  if (query.preset) return `preset ${query.preset}`;
  return query.mapping ? 'mapping (request)' : `${query.entity ?? 'events'} columns`;
}

/**
 * The file as the request body: the content-type parser below hands over the unread stream. A request without a
 * body has none, which the handler refuses with its own message.
 */
const fileBodySchema = z
  .custom<Readable>((v) => v instanceof Readable)
  // Fastify validates a missing body as null.
  .nullish()
  .meta({ type: 'string', format: 'binary', description: 'the file: CSV, JSONL or Parquet, gzipped or not' });

const GZIP_MAGIC = [0x1f, 0x8b];

function mappingOf(query: z.infer<typeof importQuerySchema>): Mapping {
  let given: Mapping | undefined;
  if (query.mapping !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(query.mapping);
    } catch (err) {
      throw new ValidationError(`mapping: not valid JSON: ${(err as Error).message}`);
    }
    given = parseMapping(json, 'mapping');
  }
  const mapping = chooseMapping({ entity: query.entity, preset: query.preset, mapping: given });
  if (query.format && mapping.format && query.format !== mapping.format) {
    throw new ValidationError(`format ${query.format} does not match the mapping, which reads ${mapping.format}`);
  }
  return query.format ? { ...mapping, format: query.format } : mapping;
}

/**
 * Streams the body to `<dir>/upload.<format>[.gz]`, refusing it as soon as it passes `limit` bytes. Whether it is
 * gzipped is read from its first bytes, so a client need not say. The rest of a refused body is read and dropped
 * (for at most the request timeout), not cut off, so the client gets the 413 instead of a reset connection.
 */
async function receive(body: Readable, dir: string, format: string, limit: number): Promise<{ path: string; bytes: number; gzip: boolean }> {
  const received = join(dir, 'body');
  let bytes = 0;
  const head: number[] = [];
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > limit) throw new PayloadTooLargeError(limit);
      for (let i = 0; head.length < GZIP_MAGIC.length && i < chunk.length; i++) head.push(chunk[i]!);
      yield chunk;
    }
  }
  try {
    await pipeline(counted, createWriteStream(received));
  } catch (err) {
    // Node drops the rest of a body only if nothing read from it; this one was read from, so it is drained here.
    if (err instanceof PayloadTooLargeError) body.resume();
    throw err;
  }
  const gzip = GZIP_MAGIC.every((b, i) => head[i] === b);
  // The readers choose by name: DuckDB decompresses a .gz, and the importer checks a .gz for truncation.
  const path = join(dir, `upload.${format}${gzip ? '.gz' : ''}`);
  await rename(received, path);
  return { path, bytes, gzip };
}

/**
 * File imports over the API: the same import as `segmint import`, with the file as the request body. The routes
 * sit in their own plugin so that only here does a body arrive as a raw stream, under its own size limit.
 *
 * All of them need `ingest:write`: the client that sends files is the one that reads what became of them, and
 * quarantined rows hold records as sent (names, emails), more than an `audiences:read` key should see.
 */
export function registerImportRoutes(app: ZodApp, ctx: RouteContext, options: ImportRouteOptions): void {
  void app.register((scope: ZodApp, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    scope.post(
      '/v1/imports',
      guarded(
        'ingest:write',
        'imports',
        `Import a customers, products or events file sent as the request body (up to ${options.bodyLimit} bytes, gzip allowed), as \`segmint import\` does: every row is accepted, a duplicate, or quarantined with its line, column and reason`,
        {
          querystring: importQuerySchema,
          body: fileBodySchema,
          consumes: ['text/csv', 'application/x-ndjson', 'application/vnd.apache.parquet', 'application/gzip', 'application/octet-stream'],
          response: { 201: importReportSchema },
          // 422 (import_failed): a file that cannot be read as a whole, or more rejected rows than max_rejected.
          errors: [422],
        },
      ),
      async (req, reply) => {
        const mapping = mappingOf(req.query);
        const maxRejected = req.query.max_rejected === undefined ? undefined : parseRejectLimit(req.query.max_rejected, 'max_rejected');
        const format = mapping.format ?? 'csv';
        if (Number(req.headers['content-length'] ?? 0) > options.bodyLimit) {
          // The body is left unread; closing the connection spares reading it only to throw it away.
          void reply.header('connection', 'close');
          throw new PayloadTooLargeError(options.bodyLimit);
        }
        const empty = new ValidationError('the request body is empty: send the file as the body');
        if (!req.body) throw empty;
        const dir = await mkdtemp(join(tmpdir(), 'segmint-upload-'));
        try {
          const upload = await receive(req.body, dir, format, options.bodyLimit);
          if (upload.bytes === 0) throw empty;
          const name = req.query.name ?? `upload.${format}${upload.gzip ? '.gz' : ''}`;
          const how = { name, mappingSource: mappingSource(req.query), replace: req.query.replace === 'true', maxRejected };
          const report = await inWorkspace(ctx, req, (store) => importFile(store, upload.path, mapping, how));
          return await reply.status(201).send(report);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    );

    scope.get(
      '/v1/imports',
      guarded('ingest:write', 'imports', 'Past imports, newest first, with their counts', { querystring: page, response: { 200: importsPageSchema } }),
      (req) => inWorkspace(ctx, req, (store) => listImports(store, req.query)),
    );

    scope.get(
      '/v1/imports/presets',
      guarded('ingest:write', 'imports', 'The named column mappings an import may use (`preset=`), with what each reads and the columns it expects', {
        response: { 200: z.array(presetListingSchema) },
      }),
      // Import ids are 32 hex digits, so no import is shadowed by this path.
      () => Promise.resolve(listPresets()),
    );

    scope.get(
      '/v1/imports/:id',
      guarded('ingest:write', 'imports', 'One past import with its counts, as `segmint imports` lists it', {
        params: importParamsSchema,
        response: { 200: importRecordSchema },
      }),
      (req) => inWorkspace(ctx, req, (store) => getImport(store, req.params.id)),
    );

    scope.get(
      '/v1/imports/:id/quarantine',
      guarded('ingest:write', 'imports', 'The rows an import quarantined, in file order: line, column, reason and the record as read', {
        params: importParamsSchema,
        querystring: page,
        response: { 200: quarantinePageSchema },
      }),
      (req) => inWorkspace(ctx, req, (store) => quarantinedRows(store, req.params.id, req.query)),
    );

    scope.delete(
      '/v1/imports/:id',
      guarded(
        'ingest:write',
        'imports',
        'Take back an import, as `segmint imports rm`: its events, its quarantined rows, and the customers and products only it created; says what the latest run counted that is gone',
        { params: importParamsSchema, response: { 200: removalSchema } },
      ),
      async (req) => inWorkspace(ctx, req, (store) => removeImport(store, req.params.id)),
    );
    done();
  });
}
