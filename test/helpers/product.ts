/** Calls an admin route (a product report, an export…) as the admin function would, errors mapped to responses. */
import type { AdminDeps } from '../../lambdas/admin/report.ts';
import { adminRoute, REPORTS } from '../../lambdas/admin/routes.ts';
import { matchRoute, routeKey } from '../../lambdas/contract/routes.ts';
import type { Verifier } from '../../lambdas/http/jwt.ts';
import { UnauthorizedError } from '../../lambdas/model/errors.ts';
import { httpEvent } from './events.ts';
import { respond } from './route.ts';

/** `Bearer admin` is an admin of every project; anything else is a 401. */
export const adminOnly: Verifier = async (authorization) => {
  if (authorization !== 'Bearer admin') throw new UnauthorizedError();
  return { subject: 'tester', roles: ['admin'], scopes: [], projects: undefined };
};

type Options = {
  query?: Record<string, string>;
  body?: unknown;
  pathParameters?: Record<string, string>;
};

/**
 * `method /api/v1/analytics/<route>` of project p1 (or `query.project`), with a JSON body and
 * path parameters (given, or matched from a concrete path as API Gateway would); the answer's
 * status and parsed body.
 */
export async function callProduct(
  deps: AdminDeps,
  method: 'GET' | 'POST' | 'DELETE',
  route: string,
  options: Options = {},
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read field by field
): Promise<{ status: number; body: any }> {
  const res = await callAdmin(deps, method, route, options);
  return { status: res.status, body: JSON.parse(res.text || '{}') };
}

/** The same, with the answer's body as text (a CSV export) and its content type. */
export async function callAdmin(
  deps: AdminDeps,
  method: 'GET' | 'POST' | 'DELETE',
  route: string,
  options: Options = {},
): Promise<{ status: number; text: string; type: string | undefined }> {
  const path = `/api/v1/analytics/${route}`;
  const match = matchRoute(method, path);
  const key = match ? routeKey(match.route) : `${method} ${path}`;
  const event = httpEvent(key, {
    query: { project: 'p1', ...(options.query ?? {}) },
    headers: { authorization: 'Bearer admin', 'content-type': 'application/json' },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const params = options.pathParameters ?? match?.pathParameters;
  if (params && Object.keys(params).length) event.pathParameters = params;
  const res = await respond(async (e) => {
    const r = REPORTS.find((x) => x.route === e.routeKey);
    if (!r) throw new Error(`no route ${e.routeKey}`);
    return adminRoute(deps, r)(e);
  }, event);
  return {
    status: res.statusCode ?? 0,
    text: res.body ?? '',
    type: res.headers?.['content-type'] as string | undefined,
  };
}
