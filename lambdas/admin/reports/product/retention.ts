/**
 * `retention` (docs/api-product-analytics.md "Retention"): users grouped by the day or ISO week
 * they were first seen (their profile's first day) within the range, and per following period
 * the share of each cohort that came back — in that period (`on`) or in it or any later one
 * (`on_or_after`, Amplitude's unbounded retention). Reads each day's per-user map of the range
 * and the profiles of its users: ∝ days × users, never the events.
 */
import * as v from 'valibot';
import type { UserStats } from '../../../store/aggregate.ts';
import { firstDaysOf } from '../../../store/users.ts';
import { parseRange, rangeOut } from '../../range.ts';
import { readRange } from '../../read.ts';
import { projectParam, rangeParams, report } from '../../report.ts';
import { rate } from '../numbers.ts';
import { periodOf } from '../usage/messages.ts';
import {
  COHORT_STEPS,
  type Cohort,
  RETENTION_MODES,
  type RetentionResponse,
  retentionResponse,
} from './types.ts';

interface UserDay {
  day: string;
  users: Record<string, UserStats>;
}

type Step = (typeof COHORT_STEPS)[number];
type Mode = (typeof RETENTION_MODES)[number];

/** The cohorts of the range's days and their returning users per following period. */
export function cohortsOf(
  rangeDays: readonly string[],
  userDays: readonly UserDay[],
  firstDays: ReadonlyMap<string, string>,
  step: Step,
  mode: Mode,
): { cohorts: Cohort[]; average: RetentionResponse['average'] } {
  // The periods of the range in order, each with its first and last day inside the range.
  const periods: { key: string; from: string; to: string }[] = [];
  const index = new Map<string, number>();
  for (const d of rangeDays) {
    const key = periodOf(d, step);
    const i = index.get(key);
    if (i === undefined) {
      index.set(key, periods.length);
      periods.push({ key, from: d, to: d });
    } else (periods[i] as { to: string }).to = d;
  }
  const inRange = new Set(rangeDays);
  // Per user, the periods with an event.
  const active = new Map<string, Set<number>>();
  for (const d of userDays) {
    const p = index.get(periodOf(d.day, step));
    if (p === undefined || !inRange.has(d.day)) continue;
    for (const actor of Object.keys(d.users)) {
      let set = active.get(actor);
      if (!set) {
        set = new Set();
        active.set(actor, set);
      }
      set.add(p);
    }
  }
  // First seen: the profile's first day, or the user's first day read if earlier (an event that
  // arrived after a later one created the profile).
  const firstRead = new Map<string, string>();
  for (const d of userDays) {
    for (const actor of Object.keys(d.users)) {
      const f = firstRead.get(actor);
      if (f === undefined || d.day < f) firstRead.set(actor, d.day);
    }
  }
  const members = periods.map(() => [] as Set<number>[]);
  for (const [actor, set] of active) {
    const profile = firstDays.get(actor);
    const read = firstRead.get(actor);
    const first = profile !== undefined && (read === undefined || profile < read) ? profile : read;
    if (first === undefined || !inRange.has(first)) continue;
    const c = index.get(periodOf(first, step));
    if (c !== undefined) members[c]?.push(set);
  }
  const cohorts: Cohort[] = periods.map((p, c) => {
    const list = members[c] ?? [];
    const out = [];
    for (let k = 0; c + k < periods.length; k++) {
      const target = c + k;
      const users = list.filter((set) =>
        mode === 'on' ? set.has(target) : [...set].some((x) => x >= target),
      ).length;
      out.push({ period: k, users, rate: rate(users, list.length) });
    }
    return { cohort: p.key, from: p.from, to: p.to, size: list.length, periods: out };
  });
  const average = periods.map((_, k) => {
    const reaching = cohorts.filter((x) => x.periods.length > k);
    const size = reaching.reduce((s, x) => s + x.size, 0);
    const users = reaching.reduce((s, x) => s + (x.periods[k]?.users ?? 0), 0);
    return { period: k, cohorts: reaching.length, size, users, rate: rate(users, size) };
  });
  return { cohorts, average };
}

/** `GET /api/v1/analytics/retention`. */
export const retentionReports = [
  report({
    route: 'GET /api/v1/analytics/retention',
    response: retentionResponse,
    query: v.object({
      project: projectParam,
      ...rangeParams,
      cohort: v.optional(
        v.pipe(
          v.picklist(COHORT_STEPS),
          v.description('Group users by the day or ISO week they were first seen (default day)'),
        ),
        'day',
      ),
      mode: v.optional(
        v.pipe(
          v.picklist(RETENTION_MODES),
          v.description(
            'on: an event in that period; on_or_after: in it or any later one (default on)',
          ),
        ),
        'on',
      ),
    }),
    run: async ({ deps, projectId, query }): Promise<RetentionResponse> => {
      const range = parseRange(query, deps.now(), '30d');
      const view = await readRange(deps, projectId, range.days, { users: true });
      const firstDays = await firstDaysOf(deps, projectId, Object.keys(view.total.users));
      const userDays = view.days.map((d) => ({ day: d.day, users: d.parts.users }));
      return {
        project: projectId,
        range: rangeOut(range),
        cohort: query.cohort,
        mode: query.mode,
        ...cohortsOf(range.days, userDays, firstDays, query.cohort, query.mode),
      };
    },
    rows: (body: RetentionResponse) =>
      body.cohorts.flatMap((c) =>
        c.periods.map((p) => ({ cohort: c.cohort, from: c.from, to: c.to, size: c.size, ...p })),
      ),
  }),
];
