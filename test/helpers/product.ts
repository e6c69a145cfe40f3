/** Calls a product-analytics route as the admin function would, errors mapped to responses. */
import type { AdminDeps } from '../../lambdas/admin/report.ts';
import { productReports } from '../../lambdas/admin/reports/product.ts';
import { adminRoute } from '../../lambdas/admin/routes.ts';
import type { Verifier } from '../../lambdas/http/jwt.ts';
import { UnauthorizedError } from '../../lambdas/model/errors.ts';
import { httpEvent } from './events.ts';
import { respond } from './route.ts';

/** `Bearer admin` is an admin of every project; anything else is a 401. */
export const adminOnly: Verifier = async (authorization) => {
  if (authorization !== 'Bearer admin') throw new UnauthorizedError();
  return { subject: 'tester', roles: ['admin'], scopes: [], projects: undefined };
};

/**
 * `method /api/v1/analytics/<route>` of project p1 (or `query.project`), with a JSON body and
 * path parameters; the answer's status and parsed body.
 */
export async function callProduct(
  deps: AdminDeps,
  method: 'GET' | 'POST' | 'DELETE',
  route: string,
  options: {
    query?: Record<string, string>;
    body?: unknown;
    pathParameters?: Record<string, string>;
  } = {},
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read field by field
): Promise<{ status: number; body: any }> {
  const event = httpEvent(`${method} /api/v1/analytics/${route}`, {
    query: { project: 'p1', ...(options.query ?? {}) },
    headers: { authorization: 'Bearer admin', 'content-type': 'application/json' },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  if (options.pathParameters) event.pathParameters = options.pathParameters;
  const res = await respond(async (e) => {
    const r = productReports.find((x) => x.route === e.routeKey);
    if (!r) throw new Error(`no route ${e.routeKey}`);
    return adminRoute(deps, r)(e);
  }, event);
  return { status: res.statusCode ?? 0, body: JSON.parse(res.body ?? '{}') };
}
