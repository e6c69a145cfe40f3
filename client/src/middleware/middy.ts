/**
 * Middy, for API Gateway (HTTP API payload 2.0 and REST API) handlers:
 * `middy(handler).use(tallyMiddy(tally))`, first in the chain, so that its `after` and `onError`
 * run last and see the final response. The template is API Gateway's own (`/users/{id}`, from
 * `routeKey` or `resource`). By default it also flushes before the invocation returns, since
 * Lambda freezes the process after it (see `withTally`).
 */
import { type Flushable, flushBudget, flushQuietly } from '../lambda.ts';
import type { Id } from '../messages.ts';
import { type ApiUsageSink, type MiddlewareOptions, record } from './record.ts';

/** The parts of a middy request the middleware reads. */
export interface MiddyRequestLike {
  event: unknown;
  context: unknown;
  response: unknown;
  error: unknown;
}

export interface MiddyOptions extends MiddlewareOptions<unknown> {
  /** Flush before the invocation returns (needed on Lambda). @default true */
  flush?: boolean;
  /** See `withTally`. @default 2000 */
  flushTimeoutMs?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;
const at = (v: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((o, k) => (isObj(o) ? o[k] : undefined), v);

/** API Gateway's template: `GET /users/{id}` → `/users/{id}` (2.0), or `resource` (REST). */
export function apiGatewayTemplate(event: unknown): string | undefined {
  const routeKey = at(event, 'routeKey');
  if (typeof routeKey === 'string' && routeKey !== '$default') {
    const space = routeKey.indexOf(' ');
    return space === -1 ? routeKey : routeKey.slice(space + 1);
  }
  const resource = at(event, 'resource');
  return typeof resource === 'string' ? resource : undefined;
}

function methodOf(event: unknown): string | undefined {
  const method = at(event, 'requestContext', 'http', 'method') ?? at(event, 'httpMethod');
  return typeof method === 'string' ? method : undefined;
}

/** The caller's JWT `sub` (HTTP API JWT authorizer, or a REST API Cognito authorizer). */
function jwtSubject(event: unknown): Id | undefined {
  const sub =
    at(event, 'requestContext', 'authorizer', 'jwt', 'claims', 'sub') ??
    at(event, 'requestContext', 'authorizer', 'claims', 'sub');
  return typeof sub === 'string' || typeof sub === 'number' ? sub : undefined;
}

function statusOf(request: MiddyRequestLike): number {
  const status = at(request.response, 'statusCode');
  if (typeof status === 'number') return status;
  if (request.error !== undefined && request.error !== null) {
    const fromError = at(request.error, 'statusCode') ?? at(request.error, 'status');
    return typeof fromError === 'number' ? fromError : 500;
  }
  // API Gateway answers 200 for a handler that returns a body without a status.
  return 200;
}

export function tallyMiddy(tally: ApiUsageSink & Flushable, options: MiddyOptions = {}) {
  const started = new WeakMap<object, number>();
  const flush = options.flush ?? true;
  const recordOptions: MiddlewareOptions<unknown> = {
    ...options,
    user: options.user ?? jwtSubject,
  };
  const done = async (request: MiddyRequestLike): Promise<void> => {
    const t0 = started.get(request);
    record(tally, recordOptions, request.event, () => ({
      matched: apiGatewayTemplate(request.event),
      method: methodOf(request.event),
      statusCode: statusOf(request),
      durationMs: t0 === undefined ? 0 : performance.now() - t0,
    }));
    if (flush) await flushQuietly(tally, flushBudget(request.context, options.flushTimeoutMs));
  };
  return {
    before: (request: MiddyRequestLike): void => {
      started.set(request, performance.now());
    },
    after: done,
    onError: done,
  };
}
