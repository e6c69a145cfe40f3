/**
 * The admin function's routes, from every report module. Each one authenticates, requires the
 * admin role, validates its query string and is scoped to one project.
 */

import * as v from 'valibot';
import { SEED_QUERY } from '../contract/route-table/compat.ts';
import { COMPAT_ROUTE_DEFS, type CompatRouteDef, routeKey } from '../contract/routes.ts';
import { seedQuery } from '../http/compat.ts';
import { type HttpResult, json } from '../http/json.ts';
import { requireRole, resolveProject } from '../http/jwt.ts';
import type { RouteLogic } from '../http/router.ts';
import { NotImplementedError, ValidationError } from '../model/errors.ts';
import { metricsEndpoint } from './metrics-endpoint.ts';
import { openApiDocument } from './openapi.ts';
import {
  type AdminDeps,
  isRawResponse,
  PROJECT_PATTERN,
  parseQuery,
  projectParam,
  type Report,
} from './report.ts';
import { coreReports } from './reports/core.ts';
import { dashboardReport } from './reports/dashboard.ts';
import { exportReport } from './reports/export.ts';
import { insightsReports } from './reports/insights.ts';
import { peopleReports } from './reports/people.ts';
import { productReports } from './reports/product.ts';
import { rejectionsReports } from './reports/rejections.ts';
import { settingsReports } from './reports/settings.ts';
import { summaryReport } from './reports/summary.ts';
import { usageReports } from './reports/usage.ts';
import { userDeletionReports } from './reports/users.ts';
import { writeKeyReports } from './reports/write-keys.ts';

/** Every admin endpoint, in one list (the export and OpenAPI endpoints read it too). */
export const REPORTS: Report<unknown>[] = [
  exportReport(() => REPORTS),
  dashboardReport(() => REPORTS),
  summaryReport,
  ...coreReports,
  ...writeKeyReports,
  ...settingsReports,
  ...userDeletionReports,
  ...rejectionsReports,
  ...usageReports,
  ...peopleReports,
  ...insightsReports,
  ...productReports,
] as Report<unknown>[];

/** Wraps a report with authentication, the role check, query validation and project scoping. */
export function adminRoute(deps: AdminDeps, report: Report<unknown>): RouteLogic {
  return async (event): Promise<HttpResult> => {
    const principal = await deps.verify(event.headers.authorization);
    requireRole(principal, deps.adminRole);
    // The seeds' spellings (startDate, tenant_id, time_range, period) as Tally's.
    const raw = seedQuery(event.queryStringParameters, SEED_QUERY);
    if (raw.project !== undefined && !PROJECT_PATTERN.test(raw.project)) {
      throw new ValidationError(
        'invalid query: project must be 1-64 letters, digits, ".", "_" or "-"',
      );
    }
    // Scope before parameters: a caller learns nothing about a project it may not read.
    const projectId = resolveProject(principal, raw.project);
    const query = parseQuery(report.query, raw);
    if (report.path) parseQuery(report.path, event.pathParameters ?? {}, 'path');
    const body = await report.run({ deps, projectId, query, principal, event });
    return isRawResponse(body) ? body.result : json(report.status ?? 200, body);
  };
}

/** A seed route whose target report Tally does not have yet: 501 naming it, after the checks. */
const notYetReport = (def: CompatRouteDef): Report<unknown> => ({
  route: routeKey(def),
  query: v.object({ project: projectParam }),
  run: async () => {
    throw new NotImplementedError(
      `${def.path} answers from Tally's ${def.compat.target}, which does not exist yet`,
      [def.compat.target],
    );
  },
});

export function adminRoutes(deps: AdminDeps): Record<string, RouteLogic> {
  const document = JSON.stringify(openApiDocument(REPORTS));
  const notYet = COMPAT_ROUTE_DEFS.filter((d) => d.fn === 'admin' && !d.targetRoute);
  return {
    ...Object.fromEntries(REPORTS.map((r) => [r.route, adminRoute(deps, r)])),
    ...Object.fromEntries(notYet.map((d) => [routeKey(d), adminRoute(deps, notYetReport(d))])),
    // Not a report: Prometheus text, readable with a metrics-only token too.
    'GET /metrics': metricsEndpoint(deps),
    'GET /openapi.json': async () => ({
      statusCode: 200,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'max-age=300',
      },
      body: document,
    }),
  };
}
