/**
 * Judges the messages of a request one by one: each is accepted (and normalized) or rejected with
 * its index and reason. One bad item never sinks the valid ones.
 */
import * as v from 'valibot';
import type { DomainEndpoint } from '../contract/domain.ts';
import { ValidationError } from '../model/errors.ts';
import type { EventType, ParsedMessage } from '../model/events.ts';
import { describeIssues } from '../model/issues.ts';
import { LIMITS, structuralProblem } from '../model/limits.ts';
import { measureProblem } from '../model/measures.ts';
import { MESSAGE_SCHEMAS, serverTrackSchema } from '../model/schemas.ts';
import { isRecord } from '../model/values.ts';
import { loadUserAgentParser, userAgentOf, userAgentParserLoaded } from './enrich.ts';
import { type Normalized, normalize, type RequestFacts } from './normalize.ts';
import { namesNoUser } from './visitor.ts';

export interface Rejection {
  index: number;
  messageId?: string;
  code: 'invalid' | 'too_large' | 'too_many' | 'bot' | 'forbidden';
  reason: string;
}

export interface Judged {
  accepted: (Normalized & { index: number })[];
  rejected: Rejection[];
}

/**
 * How items of an endpoint are read: a fixed Segment type (`/v1/identify`), a type per item
 * (`/v1/batch`), or a domain payload translated to a track call (`/v1/track/message`).
 */
export type ItemSpec =
  | { type?: EventType; domain?: undefined }
  | { domain: DomainEndpoint; type?: undefined };

type Translate = typeof import('../contract/domain.ts')['translate'];

/**
 * Judges every item of a request. What only some requests need is loaded by the first that
 * needs it, not at module init (docs/performance.md "Cold start"): the domain endpoints'
 * translation, and the user-agent parser, for which the first request with an event carrying a
 * user agent is judged again once it has loaded, once per container.
 */
export async function judge(items: unknown[], spec: ItemSpec, req: RequestFacts): Promise<Judged> {
  // The module map keeps it once loaded (and a failed load is tried again by the next request).
  const translate = spec.domain ? (await import('../contract/domain.ts')).translate : undefined;
  const judged = judgeAll(items, spec, req, translate);
  if (userAgentParserLoaded() || !judged.accepted.some((a) => userAgentOf(a.event.context))) {
    return judged;
  }
  await loadUserAgentParser();
  return judgeAll(items, spec, req, translate);
}

function judgeAll(
  items: unknown[],
  spec: ItemSpec,
  req: RequestFacts,
  translate: Translate | undefined,
): Judged {
  const out: Judged = { accepted: [], rejected: [] };
  let expandedBytes = 0;
  items.forEach((item, index) => {
    if (index >= LIMITS.batchItems) {
      out.rejected.push({
        index,
        ...idOf(item),
        code: 'too_many',
        reason: `over the limit of ${LIMITS.batchItems} events per request; send it again in another request`,
      });
      return;
    }
    const verdict = judgeOne(item, spec, req, translate);
    if ('reason' in verdict) {
      out.rejected.push({ index, ...verdict });
      return;
    }
    if (verdict.bot && req.privacy.botMode === 'drop') {
      out.rejected.push({
        index,
        messageId: verdict.event.messageId,
        code: 'bot',
        reason: 'not stored: the user agent is a known bot (TALLY_BOT_MODE=drop)',
      });
      return;
    }
    const { bytes, ...normalized } = verdict;
    if (expandedBytes + bytes > LIMITS.expandedBytes) {
      out.rejected.push({
        index,
        messageId: verdict.event.messageId,
        code: 'too_large',
        reason: `the request's events add up to more than ${LIMITS.expandedBytes} bytes with the batch context merged into each; send this one again in another request`,
      });
      return;
    }
    expandedBytes += bytes;
    out.accepted.push({ index, ...normalized });
  });
  return out;
}

function idOf(item: unknown): { messageId?: string } {
  const id =
    item && typeof item === 'object' ? (item as Record<string, unknown>).messageId : undefined;
  return typeof id === 'string' ? { messageId: id } : {};
}

/**
 * An item as it will be stored: with the batch-level context merged under its own (Segment's
 * rule), so that size and structure are judged on what is kept, never on a part of it.
 */
