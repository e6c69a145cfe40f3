/**
 * Turns a validated message into the canonical envelope: server receive time, clock-skew
 * correction, generated messageId, merged batch context, privacy-safe IP.
 */
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../model/errors.ts';
import type { EventType, ParsedMessage, TallyEvent } from '../model/events.ts';
import { ISO_TIME_EXPECTED, MS, parseIsoTime, TIME_RANGE } from '../model/time.ts';
import { type EnrichOptions, enrich } from './enrich.ts';

/** What the request adds to every message in it. */
export interface RequestFacts {
  projectId: string;
  /** Server clock, epoch ms. */
  receivedAt: number;
  /** Caller address as API Gateway saw it. */
  sourceIp: string | undefined;
  /** Batch-level `sentAt` and `context`, if any (the context is merged by accept.ts). */
  sentAt?: string | undefined;
  context?: Record<string, unknown> | undefined;
  /** IP and bot policy. */
  privacy: EnrichOptions;
  /** The browser's visitor id, given to its page and track calls that name no user. */
  visitorId?: string | undefined;
  /** A browser's `User-Agent`, for its calls that carry no `context.userAgent`. */
  browserUserAgent?: string | undefined;
  /** The only types accepted (a browser key's); any when absent. */
  allowedTypes?: readonly EventType[] | undefined;
}

export interface Normalized {
  event: TallyEvent;
  /** The user agent is a known bot. */
  bot: boolean;
}

/** Further in the future than this is not believed (docs/architecture.md "Event model"). */
const MAX_FUTURE_MS = 24 * MS.hour;

/**
 * The canonical envelope of a validated message. Throws ValidationError when its time cannot be
 * believed: a timestamp or sentAt that is not a real ISO date-time, or a skew correction that
 * lands before 1970 (a timestamp decades before its sentAt).
 */
export function normalize(type: EventType, m: ParsedMessage, req: RequestFacts): Normalized {
  const receivedIso = new Date(req.receivedAt).toISOString();
  const clientTs = m.timestamp !== undefined ? parseIsoTime(m.timestamp) : undefined;
  const sentAtRaw = m.sentAt ?? req.sentAt;
  const sentAt = sentAtRaw !== undefined ? parseIsoTime(sentAtRaw) : undefined;
  if (m.timestamp !== undefined && clientTs === undefined) {
    throw new ValidationError(`timestamp: must be ${ISO_TIME_EXPECTED}`);
  }
  if (sentAtRaw !== undefined && sentAt === undefined) {
    throw new ValidationError(`sentAt: must be ${ISO_TIME_EXPECTED}`);
  }

  let ts: number;
  if (clientTs === undefined) ts = req.receivedAt;
  else if (sentAt !== undefined) ts = req.receivedAt - (sentAt - clientTs);
  else ts = clientTs;
  if (ts > req.receivedAt + MAX_FUTURE_MS) ts = req.receivedAt;
  if (ts < TIME_RANGE.min) {
    throw new ValidationError(
      `timestamp: corrected for the client's clock (receivedAt - (sentAt - timestamp)) it is before ${new Date(TIME_RANGE.min).toISOString()}`,
    );
  }

  const event: TallyEvent = {
    messageId: m.messageId ?? randomUUID(),
    projectId: req.projectId,
    type,
    timestamp: new Date(ts).toISOString(),
    receivedAt: receivedIso,
    properties: m.properties ?? {},
    traits: m.traits ?? {},
    context: { ...m.context },
  };
  if (m.event !== undefined) event.event = m.event;
  if (m.name !== undefined) event.name = m.name;
  if (m.category !== undefined) event.category = m.category;
  if (m.userId) event.userId = m.userId;
  if (m.anonymousId) event.anonymousId = m.anonymousId;
  if (m.groupId !== undefined) event.groupId = m.groupId;
  if (m.previousId !== undefined) event.previousId = m.previousId;
  if (m.timestamp !== undefined) event.originalTimestamp = m.timestamp;
  if (sentAtRaw !== undefined) event.sentAt = sentAtRaw;

  const enriched = enrich(event, req.sourceIp, req.privacy);
  return { event: enriched.event, bot: enriched.bot };
}
