/**
 * The route table. The CDK API construct creates exactly these routes, pointed at the named
 * function; the local twin dispatches exactly these; each handler builds its router from the rows
 * naming it and fails at cold start if one has no logic; the OpenAPI document lists them. The
 * rows live in route-table/, one file per area of the API; what a row is, in route-def.ts.
 */
import type { FunctionName, RouteDef } from './route-def.ts';
import { ADMIN_ROUTES } from './route-table/admin.ts';
import { INSIGHTS_ROUTES } from './route-table/insights.ts';
import { PEOPLE_ROUTES } from './route-table/people.ts';
import { TRACK_ROUTES } from './route-table/track.ts';
import { USAGE_ROUTES } from './route-table/usage.ts';

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

// ---- matching a request path, as API Gateway does ----

interface CompiledRoute {
  route: RouteDef;
  regex: RegExp;
  params: string[];
}

/** Each route's path as a regex: `{name}` takes one segment, `{name+}` the rest of the path. */
const COMPILED: readonly CompiledRoute[] = ROUTES.map((route) => {
  const params: string[] = [];
  const source = route.path
    .split('/')
    .map((part) => {
      const m = /^\{([^}+]+)(\+?)\}$/.exec(part);
      if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(m[1] as string);
      return m[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { route, regex: new RegExp(`^${source}$`), params };
});

export interface RouteMatch {
  route: RouteDef;
  pathParameters: Record<string, string> | undefined;
}

/**
 * The route for a method and path, as API Gateway would choose it (static before dynamic), among
 * the routes `accept` lets through (default: all).
 */
export function matchRoute(
  method: string,
  path: string,
  accept: (route: RouteDef) => boolean = () => true,
): RouteMatch | undefined {
  let best: RouteMatch | undefined;
  for (const c of COMPILED) {
    if (c.route.method !== method || !accept(c.route)) continue;
    const m = c.regex.exec(path);
    if (!m) continue;
    const pathParameters = c.params.length
      ? Object.fromEntries(c.params.map((p, i) => [p, decodeURIComponent(m[i + 1] as string)]))
      : undefined;
    if (!pathParameters) return { route: c.route, pathParameters };
    best ??= { route: c.route, pathParameters };
  }
  return best;
}

/** True when some route has this path under another method (API Gateway then answers 404 too). */
export function pathExists(path: string): boolean {
  return COMPILED.some((c) => c.regex.test(path));
}
