/**
 * The route table. The CDK API construct creates exactly these routes, pointed at the named
 * function; the local twin dispatches exactly these; each handler builds its router from the rows
 * naming it and fails at cold start if one has no logic; the OpenAPI document lists them. The
 * rows live in route-table/, one file per area of the API; what a row is, in route-def.ts.
 */
import type { FunctionName, RouteDef } from './route-def.ts';
import { ADMIN_ROUTES } from './route-table/admin.ts';
import { COMPAT_ROUTES, type CompatRoute } from './route-table/compat.ts';
import { INSIGHTS_ROUTES } from './route-table/insights.ts';
import { PEOPLE_ROUTES } from './route-table/people.ts';
import { PRODUCT_ROUTES } from './route-table/product.ts';
import { TRACK_ROUTES } from './route-table/track.ts';
import { USAGE_ROUTES } from './route-table/usage.ts';

/** `POST /v1/track`: the key API Gateway gives a route, and the key handlers look logic up by. */
export const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

/** Tally's own routes. */
const TALLY_ROUTES: readonly RouteDef[] = [
  ...TRACK_ROUTES,
  ...ADMIN_ROUTES,
  ...USAGE_ROUTES,
  ...PEOPLE_ROUTES,
  ...INSIGHTS_ROUTES,
  ...PRODUCT_ROUTES,
];

/** A seed's route, at the function and with the auth of its target (an admin route if none yet). */
export interface CompatRouteDef extends RouteDef {
  readonly compat: CompatRoute;
  /** The target route, when the table has it; without one the route answers 501. */
  readonly targetRoute: RouteDef | undefined;
}

const byKey = new Map(TALLY_ROUTES.map((r) => [routeKey(r), r]));

export const COMPAT_ROUTE_DEFS: readonly CompatRouteDef[] = COMPAT_ROUTES.map((compat) => {
  const targetRoute = byKey.get(compat.target);
  return {
    method: compat.method,
    path: compat.path,
    fn: targetRoute?.fn ?? 'admin',
    auth: targetRoute?.auth ?? 'admin',
    summary: compat.summary,
    compat,
    targetRoute,
  };
});

export const ROUTES: readonly RouteDef[] = [...TALLY_ROUTES, ...COMPAT_ROUTE_DEFS];

/**
 * A route's operationId, safe in a URL and as an identifier in generated clients:
 * `GET /api/v1/analytics/conversations/{id}` is `getApiV1AnalyticsConversationsById`.
 */
export function operationIdOf(r: Pick<RouteDef, 'method' | 'path'>): string {
  const words = r.path
    .split('/')
    .filter(Boolean)
    .flatMap((part) => {
      const param = /^\{([^}+]+)\+?\}$/.exec(part);
      return param
        ? ['by', ...(param[1] as string).split(/[^A-Za-z0-9]+/)]
        : part.split(/[^A-Za-z0-9]+/);
    })
    .filter(Boolean);
  return [r.method.toLowerCase(), ...words.map((w) => w[0]?.toUpperCase() + w.slice(1))].join('');
}

export function routesOf(fn: FunctionName): RouteDef[] {
  return ROUTES.filter((r) => r.fn === fn);
}

/**
 * One `ANY` route per path of the table, at the function of the path's routes: API Gateway sends
 * it the methods the path does not have, and the function answers 405 with `Allow` (API Gateway
 * prefers a route with the request's method to `ANY` on the same path).
 */
export interface FallbackRoute {
  readonly method: 'ANY';
  readonly path: string;
  readonly fn: FunctionName;
}

export const FALLBACK_ROUTES: readonly FallbackRoute[] = [
  ...new Map(
    ROUTES.map((r) => [r.path, { method: 'ANY' as const, path: r.path, fn: r.fn }]),
  ).values(),
];

/** The methods a path of the table has, for `Allow`. */
export function methodsOf(path: string): string[] {
  return ROUTES.filter((r) => r.path === path).map((r) => r.method);
}

// ---- matching a request path, as API Gateway does ----

type AnyRoute = RouteDef | FallbackRoute;

interface CompiledRoute {
  route: AnyRoute;
  regex: RegExp;
  params: string[];
}

/** Each route's path as a regex: `{name}` takes one segment, `{name+}` the rest of the path. */
const compile = (route: AnyRoute): CompiledRoute => {
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
};
const COMPILED: readonly CompiledRoute[] = ROUTES.map(compile);
const COMPILED_FALLBACKS: readonly CompiledRoute[] = FALLBACK_ROUTES.map(compile);

export interface RouteMatch<R extends AnyRoute = RouteDef> {
  route: R;
  pathParameters: Record<string, string> | undefined;
}

function bestMatch<R extends AnyRoute>(
  compiled: readonly CompiledRoute[],
  method: string | undefined,
  path: string,
  accept: (route: R) => boolean,
): RouteMatch<R> | undefined {
  let best: RouteMatch<R> | undefined;
  for (const c of compiled) {
    const route = c.route as R;
    if ((method !== undefined && route.method !== method) || !accept(route)) continue;
    const m = c.regex.exec(path);
    if (!m) continue;
    const pathParameters = c.params.length
      ? Object.fromEntries(c.params.map((p, i) => [p, decodeURIComponent(m[i + 1] as string)]))
      : undefined;
    if (!pathParameters) return { route, pathParameters };
    best ??= { route, pathParameters };
  }
  return best;
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
  return bestMatch(COMPILED, method, path, accept);
}

/**
 * The route API Gateway sends a request to: the route of its method, else the `ANY` route of its
 * path (a 405), else none (API Gateway's own 404).
 */
export function dispatchRoute(method: string, path: string): RouteMatch<AnyRoute> | undefined {
  return matchRoute(method, path) ?? bestMatch(COMPILED_FALLBACKS, undefined, path, () => true);
}
