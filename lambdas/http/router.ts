/**
 * Dispatch by API Gateway's `routeKey`. API Gateway (and the local twin) already matched the
 * request against the route table, so dispatch is a lookup, and a route without logic fails at
 * cold start rather than at the first request.
 */

import type { FunctionName } from '../contract/route-def.ts';
import { routeKey, routesOf } from '../contract/routes.ts';
import { NotFoundError } from '../model/errors.ts';
import type { HttpEvent, HttpResult } from './json.ts';

export type RouteLogic = (event: HttpEvent) => Promise<HttpResult>;

export function routerFor(fn: FunctionName, logic: Record<string, RouteLogic>) {
  const table = new Map<string, RouteLogic>();
  for (const route of routesOf(fn)) {
    const key = routeKey(route);
    const run = logic[key];
    if (!run) throw new Error(`Route ${key} is assigned to ${fn} but has no logic`);
    table.set(key, run);
  }
  const extra = Object.keys(logic).filter((k) => !table.has(k));
  if (extra.length) throw new Error(`${fn} has logic for unknown routes: ${extra.join(', ')}`);

  return async (event: HttpEvent): Promise<HttpResult> => {
    const run = table.get(event.routeKey);
    if (!run) throw new NotFoundError(`No route ${event.routeKey}`);
    return run(event);
  };
}
