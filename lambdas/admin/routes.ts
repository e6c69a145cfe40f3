/** The admin function's routes: every one authenticates, requires the admin role and scopes to a project. */
import { ValidationError } from '../shared/errors.ts';
import { type HttpEvent, type HttpResult, json } from '../shared/http.ts';
import type { RouteLogic } from '../shared/router.ts';
import { type Principal, requireRole, resolveProject, type Verifier } from './auth.ts';
import { type ReportDeps, summary } from './summary.ts';

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
): RouteLogic {
  return async (event): Promise<HttpResult> => {
    const principal = await deps.verify(event.headers.authorization);
    requireRole(principal, deps.adminRole);
    const query = event.queryStringParameters ?? {};
    if (query.project !== undefined && !PROJECT_ID.test(query.project)) {
      throw new ValidationError('project must be 1-64 letters, digits, ".", "_" or "-"');
    }
    const projectId = resolveProject(principal, query.project);
    return json(200, await run({ principal, projectId, query, event }));
  };
}

export function adminRoutes(deps: AdminDeps): Record<string, RouteLogic> {
  return {
    'GET /api/v1/analytics/summary': adminRoute(deps, ({ projectId }) => summary(deps, projectId)),
  };
}
