/**
 * Express (4 and 5): `app.use(tallyExpress(tally))` before the routes. The template is read when
 * the response closes, from the route Express matched: `req.baseUrl + req.route.path`.
 */
import { CLIENT_CLOSED, type NodeRequestLike, type NodeResponseLike } from './http.ts';
import { type ApiUsageSink, type MiddlewareOptions, record } from './record.ts';

/** The parts of an Express request the middleware reads. */
export interface ExpressRequestLike extends NodeRequestLike {
  baseUrl?: string;
  route?: { path?: unknown } | undefined;
}

/** `baseUrl + route.path`, as a mounted router's routes are written. */
export function expressTemplate(req: ExpressRequestLike): string | undefined {
  const path = req.route?.path;
  if (path === undefined) return undefined;
  const own = Array.isArray(path) ? path.map(String).join('|') : String(path);
  const full = `${req.baseUrl ?? ''}${own}`;
  return full.length > 1 && full.endsWith('/') ? full.slice(0, -1) : full || '/';
}

export function tallyExpress<Req extends ExpressRequestLike, Res extends NodeResponseLike>(
  tally: ApiUsageSink,
  options: MiddlewareOptions<Req> = {},
): (req: Req, res: Res, next: (error?: unknown) => void) => void {
  return (req, res, next) => {
    const started = performance.now();
    try {
      res.once('close', () =>
        record(tally, options, req, () => ({
          matched: expressTemplate(req),
          method: req.method,
          statusCode: res.writableFinished === false ? CLIENT_CLOSED : res.statusCode,
          durationMs: performance.now() - started,
        })),
      );
    } catch {
      // Not a response we can watch: serve the request untracked.
    }
    next();
  };
}
