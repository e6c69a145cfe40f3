/**
 * `node:http` (and anything built on its request listener): wraps the listener, and records each
 * request when its response closes. `node:http` has no router, so the templates come from the
 * `routes` option (or a `route` function).
 */
import { type ApiUsageSink, type MiddlewareOptions, record } from './record.ts';

/** The parts of `http.IncomingMessage` the middleware reads. */
export interface NodeRequestLike {
  method?: string | undefined;
  url?: string | undefined;
}

/** The parts of `http.ServerResponse` the middleware reads. */
export interface NodeResponseLike {
  statusCode: number;
  writableFinished?: boolean;
  once(event: 'close', listener: () => void): unknown;
}

export interface HttpMiddlewareOptions<Req> extends MiddlewareOptions<Req> {
  /** Route templates, tried in order: `/users/:id`, `/files/*`, `/v1/{project}/events`. */
  routes?: readonly string[];
}

/** Status recorded when the client went away before the response was complete (nginx's). */
export const CLIENT_CLOSED = 499;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A matcher for route templates: `:name` and `{name}` match one segment, `*` the rest. */
export function routeMatcher(templates: readonly string[]): (path: string) => string | undefined {
  const compiled = templates.map((template) => {
    const pattern = template
      .split('/')
      .map((segment) => {
        if (segment === '*' || /^\*\w*$/.test(segment) || /^\{\w+\+\}$/.test(segment)) return '.*';
        if (/^:\w+\??$/.test(segment) || /^\{\w+\}$/.test(segment)) return '[^/]+';
        return escapeRegExp(segment);
      })
      .join('/');
    return { template, regex: new RegExp(`^${pattern}/?$`) };
  });
  return (path) => compiled.find((c) => c.regex.test(path))?.template;
}

/** The path of a request URL, without its query string. */
export function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * Wraps a `node:http` request listener: `createServer(tallyHttp(tally, listener, { routes }))`.
 * The listener runs unchanged; the request is recorded once its response has closed.
 */
export function tallyHttp<Req extends NodeRequestLike, Res extends NodeResponseLike>(
  tally: ApiUsageSink,
  listener: (req: Req, res: Res) => void,
  options: HttpMiddlewareOptions<Req> = {},
): (req: Req, res: Res) => void {
  const match = routeMatcher(options.routes ?? []);
  return (req, res) => {
    const started = performance.now();
    try {
      res.once('close', () =>
        record(tally, options, req, () => ({
          matched: match(pathOf(req.url)),
          method: req.method,
          statusCode: res.writableFinished === false ? CLIENT_CLOSED : res.statusCode,
          durationMs: performance.now() - started,
        })),
      );
    } catch {
      // Not a response we can watch: serve the request untracked.
    }
    listener(req, res);
  };
}
