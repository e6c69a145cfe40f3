/**
 * Distinct active users over sliding windows (DAU, WAU, MAU) from each day's set of active
 * actors: exact, in time proportional to the user-days read (docs/api-product-analytics.md).
 */

/** Days in the windows of WAU and MAU. */
export const WEEK_DAYS = 7;
export const MONTH_DAYS = 30;

import type { ActiveDay } from './types.ts';

/**
 * The distinct users of the `window` days ending on each of `days` (oldest first), given every
 * day's active actors: `active` must hold the `window - 1` days before the first of `days` too
 * (a missing day has no users). For each actor the windows its active days open are merged into
 * intervals and added to a difference array, so an actor active on several days of a window
 * counts once.
 */
export function windowCounts(
  allDays: readonly string[],
  active: ReadonlyMap<string, Iterable<string>>,
  window: number,
): number[] {
  const index = new Map(allDays.map((d, i) => [d, i]));
  const byActor = new Map<string, number[]>();
  for (const [day, actors] of active) {
    const i = index.get(day);
    if (i === undefined) continue;
    for (const a of actors) {
      const list = byActor.get(a);
      if (list) list.push(i);
      else byActor.set(a, [i]);
    }
  }
  const diff = new Array<number>(allDays.length + 1).fill(0);
  for (const list of byActor.values()) {
    list.sort((x, y) => x - y);
    // Day i counts the actor when an active day lies in [i - window + 1, i]: each active day j
    // covers [j, j + window - 1]; overlapping covers are merged.
    let start = -1;
    let end = -1;
    for (const j of list) {
      const last = Math.min(j + window - 1, allDays.length - 1);
      if (j > end) {
        if (start >= 0) {
          (diff[start] as number)++;
          (diff[end + 1] as number)--;
        }
        start = j;
      }
      end = Math.max(end, last);
    }
    if (start >= 0) {
      (diff[start] as number)++;
      (diff[end + 1] as number)--;
    }
  }
  const out: number[] = [];
  let running = 0;
  for (let i = 0; i < allDays.length; i++) {
    running += diff[i] as number;
    out.push(running);
  }
  return out;
}

/**
 * DAU, WAU, MAU and stickiness for each of `days`; `allDays` is `days` preceded by the 29 days
 * before them, and `active` the actors of each of `allDays`.
 */
export function activeDays(
  allDays: readonly string[],
  days: readonly string[],
  active: ReadonlyMap<string, ReadonlySet<string>>,
): ActiveDay[] {
  const week = windowCounts(allDays, active, WEEK_DAYS);
  const month = windowCounts(allDays, active, MONTH_DAYS);
  const offset = days.length ? allDays.indexOf(days[0] as string) : 0;
  if (offset < 0) throw new Error(`activeDays: ${days[0]} is not among the days read`);
  return days.map((date, i) => {
    const dau = active.get(date)?.size ?? 0;
    const mau = month[offset + i] ?? 0;
    return {
      date,
      dau,
      wau: week[offset + i] ?? 0,
      mau,
      stickiness: mau > 0 ? Math.round((dau / mau) * 10_000) / 10_000 : null,
    };
  });
}
