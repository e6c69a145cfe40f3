/** UTC calendar helpers. Reports and storage keys are in UTC throughout. */

const DAY_MS = 86_400_000;
const MS_MINUTE = 60_000;

/** The shape of an ISO day, `2026-11-22`; `isIsoDay` also checks it is a real date. */
export const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The instants Tally stores: from 1970 (epoch 0) to the end of 9999 (the last four-digit year),
 * so every stored time has a plain ISO form and a day partition.
 */
export const TIME_RANGE = { min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) } as const;

/**
 * An ISO 8601 date, optionally with a time (`T` or a space, hours and minutes, optional seconds
 * and fraction) and a zone (`Z`, `±HH:MM`, `±HHMM`, `±HH`). A time without a zone is UTC, as
 * Python's naive `isoformat()` means it.
 */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Days in `month` (1-12) of `year`. */
function daysInMonth(year: number, month: number): number {
  const last = new Date(0);
  last.setUTCFullYear(year, month, 0);
  return last.getUTCDate();
}

/**
 * Epoch ms of an ISO 8601 date-time on a real calendar date within TIME_RANGE, else undefined.
 * Written here because Date.parse is lenient: it reads `"1"` as the year 2001 and `2026-02-30` as
 * March 2, and valibot's ISO checks do not know how long a month is.
 */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000));
  let ms = date.getTime();
  const zone = /^([+-])(\d{2}):?(\d{2})?$/.exec(m[8] ?? '');
  if (zone) {
    const [, sign, hh, mm = '0'] = zone as unknown as [string, string, string, string?];
    if (Number(hh) > 23 || Number(mm) > 59) return undefined;
    ms -= (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm)) * MS_MINUTE;
  }
  return ms >= TIME_RANGE.min && ms <= TIME_RANGE.max ? ms : undefined;
}

/** What `parseIsoTime` accepts, to end "… must be". */
export const ISO_TIME_EXPECTED = 'an ISO 8601 date-time on a real date, from 1970 to 9999';

/**
 * What the OpenAPI document declares for a date-time `parseIsoTime` reads (model/schemas.ts):
 * RFC 3339 (`format`, which checks the calendar) in the shape the parser takes, from 1971 to 9998
 * so that no zone offset moves it out of TIME_RANGE. The parser takes more (no zone, a space, no
 * seconds); the document promises no more than this.
 */
export const ISO_DATE_TIME_JSON = {
  format: 'date-time',
  pattern:
    '^(?:197[1-9]|19[89]\\d|[2-8]\\d{3}|9[0-8]\\d{2}|99[0-8]\\d)-\\d{2}-\\d{2}T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{1,9})?(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)$',
} as const;

/** What the OpenAPI document declares for an ISO day (`isIsoDay`): a real date from 1970. */
export const ISO_DAY_JSON = {
  format: 'date',
  pattern: '^(?:19[7-9]\\d|[2-9]\\d{3})-\\d{2}-\\d{2}$',
} as const;

/** True for `YYYY-MM-DD` naming a real date within TIME_RANGE. */
export const isIsoDay = (text: string) => ISO_DAY.test(text) && parseIsoTime(text) !== undefined;

/** `2026-11-22` for an epoch-millisecond instant. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `2026-11-22T13` for an epoch-millisecond instant. */
export function hourOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

/** Start of the storage bucket holding `ms`, as `2026-11-22T13:05`. Buckets sort as strings. */
export function bucketOf(ms: number, bucketSeconds: number): string {
  const size = bucketSeconds * 1000;
  return new Date(Math.floor(ms / size) * size).toISOString().slice(0, 16);
}

/** Epoch ms of midnight UTC of an ISO day. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** The ISO day `n` days after `day` (negative `n` goes back). */
export function addDays(day: string, n: number): string {
  return dayOf(dayStart(day) + n * DAY_MS);
}

/** Every ISO day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

export const MS = { second: 1000, minute: 60_000, hour: 3_600_000, day: DAY_MS } as const;
