/**
 * Funnels (docs/api-product-analytics.md "Funnels"): the standard and declared funnels, and per
 * funnel the users who entered step 1 in the range, how far each got in order within the
 * conversion window, and the time each step took. Computed from each day's per-user map — each
 * user's first and last time of every event name that day — so the read is the days × their
 * active users, never the events.
 */
import * as v from 'valibot';
import { readJson } from '../../../http/json.ts';
import { NotFoundError, ValidationError } from '../../../model/errors.ts';
import { describeIssues } from '../../../model/issues.ts';
import { addDays, dayOf, daysBetween, MS } from '../../../model/time.ts';
import type { UserStats } from '../../../store/aggregate.ts';
import { deleteDefinition, putDefinition } from '../../../store/definitions.ts';
import {
  FUNNEL_NAME,
  FUNNEL_NAME_EXPECTED,
  type Funnel,
  funnelSchema,
  type ListedFunnel,
  readFunnels,
} from '../../../store/funnels.ts';
import { ensureProject } from '../../../store/projects.ts';
import {
  matchEvents,
  OVERFLOW_KEY,
  own,
  type PropertyValue,
  passes,
  UNSET_KEY,
  valueOfKey,
} from '../../../store/properties.ts';
import { parseRange, type RangeQuery, rangeOut } from '../../range.ts';
import type { ReportDeps } from '../../read.ts';
import { readRange } from '../../read.ts';
import { intParam, projectParam, rangeParams, report } from '../../report.ts';
import { rate, round } from '../numbers.ts';
import {
  type Duration,
  deletedResponse,
  type FunnelResponse,
  type FunnelStep,
  funnelCreatedResponse,
  funnelResponse,
  funnelsResponse,
} from './types.ts';

const MAX_BODY = 16 * 1024;

export interface UserDay {
  day: string;
  users: Record<string, UserStats>;
}

/** The q-quantile (0 < q ≤ 1) of sorted values by nearest rank: rank ⌈q·n⌉. */
export function nearestRank(sorted: readonly number[], q: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? null;
}

/** Median and p90 of durations in ms, as seconds to 0.001. */
function durationOf(ms: number[]): Duration {
  const sorted = [...ms].sort((a, b) => a - b);
  const s = (x: number | null) => (x === null ? null : round(x / MS.second, 3));
  return { median: s(nearestRank(sorted, 0.5)), p90: s(nearestRank(sorted, 0.9)) };
}

/**
 * Each user's step times: step 1 is their first step-1 event in the range's days (`entryDays`);
 * step k the earliest step-k event at or after step k−1 and within the window of step 1, read
 * over `days` (the range and the window after it). A user's list stops at the first step they
 * did not reach.
 */
export function stepTimes(
  funnel: Funnel,
  days: readonly UserDay[],
  entryDays: ReadonlySet<string>,
): Map<string, number[]> {
  const events = funnel.steps.map((s) => s.event);
  // Per user, per step, every time the maps keep (of the events passing the step's filter).
  const seen = new Map<string, number[][]>();
  for (const d of days) {
    for (const [actor, u] of Object.entries(d.users)) {
      let perStep = seen.get(actor);
      funnel.steps.forEach((step, i) => {
        // Step 1 counts only when done in the range itself.
        if (i === 0 && !entryDays.has(d.day)) return;
        const { times } = matchEvents(u, step.event, step.filter);
        if (!times.length) return;
        if (!perStep) {
          perStep = events.map(() => []);
          seen.set(actor, perStep);
        }
        perStep[i]?.push(...times);
      });
    }
  }
  const out = new Map<string, number[]>();
  const windowMs = funnel.windowSeconds * MS.second;
  for (const [actor, perStep] of seen) {
    const entry = Math.min(...(perStep[0] ?? []));
    if (!Number.isFinite(entry)) continue;
    const reached = [entry];
    for (let i = 1; i < events.length; i++) {
      const after = reached[i - 1] as number;
      let next = Number.POSITIVE_INFINITY;
      for (const t of perStep[i] ?? []) if (t >= after && t < next) next = t;
      if (next - entry > windowMs) break;
      reached.push(next);
    }
    out.set(actor, reached);
  }
  return out;
}

/**
 * Per day read and step, the events of the step's event whose property value the maps do not
 * know (step 1 on the range's days only): they are in no figure, and the answer names them.
 */
export function uncoveredSteps(
  funnel: Funnel,
  days: readonly UserDay[],
  entryDays: ReadonlySet<string>,
) {
  const out: { date: string; step: number; events: number }[] = [];
  for (const d of days) {
    funnel.steps.forEach((step, i) => {
      if (!step.filter || (i === 0 && !entryDays.has(d.day))) return;
      let events = 0;
      for (const u of Object.values(d.users))
        events += matchEvents(u, step.event, step.filter).unknown;
      if (events) out.push({ date: d.day, step: i + 1, events });
    });
  }
  return out;
}

