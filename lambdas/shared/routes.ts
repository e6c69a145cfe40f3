/**
 * The route table. The CDK API construct creates exactly these routes, pointed at the named
 * function; the local twin dispatches exactly these; each handler builds its router from the rows
 * naming it and fails at cold start if one has no logic.
 */
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
  { method: 'GET', path: '/health', fn: 'track', auth: 'public', summary: 'Liveness check' },
  {
    method: 'POST',
    path: '/v1/track',
    fn: 'track',
    auth: 'writeKey',
    summary: 'Record a track event (Segment-compatible)',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/summary',
    fn: 'admin',
    auth: 'admin',
    summary: 'Headline figures: events, users, conversations, messages, tokens, response time',
  },
];

/** `POST /v1/track`: the key API Gateway gives a route, and the key handlers look logic up by. */
export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>) => `${r.method} ${r.path}`;

export function routesOf(fn: FunctionName): RouteDef[] {
  return ROUTES.filter((r) => r.fn === fn);
}
