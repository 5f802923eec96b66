import { z } from 'zod';
import { parseAsOf } from '../../features/index.js';
import { audienceProfileGroups, PROFILE_SEEDS, profileGroupsSchema, profileSchema } from '../../profiles/index.js';
import { keyOf } from '../auth.js';
import { ProfileJobs, profileJobSchema } from '../profile-jobs.js';
import { asOfSchema, audienceParamsSchema, idParamsSchema } from '../schemas.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

const jobParamsSchema = idParamsSchema('profile job id');

/**
 * Profiles of an audience (seed 002's first use case): a job makes them in the background, the client polls it and
 * pages through the profiles; the groups by marketing brief are read from the kept profiles, as `segmint profiles`
 * prints them.
 */
export function registerProfileJobRoutes(app: ZodApp, ctx: RouteContext): void {
  const jobs = new ProfileJobs(ctx.workspaces);
  app.addHook('onClose', () => jobs.stop());

  app.post(
    '/v1/audiences/:id/profiles',
    guarded('profiles:read', 'profiles', "Start a job making the profiles of an audience's members at the latest run (kept ones reused unless refresh); poll it at /v1/profile-jobs/:id", {
      params: audienceParamsSchema,
      body: z.strictObject({
        refresh: z.boolean().optional().describe('make new profiles even where one is kept'),
        as_of: asOfSchema.optional().describe("the history read (default: the latest run's date)"),
        seed: z.number().int().min(PROFILE_SEEDS.min).max(PROFILE_SEEDS.max).optional().describe(`seeds the choice of phrasings and looks (default ${PROFILE_SEEDS.default})`),
      }),
      response: { 202: profileJobSchema },
      errors: [409],
    }, 'unchanged'),
    async (req, reply) =>
      reply.status(202).send(
        await jobs.start(keyOf(req).workspace, req.params.id, {
          refresh: req.body.refresh,
          asOf: req.body.as_of ? parseAsOf(req.body.as_of, 'as_of') : undefined,
          seed: req.body.seed,
          llm: ctx.llm,
        }),
      ),
  );

  app.get(
    '/v1/profile-jobs/:id',
    guarded('profiles:read', 'profiles', 'A profile job: its status and progress', { params: jobParamsSchema, response: { 200: profileJobSchema } }),
    (req) => jobs.get(keyOf(req).workspace, req.params.id),
  );

  app.get(
    '/v1/profile-jobs/:id/profiles',
    guarded('profiles:read', 'profiles', "A page of a job's profiles made so far, in customer id order", {
      params: jobParamsSchema,
      querystring: z.strictObject({
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      response: {
        200: z.object({
          job: z.string(),
          status: profileJobSchema.shape.status,
          total: z.number().int().describe('profiles made so far'),
          limit: z.number().int(),
          offset: z.number().int(),
          profiles: z.array(profileSchema),
        }),
      },
    }),
    (req) => jobs.profiles(keyOf(req).workspace, req.params.id, req.query),
  );

  app.get(
    '/v1/audiences/:id/profile-groups',
    guarded('profiles:read', 'profiles', "An audience's kept profiles in 3 or 4 groups by marketing brief, each with its shared tone of voice and visual direction and its size", {
      params: audienceParamsSchema,
      response: { 200: profileGroupsSchema },
    }),
    (req) => inWorkspace(ctx, req, (store) => audienceProfileGroups(store, req.params.id)),
  );
}
