/**
 * `GET /api/v1/analytics/dashboard`: everything the dashboard's first screen shows, in one
 * response: the summary, the range (default the last 7 days) against the one before, the daily
 * series, the most active users, the latest activity, and API health. It runs the same reports a
 * client could call one by one, so the numbers are the same.
 */
import * as v from 'valibot';
import { NotFoundError } from '../../model/errors.ts';
import { dayMemo } from '../read.ts';
import { projectParam, type Report, type ReportRequest, rangeParams, report } from '../report.ts';
import { dashboardResponse } from '../responses.ts';

/** The reports the dashboard is made of, with the query each gets. */
const PARTS = {
  summary: ['GET /api/v1/analytics/summary', {}],
  overview: ['GET /api/v1/analytics/overview', { range: '7d' }],
  daily: ['GET /api/v1/analytics/daily-stats', { days: '14' }],
  topUsers: ['GET /api/v1/analytics/users/top', { range: '7d', limit: '5' }],
  recentActivity: ['GET /api/v1/analytics/users/activities', { range: '24h', limit: '10' }],
  // Calls and error rates: the latency distributions grow with traffic, the dashboard must not.
  api: ['GET /api/v1/analytics/api-usage', { range: '24h', limit: '5', latency: 'false' }],
  // System health: latency percentiles and error rate of the last 24 hours only, so the read is
  // one day's latency sketches (bounded per endpoint), whatever the range or the stored events.
  health: ['GET /api/v1/analytics/api-usage', { range: '24h', limit: '1' }],
} as const satisfies Record<string, readonly [string, Record<string, string>]>;

/** The parts that follow the requested range (recent activity stays the last 24 hours). */
const RANGED = new Set<string>(['overview', 'daily', 'topUsers', 'api']);

export const dashboardReport = (reports: () => Report<unknown>[]) =>
  report({
    route: 'GET /api/v1/analytics/dashboard',
    response: dashboardResponse,
    query: v.object({ project: projectParam, ...rangeParams }),
    run: async (request: ReportRequest<unknown>) => {
      const { range, from, to } = request.query as { range?: string; from?: string; to?: string };
      const asked = Object.fromEntries(
        Object.entries({ range, from, to }).filter(([, value]) => value !== undefined),
      );
      const byRoute = new Map(reports().map((r) => [r.route, r]));
      // The overview, the daily series and the top users read the same days: once, with users.
      const deps = { ...request.deps, days: dayMemo({ users: true }) };
      const entries = await Promise.all(
        Object.entries(PARTS).map(async ([name, [route, query]]) => {
          const part = byRoute.get(route);
          if (!part) throw new NotFoundError(`The dashboard needs ${route}`);
          // A part that follows the range drops its default range for the one asked for.
          const { range: _default, ...rest } = query as Record<string, string>;
          const own = RANGED.has(name) && Object.keys(asked).length ? { ...rest, ...asked } : query;
          const parsed = v.parse(part.query, { ...own, project: request.projectId });
          return [name, await part.run({ ...request, deps, query: parsed })] as const;
        }),
      );
      return {
        project: request.projectId,
        asOf: new Date(request.deps.now()).toISOString(),
        ...Object.fromEntries(entries),
      };
    },
  });
