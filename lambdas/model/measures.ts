/**
 * The numbers Tally reads out of events, each with its range (docs/tracking.md "Numbers"). The
 * track function refuses an event carrying one out of range, naming it; facts read them through
 * `measured`, which ignores an out-of-range value, so one that reached storage some other way
 * (an old event, a redrive) can never reach a counter. Sums of in-range values stay exact
 * integers far beyond any realistic volume (2^53 / 10^9 tokens is 9 million maximal messages).
 */
import { finiteNumber } from './values.ts';
import { DOMAIN_EVENTS } from './vocabulary.ts';

export interface Range {
  min: number;
  max: number;
  integer: boolean;
}

/** A day, in ms: the longest duration Tally believes. */
const DAY_MS = 86_400_000;
const COUNT: Range = { min: 0, max: 1_000_000_000, integer: true };
const DURATION_MS: Range = { min: 0, max: DAY_MS, integer: false };

/** Every number Tally interprets, by property name. */
export const MEASURES = {
  tokens: COUNT,
  inputTokens: COUNT,
  outputTokens: COUNT,
  messageCount: COUNT,
  responseTimeMs: DURATION_MS,
  durationMs: DURATION_MS,
  avgResponseTimeMs: DURATION_MS,
  statusCode: { min: 100, max: 599, integer: true },
  rating: { min: -100, max: 100, integer: false },
} as const satisfies Record<string, Range>;

export type Measure = keyof typeof MEASURES;

/** The properties each event of the vocabulary has read, so must carry in range. */
export const MEASURED_PROPERTIES: Readonly<Record<string, readonly Measure[]>> = {
  [DOMAIN_EVENTS.messageSent]: ['tokens', 'inputTokens', 'outputTokens', 'responseTimeMs'],
  [DOMAIN_EVENTS.apiRequest]: ['statusCode', 'durationMs', 'responseTimeMs'],
  [DOMAIN_EVENTS.feedbackSubmitted]: ['rating'],
  [DOMAIN_EVENTS.conversationStarted]: ['tokens', 'messageCount', 'avgResponseTimeMs'],
  [DOMAIN_EVENTS.conversationUpdated]: ['tokens', 'messageCount', 'avgResponseTimeMs'],
  [DOMAIN_EVENTS.conversationEnded]: ['tokens', 'messageCount', 'avgResponseTimeMs'],
};

/** Ends "… must be": `an integer from 0 to 1000000000`. */
export function describeRange(r: Range): string {
  return `${r.integer ? 'an integer' : 'a number'} from ${r.min} to ${r.max}`;
}

/** True when `n` is within `r`. */
export const inRange = (r: Range, n: number) =>
  n >= r.min && n <= r.max && (!r.integer || Number.isInteger(n));

/** `value` as a number (or numeric string) within the measure's range, else undefined. */
export function measured(name: Measure, value: unknown): number | undefined {
  const n = finiteNumber(value);
  return n !== undefined && inRange(MEASURES[name], n) ? n : undefined;
}

/** Absent, as clients mean it: missing, null, or an empty string. */
const absent = (value: unknown) =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/**
 * The first interpreted number of a track event that is present and not a number in its range,
 * as `properties.<name> must be …`; undefined when they all are.
 */
export function measureProblem(
  event: string | undefined,
  properties: Record<string, unknown> | undefined,
): string | undefined {
  const names =
    event === undefined || !Object.hasOwn(MEASURED_PROPERTIES, event)
      ? undefined
      : MEASURED_PROPERTIES[event];
  if (!names || !properties) return undefined;
  for (const name of names) {
    const value = Object.hasOwn(properties, name) ? properties[name] : undefined;
    if (absent(value) || measured(name, value) !== undefined) continue;
    return `properties.${name} must be ${describeRange(MEASURES[name])} on ${event}`;
  }
  return undefined;
}
