/**
 * The tracking endpoints' logic: authenticate, parse, judge item by item, publish, and answer
 * with exactly what happened to each item.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { TRACKED_LOG } from '../contract/telemetry.ts';
import { type HttpEvent, type HttpResult, json, readJson } from '../http/json.ts';
import type { Log } from '../http/logger.ts';
import {
  ForbiddenError,
  TallyError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '../model/errors.ts';
import type { EventType } from '../model/events.ts';
import { LIMITS } from '../model/limits.ts';
import { type ItemSpec, judge, type Rejection } from './accept.ts';
import { authenticate, type Caller, type TrackAuth } from './auth.ts';
import type { EnrichOptions } from './enrich.ts';
import { publish, publishRejections } from './publish.ts';
import type { RateLimiter } from './rate-limit.ts';
import { namesNoUser, visitorId } from './visitor.ts';

export interface TrackDeps {
  auth: TrackAuth;
  privacy: EnrichOptions;
  eventBridge: EventBridgeClient;
  busName: string;
  now: () => number;
  /** One line per request with what was accepted and rejected (counted by lib/operations.ts). */
  log: Log;
  /** Per-key rate limits; none when absent (unit tests of other concerns). */
  limiter?: RateLimiter | undefined;
  /** The day's visitor-id salt (store/visitor-salts.ts); without it no visitor ids are given. */
  visitorSalt?: ((day: string) => Promise<Buffer>) | undefined;
  /** Retry pacing of PutEvents; tests shorten it. */
  publishBaseDelayMs?: number;
}

/** Seconds a caller is asked to wait when the bus refuses events. */
const RETRY_AFTER_SECONDS = 5;

/** The request's JSON body, within the 500 KB request limit. */
export const parseBody = (event: HttpEvent) => readJson(event, LIMITS.requestBytes);

/** The messages a request carries, as an endpoint reads them from its body. */
export interface Incoming {
  items: unknown[];
  spec: ItemSpec;
  sentAt?: string | undefined;
  context?: Record<string, unknown> | undefined;
}

function bodyWriteKey(body: unknown): string | undefined {
  const key =
    body && typeof body === 'object' ? (body as Record<string, unknown>).writeKey : undefined;
  return typeof key === 'string' && key ? key : undefined;
}

/**
 * A tracking endpoint: authenticates first (so an anonymous caller learns nothing about its
 * body; only without an Authorization header is the body read for a `writeKey`), then reads the
 * body with `read` and accepts what it carries.
 */
export function trackingEndpoint(
  deps: TrackDeps,
  read: (body: unknown) => Incoming,
): (event: HttpEvent) => Promise<HttpResult> {
  return async (event) => {
    const authorization = event.headers.authorization;
    let body: unknown;
    if (!authorization) {
      try {
        body = parseBody(event);
      } catch (error) {
        if (error instanceof TallyError && error.status === 413) throw error;
        throw new UnauthorizedError('no credentials and no readable body');
      }
    }
    const caller = await authenticate(deps.auth, {
      authorization,
      bodyWriteKey: bodyWriteKey(body),
      project: event.queryStringParameters?.project,
    });
    checkOrigin(caller, event.headers.origin);
    const parsed = body ?? parseBody(event);
    checkTenant(caller.projectId, event.queryStringParameters?.tenant_id, parsed);
    const incoming = read(parsed);
    checkBrowserEndpoint(caller, incoming);
    // Before anything is judged or published: a refused request changes nothing, so its retry
    // is counted once, when it is accepted.
    await deps.limiter?.admit(caller.projectId, caller.keyId, incoming.items.length);
    return acceptMessages(deps, caller, event, incoming);
  };
}

/** The calls a browser key may send: nothing that changes who a user is or their traits. */
export const BROWSER_TYPES: readonly EventType[] = ['page', 'track'];

/**
 * A key limited to origins is accepted only from a request whose `Origin` is one of them (a
 * browser sets it on every POST; a request without one is not from a page of the site).
 */