/** The per-step figures of a funnel from each user's step times. */
export function funnelFigures(funnel: Funnel, users: ReadonlyMap<string, number[]>) {
  const lists = [...users.values()];
  const starters = lists.length;
  const steps: FunnelStep[] = funnel.steps.map((s, i) => {
    const entered = i === 0 ? starters : lists.filter((l) => l.length >= i).length;
    const done = lists.filter((l) => l.length > i);
    const completed = done.length;
    return {
      step: i + 1,
      event: s.event,
      ...(s.filter ? { filter: s.filter } : {}),
      entered,
      completed,
      completionRate: rate(completed, entered),
      dropOffRate: rate(entered - completed, entered),
      conversionRate: rate(completed, starters),
      timeToConvert:
        i === 0 ? null : durationOf(done.map((l) => (l[i] as number) - (l[i - 1] as number))),
    };
  });
  const last = funnel.steps.length - 1;
  const converted = lists.filter((l) => l.length > last);
  return {
    users: starters,
    converted: converted.length,
    conversionRate: rate(converted.length, starters),
    timeToConvert: durationOf(converted.map((l) => (l[last] as number) - (l[0] as number))),
    steps,
  };
}

/** The breakdown values shown by default; the users of the others are under `(other)`. */
export const MAX_BREAKDOWN_VALUES = 25;

type Group = 'value' | 'none' | 'other' | 'unknown';
const LABELS: Record<Exclude<Group, 'value'>, string> = {
  none: '(none)',
  other: '(other)',
  unknown: '(unknown)',
};

/**
 * The breakdown property's value on a user's entry (their first step-1 event, at `entry`), from
 * the entry day's map: the value with a first or last time at `entry` (the smallest key if
 * several), else the only value whose span holds it. `unknown` when the entry's fact kept no
 * value (counted before the breakdown was declared) or several spans hold it.
 */
function entryValueOf(
  u: UserStats | undefined,
  funnel: Funnel,
  property: string,
  entry: number,
): { group: Group; key?: string } {
  const step = funnel.steps[0];
  if (!u || !step) return { group: 'unknown' };
  const values = Object.entries(own(own(u.props, step.event), property) ?? {});
  const sameFilter = step.filter?.property === property ? step.filter : undefined;
  const passing = values.filter(
    ([key]) => !sameFilter || key === OVERFLOW_KEY || passes(sameFilter, valueOfKey(key)),
  );
  const at = passing.filter(([, [, first, last]]) => first === entry || last === entry);
  const spans = passing.filter(([, [, first, last]]) => first < entry && entry < last);
  const found = at.length ? at : spans.length === 1 ? spans : [];
  const key = found.map(([k]) => k).sort()[0];
  if (key === undefined) return { group: 'unknown' };
  if (key === OVERFLOW_KEY) return { group: 'other' };
  if (key === UNSET_KEY) return { group: 'none' };
  return { group: 'value', key };
}

/**
 * The funnel's figures per value of its breakdown property on each user's entry: the
 * `limit` values with the most users (ties by value), then `(other)` (the rest, and
 * values past a user-day's cap), `(none)` (no value) and `(unknown)`.
 */
export function breakdownOf(
  funnel: Funnel,
  property: string,
  days: readonly UserDay[],
  users: ReadonlyMap<string, number[]>,
  limit: number,
) {
  const byDay = new Map(days.map((d) => [d.day, d.users]));
  const groups = new Map<string, Map<string, number[]>>();
  for (const [actor, reached] of users) {
    const entry = reached[0] as number;
    const found = entryValueOf(own(byDay.get(dayOf(entry)), actor), funnel, property, entry);
    const id = found.group === 'value' ? (found.key as string) : found.group;
    const group = groups.get(id) ?? new Map<string, number[]>();
    group.set(actor, reached);
    groups.set(id, group);
  }
  const special = new Set<string>(['none', 'other', 'unknown']);
  const ranked = [...groups]
    .filter(([id]) => !special.has(id))
    .sort(([a, x], [b, y]) => y.size - x.size || (a < b ? -1 : a > b ? 1 : 0));
  const other = new Map(groups.get('other') ?? []);
  for (const [, group] of ranked.slice(limit)) {
    for (const [actor, reached] of group) other.set(actor, reached);
  }
  const rows: {
    group: Group;
    value: PropertyValue;
    label: string;
    users: Map<string, number[]>;
  }[] = ranked.slice(0, limit).map(([key, group]) => {
    const value = valueOfKey(key);
    return { group: 'value', value, label: String(value), users: group };
  });
  for (const [group, members] of [
    ['other', other],
    ['none', groups.get('none')],
    ['unknown', groups.get('unknown')],
  ] as const) {
    if (members?.size) rows.push({ group, value: null, label: LABELS[group], users: members });
  }
  return {
    property,
    limit,
    values: rows.map((r) => ({
      group: r.group,
      value: r.value,
      label: r.label,
      ...funnelFigures(funnel, r.users),
    })),
  };
}

/** The days a funnel reads: the range, then the window after it, up to today. */
export function funnelDays(from: string, to: string, windowSeconds: number, now: number) {
  const today = dayOf(now);
  const extra = Math.ceil((windowSeconds * MS.second) / MS.day);
  const end = addDays(to, extra) < today ? addDays(to, extra) : today;
  return daysBetween(from, end < to ? to : end);
}

