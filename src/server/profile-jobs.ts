import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { audienceCustomers, batchAsOf, keptProfiles, profilesOf, type MakeOptions } from '../profiles/index.js';
import { ConflictError, errorMessage, NotFoundError } from '../shared/errors.js';
import type { Workspaces } from './workspaces.js';

/**
 * Profile jobs: the profiles of an audience's members, made in the background (POST /v1/audiences/:id/profiles) while
 * the client polls the job and pages through the profiles made so far. Members are made CHUNK at a time, each chunk
 * one turn of the workspace's queue, so other requests of the workspace are answered between chunks. Jobs live in
 * the server's memory (the profiles themselves are kept in the store); one runs per workspace at a time.
 */
// A chunk's drafts are read in one pass (profiles/profile.ts): 200 costs a turn about a second at a million customers.
const CHUNK = 200;

export const profileJobSchema = z
  .object({
    id: z.string(),
    audience: z.string().describe('audience id'),
    run: z.string().describe('the run whose members are profiled'),
    as_of: z.string().describe('the history every profile of the job reads'),
    status: z.enum(['running', 'done', 'failed', 'stopped']).describe('stopped: the server shut down before the job was done'),
    total: z.number().int().describe('members to profile'),
    done: z.number().int().describe('members done so far, profiled or skipped'),
    profiled: z.number().int().describe('profiles made (or kept ones reused) so far: the ones GET .../profiles pages through'),
    skipped: z.number().int().describe('members gone from the store since the run (erased)'),
    error: z.string().nullable(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'ProfileJob' });
export type ProfileJob = z.infer<typeof profileJobSchema>;

const now = (): string => new Date().toISOString().slice(0, 19).replace('T', ' ');

interface Running {
  job: ProfileJob;
  workspace: string;
  /** The customers profiled so far, in the audience's order. */
  profiled: string[];
  finished: Promise<void>;
}

export class ProfileJobs {
  private readonly jobs = new Map<string, Running>();
  private stopping = false;

  constructor(private readonly workspaces: Workspaces) {}

  /** Starts a job for the audience's members at the latest run; an unknown audience is not found, a running job a conflict. */
  async start(workspace: string, audience: string, options: MakeOptions): Promise<ProfileJob> {
    const { audience: id, run, customers, asOf } = await this.workspaces.use(workspace, async (store) => ({ ...(await audienceCustomers(store, audience)), asOf: await batchAsOf(store, options) }));
    // Checked after the await, and the job registered in the same turn, so two requests cannot both start one.
    const busy = [...this.jobs.values()].find((r) => r.workspace === workspace && r.job.status === 'running');
    if (busy) throw new ConflictError(`profile job ${busy.job.id} is still running in this workspace`, { job: busy.job.id });
    const job: ProfileJob = { id: randomUUID(), audience: id, run, as_of: asOf, status: 'running', total: customers.length, done: 0, profiled: 0, skipped: 0, error: null, started_at: now(), finished_at: null };
    const running: Running = { job, workspace, profiled: [], finished: Promise.resolve() };
    running.finished = this.work(running, customers, { ...options, asOf });
    this.jobs.set(job.id, running);
    return { ...job };
  }

  /** A job of this workspace; another workspace's is not found, as an unknown one. */
  get(workspace: string, id: string): ProfileJob {
    return { ...this.running(workspace, id).job };
  }

  /** A page of the job's profiles made so far, in the audience's order. */
  async profiles(workspace: string, id: string, page: { limit: number; offset: number }) {
    const running = this.running(workspace, id);
    const ids = running.profiled.slice(page.offset, page.offset + page.limit);
    const kept = await this.workspaces.use(workspace, (store) => keptProfiles(store, ids));
    const profiles = ids.flatMap((customer) => kept.get(customer) ?? []);
    return { job: running.job.id, status: running.job.status, total: running.profiled.length, limit: page.limit, offset: page.offset, profiles };
  }

  /** Lets the running chunks finish and starts no other: the server is closing its stores. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.jobs.values()].map((r) => r.finished));
  }

  private running(workspace: string, id: string): Running {
    const running = this.jobs.get(id);
    if (!running || running.workspace !== workspace) throw new NotFoundError(`no profile job "${id}"`, { job: id });
    return running;
  }

  private async work(running: Running, customers: readonly string[], options: MakeOptions): Promise<void> {
    const { job } = running;
    try {
      for (let at = 0; at < customers.length; at += CHUNK) {
        if (this.stopping) {
          job.status = 'stopped';
          return;
        }
        await this.workspaces.use(running.workspace, (store) =>
          profilesOf(store, customers.slice(at, at + CHUNK), options, (customer, profile) => {
            job.done++;
            if (profile) {
              running.profiled.push(customer);
              job.profiled++;
            } else job.skipped++;
          }),
        );
      }
      job.status = 'done';
    } catch (err) {
      job.status = 'failed';
      job.error = errorMessage(err);
    } finally {
      job.finished_at = now();
    }
  }
}
