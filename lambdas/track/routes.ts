/** The tracking function's routes, keyed as in the route table. */
import * as v from 'valibot';
import type { DomainEndpoint } from '../contract/domain.ts';
import type { RouteLogic } from '../http/router.ts';
import { ValidationError } from '../model/errors.ts';
import type { EventType } from '../model/events.ts';
import { describeIssues } from '../model/issues.ts';
import { LIMITS, structuralProblem } from '../model/limits.ts';
import { batchSchema } from '../model/schemas.ts';
import { type Incoming, type TrackDeps, trackingEndpoint } from './track.ts';

/** A Segment single-message endpoint: the body is one message of `type`. */
const single =
  (type: EventType) =>
  (body: unknown): Incoming => ({ items: [body], spec: { type } });

/** `POST /v1/batch`: `{ batch: [...], sentAt?, context? }`, each item naming its type. */
function batch(body: unknown): Incoming {
  const parsed = v.safeParse(batchSchema, body);
  if (!parsed.success) {
    throw new ValidationError(`invalid batch: ${describeIssues(parsed.issues)}`);
  }
  const { context } = parsed.output;
  // The context becomes part of every event: one that no event could carry is the request's
  // fault. Its structure is judged as sent (valibot's output leaves out `__proto__` keys).
  if (context) {
    const problem = structuralProblem({ context: (body as { context: unknown }).context });
    if (problem) throw new ValidationError(`invalid batch: ${problem}`);
    const bytes = Buffer.byteLength(JSON.stringify(context));
    if (bytes > LIMITS.eventBytes) {
      throw new ValidationError(
        `invalid batch: context is ${bytes} bytes, and is merged into every event, whose limit is ${LIMITS.eventBytes}`,
      );
    }
  }
  return { items: parsed.output.batch, spec: {}, sentAt: parsed.output.sentAt, context };
}

/** A domain endpoint taking one payload. */
const domain =
  (endpoint: DomainEndpoint) =>
  (body: unknown): Incoming => ({ items: [body], spec: { domain: endpoint } });

/** `POST /v1/events/bulk`: `{ events: [...] }`, or a bare array. */
function bulk(body: unknown): Incoming {
  const events = Array.isArray(body)
    ? body
    : body && typeof body === 'object' && Array.isArray((body as { events?: unknown }).events)
      ? ((body as { events: unknown[] }).events as unknown[])
      : undefined;
  if (!events?.length) {
    throw new ValidationError('send {"events": [...]} (or a JSON array) with at least one event');
  }
  return { items: events, spec: { domain: 'event' } };
}

export function trackRoutes(deps: TrackDeps): Record<string, RouteLogic> {
  const endpoint = (read: (body: unknown) => Incoming) => trackingEndpoint(deps, read);
  return {
    'GET /health': async () => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'ok' }),
    }),
    'GET /t.js': async () => ({
      statusCode: 200,
      headers: {
        'content-type': 'text/javascript; charset=utf-8',
        // An hour: a new version reaches pages within it, and most page loads hit the cache.
        'cache-control': 'public, max-age=3600',
        'x-content-type-options': 'nosniff',
      },
      // Loaded on the first GET /t.js, not at module init: pages fetch it once an hour at most.
      body: (await import('./tracker-script.ts')).TRACKER_SCRIPT,
    }),
    'POST /v1/track': endpoint(single('track')),
    'POST /v1/identify': endpoint(single('identify')),
    'POST /v1/page': endpoint(single('page')),
    'POST /v1/screen': endpoint(single('screen')),
    'POST /v1/group': endpoint(single('group')),
    'POST /v1/alias': endpoint(single('alias')),
    'POST /v1/batch': endpoint(batch),
    'POST /v1/track/activity': endpoint(domain('activity')),
    'POST /v1/track/api-usage': endpoint(domain('api-usage')),
    'POST /v1/track/conversation': endpoint(domain('conversation')),
    'POST /v1/track/message': endpoint(domain('message')),
    'POST /v1/events': endpoint(domain('event')),
    'POST /v1/events/bulk': endpoint(bulk),
  };
}
