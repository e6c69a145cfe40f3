/**
 * Judges the messages of a request one by one: each is accepted (and normalized) or rejected with
 * its index and reason. One bad item never sinks the valid ones.
 */
import * as v from 'valibot';
import type { EventType, ParsedMessage } from '../shared/events.ts';
import { LIMITS, structuralProblem } from '../shared/limits.ts';
import { describeIssues, MESSAGE_SCHEMAS } from '../shared/schemas.ts';
import { type Normalized, normalize, type RequestFacts } from './normalize.ts';

export interface Rejection {
  index: number;
  messageId?: string;
  code: 'invalid' | 'too_large';
  reason: string;
}

export interface Judged {
  accepted: (Normalized & { index: number })[];
  rejected: Rejection[];
}

/** `type` fixes the message type (single-type endpoints); otherwise each item names its own. */
export function judge(items: unknown[], type: EventType | undefined, req: RequestFacts): Judged {
  const out: Judged = { accepted: [], rejected: [] };
  items.forEach((item, index) => {
    const verdict = judgeOne(item, type, req);
    if ('reason' in verdict) out.rejected.push({ index, ...verdict });
    else out.accepted.push({ index, ...verdict });
  });
  return out;
}

function judgeOne(
  item: unknown,
  fixedType: EventType | undefined,
  req: RequestFacts,
): Normalized | Omit<Rejection, 'index'> {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return { code: 'invalid', reason: 'each event must be a JSON object' };
  }
  const record = item as Record<string, unknown>;
  const messageId = typeof record.messageId === 'string' ? record.messageId : undefined;
  const withId = <T extends object>(r: T) => (messageId ? { ...r, messageId } : r);

  const bytes = Buffer.byteLength(JSON.stringify(item));
  if (bytes > LIMITS.eventBytes) {
    return withId({
      code: 'too_large' as const,
      reason: `event is ${bytes} bytes; the limit is ${LIMITS.eventBytes}`,
    });
  }
  const problem = structuralProblem(item);
  if (problem) return withId({ code: 'invalid' as const, reason: problem });

  const type = fixedType ?? record.type;
  if (typeof type !== 'string' || !(type in MESSAGE_SCHEMAS)) {
    return withId({
      code: 'invalid' as const,
      reason: `type must be one of ${Object.keys(MESSAGE_SCHEMAS).join(', ')}`,
    });
  }
  if (fixedType && record.type !== undefined && record.type !== fixedType) {
    return withId({
      code: 'invalid' as const,
      reason: `type must be "${fixedType}" on this endpoint`,
    });
  }
  const parsed = v.safeParse(MESSAGE_SCHEMAS[type as EventType], item);
  if (!parsed.success) {
    return withId({ code: 'invalid' as const, reason: describeIssues(parsed.issues) });
  }
  return normalize(type as EventType, parsed.output as ParsedMessage, req);
}
