/**
 * Judges the messages of a request one by one: each is accepted (and normalized) or rejected with
 * its index and reason. One bad item never sinks the valid ones.
 */
import * as v from 'valibot';
import type { EventType, ParsedMessage } from '../model/events.ts';
import { describeIssues } from '../model/issues.ts';
import { LIMITS, structuralProblem } from '../model/limits.ts';
import { MESSAGE_SCHEMAS, serverTrackSchema } from '../model/schemas.ts';
import { isRecord } from '../model/values.ts';
import { type DomainEndpoint, translate } from './domain.ts';
import { type Normalized, normalize, type RequestFacts } from './normalize.ts';

export interface Rejection {
  index: number;
  messageId?: string;
  code: 'invalid' | 'too_large' | 'too_many' | 'bot';
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

export function judge(items: unknown[], spec: ItemSpec, req: RequestFacts): Judged {
  const out: Judged = { accepted: [], rejected: [] };
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
    const verdict = judgeOne(item, spec, req);
    if ('reason' in verdict) out.rejected.push({ index, ...verdict });
    else if (verdict.bot && req.privacy.botMode === 'drop') {
      out.rejected.push({
        index,
        messageId: verdict.event.messageId,
        code: 'bot',
        reason: 'not stored: the user agent is a known bot (TALLY_BOT_MODE=drop)',
      });
    } else out.accepted.push({ index, ...verdict });
  });
  return out;
}

function idOf(item: unknown): { messageId?: string } {
  const id =
    item && typeof item === 'object' ? (item as Record<string, unknown>).messageId : undefined;
  return typeof id === 'string' ? { messageId: id } : {};
}

function judgeOne(
  item: unknown,
  spec: ItemSpec,
  req: RequestFacts,
): Normalized | Omit<Rejection, 'index'> {
  if (!isRecord(item)) {
    return { code: 'invalid', reason: 'each event must be a JSON object' };
  }
  const withId = <T extends object>(r: T) => ({ ...idOf(item), ...r });

  const bytes = Buffer.byteLength(JSON.stringify(item));
  if (bytes > LIMITS.eventBytes) {
    return withId({
      code: 'too_large' as const,
      reason: `event is ${bytes} bytes; the limit is ${LIMITS.eventBytes}`,
    });
  }
  const problem = structuralProblem(item);
  if (problem) return withId({ code: 'invalid' as const, reason: problem });

  if (spec.domain) {
    const message = translate(spec.domain, item);
    if ('reason' in message) return withId({ code: 'invalid' as const, reason: message.reason });
    const parsed = v.safeParse(serverTrackSchema, message);
    if (!parsed.success)
      return withId({ code: 'invalid' as const, reason: describeIssues(parsed.issues) });
    return normalize('track', parsed.output as ParsedMessage, req);
  }

  const type = spec.type ?? item.type;
  if (typeof type !== 'string' || !(type in MESSAGE_SCHEMAS)) {
    return withId({
      code: 'invalid' as const,
      reason: `type must be one of ${Object.keys(MESSAGE_SCHEMAS).join(', ')}`,
    });
  }
  if (spec.type && item.type !== undefined && item.type !== spec.type) {
    return withId({
      code: 'invalid' as const,
      reason: `type must be "${spec.type}" on this endpoint`,
    });
  }
  const parsed = v.safeParse(MESSAGE_SCHEMAS[type as EventType], item);
  if (!parsed.success) {
    return withId({ code: 'invalid' as const, reason: describeIssues(parsed.issues) });
  }
  return normalize(type as EventType, parsed.output as ParsedMessage, req);
}
