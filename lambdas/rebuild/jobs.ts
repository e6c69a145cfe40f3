/** Rollup jobs: what the schedules, the refresh endpoint and the CLI ask for. */

import { ValidationError } from '../model/errors.ts';
import { addDays, dayOf, daysBetween, isIsoDay } from '../model/time.ts';
import { mapLimit } from '../store/dynamo.ts';
import { listProjects } from '../store/projects.ts';
import { deletePastSalts } from '../store/visitor-salts.ts';
import { runDeletions } from './deletion.ts';
import type { DayResult, RollupDeps } from './fold.ts';
import { compactDay, rollupDay } from './rollup.ts';

/** A schedule's or an operator's request. */
export interface RollupJob {
  /**
   * `hourly`: yesterday and today, compacted (or rebuilt, by config); `nightly`: today and the
   * `nightlyDays` before, rebuilt from raw events; neither: yesterday and today rebuilt (the
   * refresh endpoint); or an explicit range, rebuilt.
   */
  mode?: 'hourly' | 'nightly';
  from?: string;
  to?: string;
  /** Default: every project. */
  projects?: string[];
}

/** The most days one job may rebuild (a backfill is several jobs). */
export const MAX_JOB_DAYS = 400;

/** The days a job covers. */
export function jobDays(job: RollupJob, now: number, nightlyDays: number): string[] {
  const today = dayOf(now);
  if (job.from || job.to) {
    const from = job.from ?? job.to ?? today;
    const to = job.to ?? today;
    if (!isIsoDay(from) || !isIsoDay(to)) {
      throw new ValidationError('from and to are real dates, YYYY-MM-DD');
    }
    if (from > to) throw new ValidationError(`from (${from}) is after to (${to})`);
    const days = daysBetween(from, to);
    if (days.length > MAX_JOB_DAYS) {
      throw new ValidationError(
        `a rebuild covers at most ${MAX_JOB_DAYS} days; split ${from}..${to}`,
      );
    }
    return days;
  }
  if (job.mode === 'nightly') return daysBetween(addDays(today, -nightlyDays), today);
  return [addDays(today, -1), today];
}

/** Projects folded at once: a slow or failing one holds up one lane, never the job. */
export const PROJECT_CONCURRENCY = 4;

/** A day of a project whose fold failed; the job went on with everything else. */
export interface FoldFailure {
  projectId: string;
  day: string;
  /** The error's message (its stack is in the log line). */
  error: string;
}

export interface JobResult {
  /** Every day folded, of every project. */
  days: DayResult[];
  /** Every day that failed, with its project: count `new Set(failed.map(f => f.projectId))`. */
  failed: FoldFailure[];
}

/**
 * What a job does for each project once its days are folded: the refresh route passes the admin
 * function's product snapshot (admin/reports/product/snapshot.ts).
 */
export interface AfterFold {
  project?: (projectId: string) => Promise<void>;
  /** Named in `failed` and the log when it fails. */
  name?: string;
}

/**
 * Runs a job: every day of every project asked for. Projects are independent: each is folded in
 * its own lane (PROJECT_CONCURRENCY at once), and a day that fails is logged with its project,
 * returned in `failed`, and leaves every other day and project to be folded as if it were not
 * there. The next run tries it again.
 */
export async function runJob(
  deps: RollupDeps,
  job: RollupJob,
  settings: { nightlyDays: number; hourly: 'compact' | 'rebuild' },
  after: AfterFold = {},
): Promise<JobResult> {
  const days = jobDays(job, deps.now(), settings.nightlyDays);
  const fold = job.mode === 'hourly' && settings.hourly === 'compact' ? compactDay : rollupDay;
  const projects =
    job.projects ??
    (await listProjects(deps.ddb, deps.storage.tableName, undefined)).map((p) => p.projectId);
  const result: JobResult = { days: [], failed: [] };
  // Yesterday's visitor salt goes at the first run of a day (its TTL is the backstop).
  try {
    const today = new Date(deps.now()).toISOString().slice(0, 10);
    await deletePastSalts(deps.ddb, deps.storage.tableName, today);
  } catch (error) {
    deps.log.error('deleting past visitor salts failed; the next run retries', { error });
  }
  await mapLimit(projects, PROJECT_CONCURRENCY, async (projectId) => {
    // Due user deletions first: they rebuild the days they touch themselves.
    try {
      await runDeletions(deps, projectId);
    } catch (error) {
      deps.log.error('user deletion failed; the next run resumes it', { projectId, error });
    }
    for (const day of days) {
      try {
        result.days.push(await fold(deps, projectId, day));
      } catch (error) {
        result.failed.push({ projectId, day, error: (error as Error).message ?? String(error) });
        deps.log.error('rollup failed', { projectId, day, error });
      }
    }
    if (!after.project) return;
    try {
      await after.project(projectId);
    } catch (error) {
      // Counted as a failure of the project's last day: the next run tries again.
      const day = days[days.length - 1] ?? dayOf(deps.now());
      result.failed.push({ projectId, day, error: `${after.name}: ${(error as Error).message}` });
      deps.log.error('after-fold step failed', { projectId, step: after.name, error });
    }
  });
  deps.log.info('rollup done', {
    mode: fold === compactDay ? 'compact' : 'rebuild',
    projects: projects.length,
    failedProjects: new Set(result.failed.map((f) => f.projectId)).size,
    days: days.length,
    events: result.days.reduce((n, r) => n + r.events, 0),
    corrected: result.days.filter((r) => Object.keys(r.correction).length).length,
  });
  return result;
}
