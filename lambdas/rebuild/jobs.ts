/** Rollup jobs: what the schedules, the refresh endpoint and the CLI ask for. */
import { ValidationError } from '../model/errors.ts';
import { addDays, dayOf, daysBetween, isIsoDay } from '../model/time.ts';
import { listProjects } from '../store/projects.ts';
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

/** Runs a job: every day of every project asked for, one day at a time. */
export async function runJob(
  deps: RollupDeps,
  job: RollupJob,
  settings: { nightlyDays: number; hourly: 'compact' | 'rebuild' },
): Promise<DayResult[]> {
  const days = jobDays(job, deps.now(), settings.nightlyDays);
  const fold = job.mode === 'hourly' && settings.hourly === 'compact' ? compactDay : rollupDay;
  const projects =
    job.projects ??
    (await listProjects(deps.ddb, deps.storage.tableName, undefined)).map((p) => p.projectId);
  const results: DayResult[] = [];
  for (const projectId of projects) {
    for (const day of days) results.push(await fold(deps, projectId, day));
  }
  deps.log.info('rollup done', {
    mode: fold === compactDay ? 'compact' : 'rebuild',
    projects: projects.length,
    days: days.length,
    events: results.reduce((n, r) => n + r.events, 0),
    corrected: results.filter((r) => Object.keys(r.correction).length).length,
  });
  return results;
}
