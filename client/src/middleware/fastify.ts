/**
 * Fastify (4.10+ and 5): `app.register(tallyFastify(tally))`. An `onResponse` hook on the root
 * instance (the plugin skips encapsulation, as fastify-plugin would) records every route with
 * `request.routeOptions.url` and `reply.elapsedTime`.
 */
import { type ApiUsageSink, type MiddlewareOptions, record } from './record.ts';

/** The parts of a Fastify request the hook reads. */
export interface FastifyRequestLike {
  method: string;
  routeOptions?: { url?: string | undefined } | undefined;
}

/** The parts of a Fastify reply the hook reads. */
export interface FastifyReplyLike {
  statusCode: number;
  elapsedTime?: number;
}

/** The part of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  addHook(
    name: 'onResponse',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void,
  ): unknown;
}

export type FastifyPluginLike = (
  instance: FastifyInstanceLike,
  options: Record<never, never>,
  done: (error?: Error) => void,
) => void;

export function tallyFastify<Req extends FastifyRequestLike>(
  tally: ApiUsageSink,
  options: MiddlewareOptions<Req> = {},
): FastifyPluginLike {
  const plugin: FastifyPluginLike = (instance, _options, done) => {
    instance.addHook('onResponse', (request, reply, next) => {
      record(tally, options, request as Req, () => ({
        matched: request.routeOptions?.url,
        method: request.method,
        statusCode: reply.statusCode,
        durationMs: reply.elapsedTime ?? 0,
      }));
      next();
    });
    done();
  };
  // What fastify-plugin sets: the hook applies to every route, not only this plugin's own.
  Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: '@tally/client',
  });
  return plugin;
}
