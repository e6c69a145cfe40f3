/**
 * What each event adds to the additive counters. The ingest (live counters) and the rollup
 * (rebuilt figures) both call `contributions`, on the event's fact, so live and rebuilt numbers
 * cannot disagree on what counts as a message, a conversation or a token.
 */

import { own, setOwn } from '../model/records.ts';
import { DOMAIN_EVENTS } from '../model/vocabulary.ts';
import { counted, type Fact } from './facts.ts';

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
  errors: 'errors',
  activeUsers: 'activeUsers',
  newUsers: 'newUsers',
} as const;

export const tokensOfModel = (model: string) => `tokens:${model}`;
export const eventsOfType = (type: string) => `type:${type}`;

/** Counters that add up across days into the all-time totals (distinct users per day do not). */
export const isAdditiveAcrossDays = (counter: string) => counter !== COUNTER.activeUsers;

export type Counters = Record<string, number>;

/**
 * The counter increments one event (its fact, as counted: labels past the cap as "(other)")
 * contributes; users are counted from markers.
 */
export function contributions(fact: Fact): Counters {
  const f = counted(fact);
  const out: Counters = { [COUNTER.events]: 1, [eventsOfType(f.type)]: 1 };
  if (f.error) out[COUNTER.errors] = 1;
  if (f.type !== 'track') return out;
  switch (f.name) {
    case DOMAIN_EVENTS.messageSent:
      out[COUNTER.messages] = 1;
      if (f.tokens !== undefined) {
        out[COUNTER.tokens] = f.tokens;
        if (f.model) out[tokensOfModel(f.model)] = f.tokens;
      }
      if (f.responseTimeMs !== undefined) {
        out[COUNTER.responseTimeSumMs] = f.responseTimeMs;
        out[COUNTER.responseTimeCount] = 1;
      }
      break;
    case DOMAIN_EVENTS.conversationStarted:
      out[COUNTER.conversations] = 1;
      break;
    case DOMAIN_EVENTS.apiRequest:
      out[COUNTER.apiCalls] = 1;
      if (f.statusCode !== undefined && f.statusCode >= 400) out[COUNTER.apiErrors] = 1;
      break;
  }
  return out;
}

/** Adds `b` into `a` (in place) and returns `a`. */
export function addCounters(a: Counters, b: Counters): Counters {
  for (const [k, v] of Object.entries(b)) setOwn(a, k, (own(a, k) ?? 0) + v);
  return a;
}