function checkOrigin(caller: Caller, origin: string | undefined): void {
  if (!caller.origins?.length || (origin && caller.origins.includes(origin))) return;
  throw new ForbiddenError(
    origin
      ? `origin ${origin} is not allowed for this write key (allowed: ${caller.origins.join(', ')})`
      : `this write key is limited to origins (${caller.origins.join(', ')}) and the request has no Origin header`,
  );
}

/** A browser key on an endpoint that carries no page or track call: refused whole. */
function checkBrowserEndpoint(caller: Caller, { spec }: Incoming): void {
  if (!caller.browser) return;
  const type = spec.domain ? `the ${spec.domain} endpoint` : spec.type;
  if (spec.domain || (spec.type && !BROWSER_TYPES.includes(spec.type))) {
    throw new ForbiddenError(
      `a browser write key may send only ${BROWSER_TYPES.join(' and ')} calls, not ${type}`,
    );
  }
}

const tenantOf = (value: unknown): unknown =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? ((value as Record<string, unknown>).tenant_id ?? (value as Record<string, unknown>).tenantId)
    : undefined;

/**
 * The CRM seed's `tenant_id` (query, body, or an item of a bulk body) names a project: it must be
 * the credential's own, or the request is refused, never silently sent elsewhere or ignored.
 */
function checkTenant(projectId: string, query: string | undefined, body: unknown): void {
  const items = Array.isArray(body)
    ? body
    : ((body as { events?: unknown; batch?: unknown } | undefined)?.events ??
      (body as { batch?: unknown } | undefined)?.batch);
  const named = [query, tenantOf(body), ...(Array.isArray(items) ? items.map(tenantOf) : [])];
  const other = named.find((t) => t !== undefined && t !== null && String(t) !== projectId);
  if (other !== undefined) {
    throw new ForbiddenError(
      `tenant_id ${JSON.stringify(String(other))} is not the project of this write key or token (${projectId})`,
    );
  }
}

/** Accepts the messages of one request and answers with the outcome of each. */
async function acceptMessages(
  deps: TrackDeps,
  caller: Caller,
  event: HttpEvent,
  { items, spec, sentAt, context }: Incoming,
): Promise<HttpResult> {
  const { projectId, browser } = caller;
  const receivedAt = deps.now();
  const judged = await judge(items, spec, {
    projectId,
    visitorId: await browserVisitor(deps, projectId, event, items, spec, receivedAt),
    // A request with an Origin comes from a page: its User-Agent is the visitor's browser.
    browserUserAgent: event.headers.origin ? event.headers['user-agent'] : undefined,
    allowedTypes: browser ? BROWSER_TYPES : undefined,
    receivedAt,
    sourceIp: event.requestContext?.http?.sourceIp,
    sentAt,
    context,
    privacy: deps.privacy,
  });
  const { rejected } = judged;
  // Counts only: a rejection's reason can quote what the caller sent.
  deps.log.info(TRACKED_LOG.message, {
    projectId,
    [TRACKED_LOG.accepted]: judged.accepted.length,
    [TRACKED_LOG.rejected]: rejected.length,
  });

  // On the bus beside the events, whatever the answer: every refused item reaches the
  // rejections report, the metrics and the rejections sink (docs/tracking.md "Rejected items").
  const reported = rejected.length
    ? reportRejections(deps, caller, event, items, rejected, receivedAt)
    : undefined;

  if (judged.accepted.length === 0) {
    await reported;
    throw new ValidationError(describeRejections(rejected, items.length), { rejected });
  }

  // A messageId repeated within one request is one event. Publishing it once keeps its copies
  // out of concurrent ingest batches, where each copy would look new and be counted.
  const unique: typeof judged.accepted = [];
  const copies: number[][] = [];
  const position = new Map<string, number>();
  for (const a of judged.accepted) {
    const at = position.get(a.event.messageId);
    if (at === undefined) {
      position.set(a.event.messageId, unique.length);
      unique.push(a);
      copies.push([a.index]);
    } else {
      copies[at]?.push(a.index);
    }
  }

  const [result] = await Promise.all([
    publish(deps.eventBridge, projectId, unique, publishOptions(deps)),
    reported,
  ]);
  if (result.failed.length) {
    const failed = result.failed.flatMap((i) => copies[i] ?? []).sort((a, b) => a - b);
    throw new UnavailableError(
      'The event bus did not accept some events; retry them (messageIds make retries safe)',
      RETRY_AFTER_SECONDS,
      {
        cause: result.lastErrorCode,
        details: { accepted: judged.accepted.length - failed.length, failed, rejected },
      },
    );
  }

  const accepted = judged.accepted.length;
  const repeats = accepted - unique.length;
  const duplicates = repeats ? { duplicates: repeats } : {};
  // 200 even when some items were rejected: Segment's clients retry any other status, and a
  // retry cannot make a rejected item valid; each one is named in `rejected` (docs/tracking.md).
  return json(200, {
    success: true,
    accepted,
    ...duplicates,
    ...(rejected.length ? { rejected } : {}),
  });
}