const nameOf = (raw: string | undefined): string => {
  if (!raw || !FUNNEL_NAME.test(raw)) {
    throw new ValidationError(`funnel name ${FUNNEL_NAME_EXPECTED}`);
  }
  return raw;
};

async function findFunnel(deps: ReportDeps, projectId: string, name: string) {
  const found = (await readFunnels(deps.ddb, deps.tableName, projectId)).find(
    (f) => f.name === name,
  );
  if (!found) throw new NotFoundError(`no funnel ${JSON.stringify(name)}`);
  return found;
}

/** The results of one funnel over a range. */
export async function funnelResults(
  deps: ReportDeps,
  projectId: string,
  funnel: ListedFunnel,
  query: RangeQuery & { breakdownLimit?: number },
): Promise<FunnelResponse> {
  const range = parseRange(query, deps.now(), '30d');
  const days = funnelDays(range.from, range.to, funnel.windowSeconds, deps.now());
  const view = await readRange(deps, projectId, days, { users: true });
  const userDays = view.days.map((d) => ({ day: d.day, users: d.parts.users }));
  const users = stepTimes(funnel, userDays, new Set(range.days));
  return {
    project: projectId,
    range: { ...rangeOut(range), readTo: days[days.length - 1] ?? range.to },
    name: funnel.name,
    windowSeconds: funnel.windowSeconds,
    standard: funnel.standard,
    ...funnelFigures(funnel, users),
    uncovered: uncoveredSteps(funnel, userDays, new Set(range.days)),
    ...(funnel.breakdown
      ? {
          breakdown: breakdownOf(
            funnel,
            funnel.breakdown,
            userDays,
            users,
            query.breakdownLimit ?? MAX_BREAKDOWN_VALUES,
          ),
        }
      : {}),
  };
}

const namePath = v.object({ name: v.pipe(v.string(), v.regex(FUNNEL_NAME, FUNNEL_NAME_EXPECTED)) });

/** One CSV row per step. */
export const funnelRows = (body: FunnelResponse): Record<string, unknown>[] =>
  body.steps.map(({ timeToConvert, filter, ...s }) => ({
    funnel: body.name,
    ...s,
    filter: filter ? JSON.stringify(filter) : null,
    timeToConvertMedian: timeToConvert?.median ?? null,
    timeToConvertP90: timeToConvert?.p90 ?? null,
  }));

/** The funnel routes: list, declare, delete, and one funnel's results. */
export const funnelReports = [
  report({
    route: 'GET /api/v1/analytics/funnels',
    response: funnelsResponse,
    query: v.object({ project: projectParam }),
    run: async ({ deps, projectId }) => ({
      project: projectId,
      funnels: await readFunnels(deps.ddb, deps.tableName, projectId),
    }),
    rows: (body: { funnels: ListedFunnel[] }) =>
      body.funnels.map((f) => ({ ...f, steps: f.steps.map((s) => s.event) })),
  }),
  report({
    route: 'POST /api/v1/analytics/funnels',
    response: funnelCreatedResponse,
    body: funnelSchema,
    query: v.object({ project: projectParam }),
    status: 201,
    run: async ({ deps, projectId, event }) => {
      const parsed = v.safeParse(funnelSchema, readJson(event, MAX_BODY, true));
      if (!parsed.success) {
        throw new ValidationError(`invalid funnel: ${describeIssues(parsed.issues)}`);
      }
      await ensureProject(deps.ddb, deps.tableName, projectId, projectId);
      const funnel = await putDefinition(
        deps.ddb,
        deps.tableName,
        projectId,
        'funnel',
        parsed.output.name,
        parsed.output,
        new Date(deps.now()),
      );
      return { project: projectId, funnel };
    },
  }),
  report({
    route: 'GET /api/v1/analytics/funnels/{name}',
    response: funnelResponse,
    query: v.object({
      project: projectParam,
      ...rangeParams,
      breakdownLimit: intParam(
        MAX_BREAKDOWN_VALUES,
        100,
        'Breakdown values shown; the users of the others are under (other)',
      ),
    }),
    path: namePath,
    errors: { '404': 'No funnel of that name' },
    run: async ({ deps, projectId, query, event }) => {
      const funnel = await findFunnel(deps, projectId, nameOf(event.pathParameters?.name));
      return funnelResults(deps, projectId, funnel, query);
    },
    rows: funnelRows,
  }),
  report({
    route: 'DELETE /api/v1/analytics/funnels/{name}',
    response: deletedResponse,
    query: v.object({ project: projectParam }),
    path: namePath,
    errors: { '404': 'No funnel of that name is declared (a standard one cannot be deleted)' },
    run: async ({ deps, projectId, event }) => {
      const name = nameOf(event.pathParameters?.name);
      await deleteDefinition(deps.ddb, deps.tableName, projectId, 'funnel', name);
      return { project: projectId, deleted: name };
    },
  }),
];
