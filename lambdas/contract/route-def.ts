/** What a row of the route table is (the rows are in route-table/, the table in routes.ts). */

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
