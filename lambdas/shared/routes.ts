/**
 * The route table. The CDK API construct creates exactly these routes, pointed at the named
 * function; the local twin dispatches exactly these; each handler builds its router from the rows
 * naming it and fails at cold start if one has no logic; the OpenAPI document lists them. The
 * rows live in route-table/, one file per area of the API.
 */
import { ADMIN_ROUTES } from './route-table/admin.ts';
import { INSIGHTS_ROUTES } from './route-table/insights.ts';
import { PEOPLE_ROUTES } from './route-table/people.ts';
import { TRACK_ROUTES } from './route-table/track.ts';
import { USAGE_ROUTES } from './route-table/usage.ts';

export type FunctionName = 'track' | 'admin';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** Who may call: a project write key, an admin JWT, or anyone. */
export type RouteAuth = 'writeKey' | 'admin' | 'public';

export interface RouteDef {
  readonly method: HttpMethod;
  /** API Gateway syntax: `/api/v1/analytics/conversations/{id}`. */
  readonly path: string;
  readonly fn: FunctionName;
  readonly auth: RouteAuth;
  readonly summary: string;
}

export const ROUTES: readonly RouteDef[] = [
  ...TRACK_ROUTES,
  ...ADMIN_ROUTES,
  ...USAGE_ROUTES,
  ...PEOPLE_ROUTES,
  ...INSIGHTS_ROUTES,
];

/** `POST /v1/track`: the key API Gateway gives a route, and the key handlers look logic up by. */
export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>) => `${r.method} ${r.path}`;

export function routesOf(fn: FunctionName): RouteDef[] {
  return ROUTES.filter((r) => r.fn === fn);
}
