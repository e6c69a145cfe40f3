/**
 * What each event adds to the additive counters. The ingest (live counters) and the rollup
 * (rebuilt figures) both call `contributions`, so live and rebuilt numbers cannot disagree on
 * what counts as a message, a conversation or a token.
 */
import type { TallyEvent } from './events.ts';

/** Additive counter attributes. Per-model tokens are `tokens:<model>`, per-type counts `type:<type>`. */
export const COUNTER = {
  events: 'events',
  messages: 'messages',
  conversations: 'conversations',
  tokens: 'tokens',
  responseTimeSumMs: 'rtSum',
  responseTimeCount: 'rtCount',
  apiCalls: 'apiCalls',
  apiErrors: 'apiErrors',
  activeUsers: 'activeUsers',
  newUsers: 'newUsers',
} as const;

export const tokensOfModel = (model: string) => `tokens:${model}`;
export const eventsOfType = (type: string) => `type:${type}`;

/** Event names with a meaning in the reports (DESIGN.md "Event model"). */
export const DOMAIN_EVENTS = {
  messageSent: 'message.sent',
  conversationStarted: 'conversation.started',
  apiRequest: 'api.request',
} as const;

export type Counters = Record<string, number>;

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}

/** Token count of a message: `tokens`, else input + output tokens. */
export function tokensOf(p: Record<string, unknown>): number | undefined {
  const total = num(p.tokens);
  if (total !== undefined) return total;
  const input = num(p.inputTokens);
  const output = num(p.outputTokens);
  if (input === undefined && output === undefined) return undefined;
  return (input ?? 0) + (output ?? 0);
}

/** The counter increments one event contributes (users are counted separately, from markers). */
export function contributions(e: TallyEvent): Counters {
  const out: Counters = { [COUNTER.events]: 1, [eventsOfType(e.type)]: 1 };
  if (e.type !== 'track') return out;
  const p = e.properties;
  switch (e.event) {
    case DOMAIN_EVENTS.messageSent: {
      out[COUNTER.messages] = 1;
      const tokens = tokensOf(p);
      if (tokens !== undefined && tokens > 0) {
        out[COUNTER.tokens] = tokens;
        if (typeof p.model === 'string' && p.model !== '') out[tokensOfModel(p.model)] = tokens;
      }
      const rt = num(p.responseTimeMs);
      if (rt !== undefined && rt >= 0) {
        out[COUNTER.responseTimeSumMs] = rt;
        out[COUNTER.responseTimeCount] = 1;
      }
      break;
    }
    case DOMAIN_EVENTS.conversationStarted:
      out[COUNTER.conversations] = 1;
      break;
    case DOMAIN_EVENTS.apiRequest: {
      out[COUNTER.apiCalls] = 1;
      const status = num(p.statusCode);
      if (status !== undefined && status >= 400) out[COUNTER.apiErrors] = 1;
      break;
    }
  }
  return out;
}

/** Adds `b` into `a` (in place) and returns `a`. */
export function addCounters(a: Counters, b: Counters): Counters {
  for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v;
  return a;
}