/**
 * The visitor id for a browser's calls that name no user (lambdas/track/visitor.ts). Only a
 * request with an `Origin` comes from a page: a server's call without a user stays invalid.
 */
async function browserVisitor(
  deps: TrackDeps,
  projectId: string,
  event: HttpEvent,
  items: unknown[],
  spec: ItemSpec,
  receivedAt: number,
): Promise<string | undefined> {
  const ip = event.requestContext?.http?.sourceIp;
  const userAgent = event.headers['user-agent'];
  if (!deps.visitorSalt || !event.headers.origin || !ip || !userAgent) return undefined;
  if (spec.domain || !items.some((item) => namesNoUser(item, spec.type))) return undefined;
  const day = new Date(receivedAt).toISOString().slice(0, 10);
  return visitorId(await deps.visitorSalt(day), projectId, ip, userAgent);
}

const publishOptions = (deps: TrackDeps) =>
  deps.publishBaseDelayMs === undefined
    ? { busName: deps.busName }
    : { busName: deps.busName, baseDelayMs: deps.publishBaseDelayMs };

/**
 * Publishes a request's rejected items. It never fails the request: the caller is told of each
 * rejected item in the answer either way, and a bus that refuses them after retries is logged
 * as an error with their count, so an operator sees what the report missed.
 */
async function reportRejections(
  deps: TrackDeps,
  { projectId, keyId }: Caller,
  event: HttpEvent,
  items: readonly unknown[],
  rejected: readonly Rejection[],
  receivedAt: number,
): Promise<void> {
  const about = {
    projectId,
    keyId,
    receivedAt: new Date(receivedAt).toISOString(),
    route: event.routeKey,
  };
  try {
    // Loaded with the first rejection, not at module init: most requests have none.
    const { rejectedItems } = await import('./rejections.ts');
    const result = await publishRejections(
      deps.eventBridge,
      about,
      rejectedItems(keyId, items, rejected),
      publishOptions(deps),
    );
    if (result.failed.length) {
      deps.log.error(REJECTIONS_UNPUBLISHED, {
        projectId,
        rejected: result.failed.length,
        errorCode: result.lastErrorCode,
      });
    }
  } catch (error) {
    deps.log.error(REJECTIONS_UNPUBLISHED, { projectId, rejected: rejected.length, error });
  }
}

/** The log line of rejections the bus refused (they are in the answer, not in the report). */
const REJECTIONS_UNPUBLISHED = 'rejections not published';

function describeRejections(rejected: Rejection[], total: number): string {
  if (total === 1 && rejected[0]) return rejected[0].reason;
  return `all ${total} events were rejected; see "rejected" for each`;
}
