/** Admin endpoints that are not reports: projects and the on-demand rollup. */
import * as v from 'valibot';
import { runJob } from '../../rebuild/jobs.ts';
import { listProjects } from '../../store/projects.ts';
import { projectParam, rangeParams, report } from '../report.ts';
import { projectsResponse, refreshResponse } from '../responses.ts';
import { productSnapshotStep } from './product/snapshot.ts';

export const coreReports = [
  report({
    route: 'GET /api/v1/analytics/projects',
    response: projectsResponse,
    query: v.object({ project: projectParam }),
    run: async ({ deps, principal }) => ({
      projects: await listProjects(deps.ddb, deps.tableName, principal.projects),
    }),
    rows: (body: { projects: Record<string, unknown>[] }) => body.projects,
  }),
  report({
    route: 'POST /api/v1/analytics/metrics/refresh',
    response: refreshResponse,
    query: v.object({ project: projectParam, from: rangeParams.from, to: rangeParams.to }),
    run: async ({ deps, projectId, query }) => {
      const started = deps.now();
      const { days, failed } = await runJob(
        {
          ddb: deps.ddb,
          storage: deps.storage,
          now: deps.now,
          log: deps.log,
          settleMs: deps.rollup.settleMs,
        },
        {
          projects: [projectId],
          ...(query.from ? { from: query.from } : {}),
          ...(query.to ? { to: query.to } : {}),
        },
        { nightlyDays: deps.rollup.nightlyDays, hourly: 'rebuild' },
        productSnapshotStep(deps),
      );
      return {
        project: projectId,
        days: days.map(({ day, events, watermark, correction }) => ({
          day,
          events,
          watermark,
          correction,
        })),
        // A day that failed is named, with its error; every other day was rebuilt.
        failed: failed.map(({ day, error }) => ({ day, error })),
        tookMs: deps.now() - started,
      };
    },
  }),
];
