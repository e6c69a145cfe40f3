/** The admin function's routes: every one authenticates, requires the admin role and scopes to a project. */
import { ValidationError } from '../shared/errors.ts';
import { type HttpEvent, type HttpResult, json, readJson } from '../shared/http.ts';
import { type Principal, requireRole, resolveProject, type Verifier } from '../shared/jwt.ts';
import type { RouteLogic } from '../shared/router.ts';
import { listProjects } from './projects.ts';
import { type ReportDeps, summary } from './summary.ts';
import { createKey, listKeys, revokeKey } from './write-keys.ts';

export interface AdminDeps extends ReportDeps {
  verify: Verifier;
  adminRole: string;
}

export interface AdminRequest {
  principal: Principal;
  projectId: string;
  query: Record<string, string | undefined>;
  event: HttpEvent;
}

const PROJECT_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Wraps report logic with authentication, the role check and project scoping. */
export function adminRoute(
  deps: AdminDeps,
  run: (req: AdminRequest) => Promise<unknown>,
  options: { status?: number } = {},
): RouteLogic {
  return async (event): Promise<HttpResult> => {
    const principal = await deps.verify(event.headers.authorization);
    requireRole(principal, deps.adminRole);
    const query = event.queryStringParameters ?? {};
    if (query.project !== undefined && !PROJECT_ID.test(query.project)) {
      throw new ValidationError('project must be 1-64 letters, digits, ".", "_" or "-"');
    }
    const projectId = resolveProject(principal, query.project);
    return json(options.status ?? 200, await run({ principal, projectId, query, event }));
  };
}

/** Bodies of admin requests are small. */
const MAX_ADMIN_BODY = 16 * 1024;

export function adminRoutes(deps: AdminDeps): Record<string, RouteLogic> {
  return {
    'GET /api/v1/analytics/summary': adminRoute(deps, ({ projectId }) => summary(deps, projectId)),
    'GET /api/v1/analytics/projects': adminRoute(deps, async ({ principal }) => ({
      projects: await listProjects(deps.ddb, deps.tableName, principal.projects),
    })),
    'GET /api/v1/analytics/write-keys': adminRoute(deps, ({ projectId }) =>
      listKeys(deps, projectId),
    ),
    'POST /api/v1/analytics/write-keys': adminRoute(
      deps,
      ({ projectId, event }) => createKey(deps, projectId, readJson(event, MAX_ADMIN_BODY, true)),
      { status: 201 },
    ),
    'DELETE /api/v1/analytics/write-keys/{keyId}': adminRoute(deps, ({ projectId, event }) =>
      revokeKey(deps, projectId, event.pathParameters?.keyId),
    ),
  };
}
