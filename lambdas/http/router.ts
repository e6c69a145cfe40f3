/**
 * Dispatch by API Gateway's `routeKey`. API Gateway (and the local twin) already matched the
 * request against the route table, so dispatch is a lookup, and a route without logic fails at
 * cold start rather than at the first request. A path's `ANY` route (a method it does not have)
 * is a 405 naming the methods it has.
 */

import type { FunctionName } from '../contract/route-def.ts';
import { FALLBACK_ROUTES, methodsOf, routeKey, routesOf } from '../contract/routes.ts';
import { MethodNotAllowedError, NotFoundError } from '../model/errors.ts';
import { compatLogic } from './compat.ts';
import type { HttpEvent, HttpResult } from './json.ts';

export type RouteLogic = (event: HttpEvent) => Promise<HttpResult>;

export function routerFor(fn: FunctionName, own: Record<string, RouteLogic>) {
  // The seed services' routes answer from their targets' logic (http/compat.ts).
  const logic = { ...own, ...compatLogic(fn, own) };
  const table = new Map<string, RouteLogic>();
  for (const route of routesOf(fn)) {
    const key = routeKey(route);
    const run = logic[key];
    if (!run) throw new Error(`Route ${key} is assigned to ${fn} but has no logic`);
    table.set(key, run);
  }
  const extra = Object.keys(logic).filter((k) => !table.has(k));
  if (extra.length) throw new Error(`${fn} has logic for unknown routes: ${extra.join(', ')}`);

  const fallbacks = new Set(FALLBACK_ROUTES.filter((r) => r.fn === fn).map(routeKey));

  return async (event: HttpEvent): Promise<HttpResult> => {
    const run = table.get(event.routeKey);
    if (run) return run(event);
    if (fallbacks.has(event.routeKey)) {
      const path = event.routeKey.slice('ANY '.length);
      throw new MethodNotAllowedError(event.requestContext.http.method, path, methodsOf(path));
    }
    throw new NotFoundError(`No route ${event.routeKey}`);
  };
}
