/**
 * The admin function's routes, from every report module. Each one authenticates, requires the
 * admin role, validates its query string and is scoped to one project.
 */
import * as v from 'valibot';
import { ValidationError } from '../shared/errors.ts';
import { type HttpResult, json } from '../shared/http.ts';
import { requireRole, resolveProject } from '../shared/jwt.ts';
import type { RouteLogic } from '../shared/router.ts';
import { describeIssues } from '../shared/schemas.ts';
import type { AdminDeps, RawQuery, Report } from './report.ts';
import { coreReports } from './reports/core.ts';
import { insightsReports } from './reports/insights.ts';
import { peopleReports } from './reports/people.ts';
import { serviceReports } from './reports/service.ts';
import { summaryReport } from './reports/summary.ts';
import { usageReports } from './reports/usage.ts';
import { writeKeyReports } from './reports/write-keys.ts';

export type { AdminDeps } from './report.ts';

/** Every admin endpoint, in one list (the export and OpenAPI endpoints read it too). */
export const REPORTS: Report<unknown>[] = [
  summaryReport,
  ...coreReports,
  ...writeKeyReports,
  ...usageReports,
  ...peopleReports,
  ...insightsReports,
  ...serviceReports,
] as Report<unknown>[];

/** Validates the query string of `report` (400 naming each problem). */
export function parseQuery<Q>(report: Report<Q>, raw: RawQuery): Q {
  const parsed = v.safeParse(report.query, raw);
  if (!parsed.success) throw new ValidationError(`invalid query: ${describeIssues(parsed.issues)}`);
  return parsed.output;
}

/** Wraps a report with authentication, the role check, query validation and project scoping. */
export function adminRoute(deps: AdminDeps, report: Report<unknown>): RouteLogic {
  return async (event): Promise<HttpResult> => {
    const principal = await deps.verify(event.headers.authorization);
    requireRole(principal, deps.adminRole);
    const raw = event.queryStringParameters ?? {};
    const query = parseQuery(report, raw);
    const projectId = resolveProject(principal, raw.project);
    return json(
      report.status ?? 200,
      await report.run({ deps, projectId, query, principal, event }),
    );
  };
}

export function adminRoutes(deps: AdminDeps): Record<string, RouteLogic> {
  return Object.fromEntries(REPORTS.map((r) => [r.route, adminRoute(deps, r)]));
}
