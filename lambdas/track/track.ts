/**
 * The tracking endpoints' logic: authenticate, parse, judge item by item, publish, and answer
 * with exactly what happened to each item.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PayloadTooLargeError, UnavailableError, ValidationError } from '../shared/errors.ts';
import type { EventType } from '../shared/events.ts';
import { type HttpEvent, type HttpResult, json } from '../shared/http.ts';
import { LIMITS } from '../shared/limits.ts';
import { judge, type Rejection } from './accept.ts';
import { authenticate } from './auth.ts';
import { publish } from './publish.ts';

export interface TrackDeps {
  resolveWriteKey: (secret: string) => Promise<string | undefined>;
  eventBridge: EventBridgeClient;
  busName: string;
  now: () => number;
  /** Retry pacing of PutEvents; tests shorten it. */
  publishBaseDelayMs?: number;
}

/** Seconds a caller is asked to wait when the bus refuses events. */
const RETRY_AFTER_SECONDS = 5;

/** Parses a JSON body within the request size limit. Any content type is read as JSON, as Segment does. */
export function parseBody(event: HttpEvent): unknown {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const bytes = Buffer.byteLength(text);
  if (bytes > LIMITS.requestBytes) {
    throw new PayloadTooLargeError(
      `request body is ${bytes} bytes; the limit is ${LIMITS.requestBytes}`,
    );
  }
  if (text.trim() === '') throw new ValidationError('request body is empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** The messages a request carries, as an endpoint reads them from its body. */
export interface Incoming {
  items: unknown[];
  /** Fixed by single-type endpoints; batch items name their own. */
  type: EventType | undefined;
  sentAt?: string | undefined;
  context?: Record<string, unknown> | undefined;
}

/**
 * A tracking endpoint: authenticates first (so an anonymous caller learns nothing about its
 * body), then reads the body with `read` and accepts what it carries.
 */
export function trackingEndpoint(
  deps: TrackDeps,
  read: (body: unknown) => Incoming,
): (event: HttpEvent) => Promise<HttpResult> {
  return async (event) => {
    const projectId = await authenticate(event.headers, deps.resolveWriteKey);
    return acceptMessages(deps, projectId, event, read(parseBody(event)));
  };
}

/** Accepts the messages of one request and answers with the outcome of each. */
async function acceptMessages(
  deps: TrackDeps,
  projectId: string,
  event: HttpEvent,
  { items, type, sentAt, context }: Incoming,
): Promise<HttpResult> {
  const judged = judge(items, type, {
    projectId,
    receivedAt: deps.now(),
    sourceIp: event.requestContext?.http?.sourceIp,
    sentAt,
    context,
  });
  const { rejected } = judged;

  if (judged.accepted.length === 0) {
    throw new ValidationError(describeRejections(rejected, items.length), { rejected });
  }

  const result = await publish(
    deps.eventBridge,
    projectId,
    judged.accepted,
    deps.publishBaseDelayMs === undefined
      ? { busName: deps.busName }
      : { busName: deps.busName, baseDelayMs: deps.publishBaseDelayMs },
  );
  if (result.failed.length) {
    const failed = result.failed.map((i) => judged.accepted[i]?.index as number);
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
  if (rejected.length === 0) return json(200, { success: true, accepted });
  return json(207, { success: false, accepted, rejected });
}

function describeRejections(rejected: Rejection[], total: number): string {
  if (total === 1 && rejected[0]) return rejected[0].reason;
  return `all ${total} events were rejected; see "rejected" for each`;
}