function withBatchContext(
  item: Record<string, unknown>,
  context: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (!context || (item.context !== undefined && !isRecord(item.context))) return item;
  return { ...item, context: { ...context, ...(item.context as Record<string, unknown>) } };
}

/**
 * A browser's item as the tracker sends it (no user, no user agent: lambdas/track/visitor.ts):
 * its visitor id as `anonymousId`, and the request's `User-Agent` as `context.userAgent`.
 */
function fromBrowser(
  item: Record<string, unknown>,
  spec: ItemSpec,
  req: RequestFacts,
): Record<string, unknown> {
  let out = item;
  if (req.visitorId && namesNoUser(item, spec.type)) out = { ...out, anonymousId: req.visitorId };
  const context = out.context;
  if (req.browserUserAgent && (context === undefined || isRecord(context)) && !context?.userAgent) {
    out = { ...out, context: { ...context, userAgent: req.browserUserAgent } };
  }
  return out;
}

function judgeOne(
  raw: unknown,
  spec: ItemSpec,
  req: RequestFacts,
  translate: Translate | undefined,
): (Normalized & { bytes: number }) | Omit<Rejection, 'index'> {
  if (!isRecord(raw)) {
    return { code: 'invalid', reason: 'each event must be a JSON object' };
  }
  const withId = <T extends object>(r: T) => ({ ...idOf(raw), ...r });
  const item = fromBrowser(withBatchContext(raw, req.context), spec, req);

  // Structure first, without recursion: only then can the item be serialised to be sized.
  const problem = structuralProblem(item);
  if (problem) return withId({ code: 'invalid' as const, reason: problem });
  const bytes = Buffer.byteLength(JSON.stringify(item));
  if (bytes > LIMITS.eventBytes) {
    return withId({
      code: 'too_large' as const,
      reason: `event is ${bytes} bytes${item === raw ? '' : ' with the batch context'}; the limit is ${LIMITS.eventBytes}`,
    });
  }

  const message = parse(item, spec, translate);
  if ('reason' in message) return withId({ code: 'invalid' as const, reason: message.reason });
  if (req.allowedTypes && !req.allowedTypes.includes(message.type)) {
    return withId({
      code: 'forbidden' as const,
      reason: `a browser write key may send only ${req.allowedTypes.join(' and ')} calls, not ${message.type}`,
    });
  }
  const measure =
    message.type === 'track'
      ? measureProblem(message.parsed.event, message.parsed.properties)
      : undefined;
  if (measure) return withId({ code: 'invalid' as const, reason: measure });
  try {
    return { ...normalize(message.type, message.parsed, req), bytes };
  } catch (error) {
    if (error instanceof ValidationError) {
      return withId({ code: 'invalid' as const, reason: error.message });
    }
    throw error;
  }
}

/** The item as the message its endpoint reads it as: a domain payload translated, or Segment's. */
function parse(
  item: Record<string, unknown>,
  spec: ItemSpec,
  translate: Translate | undefined,
): { type: EventType; parsed: ParsedMessage } | { reason: string } {
  if (spec.domain) {
    // judge() loads it for every request to a domain endpoint.
    const message = (translate as Translate)(spec.domain, item);
    if ('reason' in message) return message;
    const parsed = v.safeParse(serverTrackSchema, message);
    if (!parsed.success) return { reason: describeIssues(parsed.issues) };
    return { type: 'track', parsed: parsed.output as ParsedMessage };
  }
  const type = spec.type ?? item.type;
  if (typeof type !== 'string' || !Object.hasOwn(MESSAGE_SCHEMAS, type)) {
    return { reason: `type must be one of ${Object.keys(MESSAGE_SCHEMAS).join(', ')}` };
  }
  if (spec.type && item.type !== undefined && item.type !== spec.type) {
    return { reason: `type must be "${spec.type}" on this endpoint` };
  }
  const parsed = v.safeParse(MESSAGE_SCHEMAS[type as EventType], item);
  if (!parsed.success) return { reason: describeIssues(parsed.issues) };
  return { type: type as EventType, parsed: parsed.output as ParsedMessage };
}
