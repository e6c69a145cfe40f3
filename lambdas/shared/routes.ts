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
    method: 'POST',
    path: '/v1/identify',
    fn: 'track',
    auth: 'writeKey',
    summary: 'Record who a user is and their traits (Segment-compatible)',
  },
  {
    method: 'POST',
    path: '/v1/page',
    fn: 'track',
    auth: 'writeKey',
    summary: 'Record a page view (Segment-compatible)',
  },
  {
    method: 'POST',
    path: '/v1/screen',
    fn: 'track',
    auth: 'writeKey',
    summary: 'Record a mobile screen view (Segment-compatible)',
  },
  {
    method: 'POST',
    path: '/v1/group',
    fn: 'track',
    auth: 'writeKey',
    summary: 'Associate a user with a group (Segment-compatible)',
  },
  {
    method: 'POST',
    path: '/v1/alias',
    fn: 'track',
    auth: 'writeKey',
    summary: 'Link two identities of one user (Segment-compatible)',
  },
  {
    method: 'POST',
    path: '/v1/batch',
    fn: 'track',
    auth: 'writeKey',
    summary: 'Record up to 2,500 messages of any type (Segment-compatible)',
  },
  {
    method: 'POST',
    path: '/v1/track/activity',
    fn: 'track',
    auth: 'writeKey',
    summary: 'Record a user activity (login, logout, registration, …)',
  },
  {
    method: 'POST',
    path: '/v1/track/api-usage',
    fn: 'track',
    auth: 'writeKey',
    summary: 'Record an API call: endpoint, method, status, response time',
  },
  {
    method: 'POST',
    path: '/v1/track/conversation',
    fn: 'track',
    auth: 'writeKey',
    summary: 'Record a conversation created, updated or ended',
  },
  {
    method: 'POST',
    path: '/v1/track/message',
    fn: 'track',
    auth: 'writeKey',
    summary: 'Record a chat message: role, tokens, model, response time',
  },
  {
    method: 'POST',
    path: '/v1/events',
    fn: 'track',
    auth: 'writeKey',
    summary: 'Record a generic event: type, data, resource, channel',
  },
  {
    method: 'POST',
    path: '/v1/events/bulk',
    fn: 'track',
    auth: 'writeKey',
    summary: 'Record up to 2,500 generic events',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/summary',
    fn: 'admin',
    auth: 'admin',
    summary: 'Headline figures: events, users, conversations, messages, tokens, response time',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/projects',
    fn: 'admin',
    auth: 'admin',
    summary: 'Projects the token may read',
  },
  {
    method: 'GET',
    path: '/api/v1/analytics/write-keys',
    fn: 'admin',
    auth: 'admin',
    summary: "A project's write keys (prefixes only, never secrets)",
  },
  {
    method: 'POST',
    path: '/api/v1/analytics/write-keys',
    fn: 'admin',
    auth: 'admin',
    summary: 'Create a write key; the secret is in this response only',
  },
  {
    method: 'DELETE',
    path: '/api/v1/analytics/write-keys/{keyId}',
    fn: 'admin',
    auth: 'admin',
    summary: 'Revoke a write key (effective within a minute)',
  },
];

/** `POST /v1/track`: the key API Gateway gives a route, and the key handlers look logic up by. */
export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>) => `${r.method} ${r.path}`;

export function routesOf(fn: FunctionName): RouteDef[] {
  return ROUTES.filter((r) => r.fn === fn);
}
