/**
 * What every middleware shares: its options, and recording one request as `api.request` in a
 * way that can never fail the service (everything inside a try; the client only queues).
 */
import type { ApiUsageCall, Id } from '../messages.ts';

/** What the middleware needs of a client: `Tally` has it. */
export interface ApiUsageSink {
  apiUsage(call: ApiUsageCall): void;
}

/** The endpoint recorded for a request no route matched (a 404): never the raw path. */
export const UNMATCHED = '(unmatched)';

export interface MiddlewareOptions<Req> {
  /** The route template of a request. @default the template the framework matched */
  route?: (req: Req) => string | undefined;
  /** The user of a request, read when the response is done. @default `req.user.id` (or `.sub`) */
  user?: (req: Req) => Id | null | undefined;
  /** Requests not to record at all, e.g. `(req) => req.url === '/health'`. */
  skip?: (req: Req) => boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;
const isId = (v: unknown): v is Id => typeof v === 'string' || typeof v === 'number';

/** `req.user.id` or `req.user.sub`, as passport and most JWT middlewares leave them. */
export function defaultUser(req: unknown): Id | undefined {
  const user = isObj(req) ? req.user : undefined;
  if (!isObj(user)) return undefined;
  if (isId(user.id)) return user.id;
  return isId(user.sub) ? user.sub : undefined;
}

/** What a middleware read off one finished request. */
export interface Observed {
  /** The template the framework matched, if any. */
  matched: string | undefined;
  method: string | undefined;
  statusCode: number;
  durationMs: number;
}

/** Records one request. Never throws: a tracking failure must not reach the service. */
export function record<Req>(
  tally: ApiUsageSink,
  options: MiddlewareOptions<Req>,
  req: Req,
  observe: () => Observed,
): void {
  try {
    if (options.skip?.(req)) return;
    const seen = observe();
    if (!seen.method) return;
    const endpoint = (options.route ? options.route(req) : undefined) ?? seen.matched ?? UNMATCHED;
    const userId = options.user ? options.user(req) : defaultUser(req);
    tally.apiUsage({
      endpoint,
      method: seen.method,
      statusCode: seen.statusCode,
      durationMs: seen.durationMs,
      userId,
    });
  } catch {
    // Tracking is best effort on the service's side; the client reports its own drops.
  }
}
