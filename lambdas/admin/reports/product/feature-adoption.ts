/**
 * `feature-adoption` and the feature definitions (docs/api-product-analytics.md): per declared
 * feature, its uses, distinct users, adoption rate among the range's active users, the trend
 * against the previous period, and the adoption history per day, week or month. Reads each day's
 * per-user map (which keeps every user's event counts per name) for the range and the period
 * before it: proportional to days × active users.
 */
import * as v from 'valibot';
import { readJson } from '../../../http/json.ts';
import { ValidationError } from '../../../model/errors.ts';
import { describeIssues } from '../../../model/issues.ts';
import type { UserStats } from '../../../store/aggregate.ts';
import { deleteDefinition, putDefinition } from '../../../store/definitions.ts';
import {
  type Feature,
  featureNameSchema,
  featureSchema,
  readFeatures,
} from '../../../store/features.ts';
import { ensureProject } from '../../../store/projects.ts';
import { matchEvents } from '../../../store/properties.ts';
import { parseRange, type RangeQuery, rangeOut } from '../../range.ts';
import { type ReportDeps, readRange } from '../../read.ts';
import { projectParam, rangeParams, report } from '../../report.ts';
import { change, rate, round } from '../numbers.ts';
import { GRANULARITIES, periodOf } from '../usage/messages.ts';
import {
  deletedResponse,
  type FeatureAdoption,
  type FeatureAdoptionResponse,
  type FeatureHistoryPoint,
  featureAdoptionResponse,
  featureCreatedResponse,
  featuresResponse,
} from './types.ts';

/** Relative change of the adoption rate beyond which a trend is up or down (default 10 %). */
export const DEFAULT_TREND_THRESHOLD = 0.1;

const MAX_BODY = 16 * 1024;

interface UserDay {
  day: string;
  users: Record<string, UserStats>;
}

/**
 * Uses and distinct users of a feature (its event, passing its filter), distinct active users,
 * and per day the events whose property value the maps do not know, over some days.
 */
function usageOf(days: readonly UserDay[], feature: Feature) {
  let usage = 0;
  const users = new Set<string>();
  const active = new Set<string>();
  const uncovered: { date: string; events: number }[] = [];
  for (const d of days) {
    let unknown = 0;
    for (const [actor, u] of Object.entries(d.users)) {
      active.add(actor);
      const m = matchEvents(u, feature.event, feature.filter);
      unknown += m.unknown;
      if (m.count > 0) {
        usage += m.count;
        users.add(actor);
      }
    }
    if (unknown) uncovered.push({ date: d.day, events: unknown });
  }
  return { usage, uniqueUsers: users.size, activeUsers: active.size, uncovered };
}

/**
 * `up` or `down` when the adoption rate moved by more than `threshold` of its previous value,
 * else `stable`; `up` when there was no previous adoption and there is some now.
 */
export function trendOf(
  current: number | null,
  previous: number | null,
  threshold: number,
): 'up' | 'down' | 'stable' {
  const c = current ?? 0;
  const p = previous ?? 0;
  if (p === 0) return c > 0 ? 'up' : 'stable';
  const relative = (c - p) / p;
  if (relative > threshold) return 'up';
  if (relative < -threshold) return 'down';
  return 'stable';
}

/** The adoption of one feature over the range's days, against the previous period's. */
export function adoptionOf(
  feature: Feature,
  current: readonly UserDay[],
  previous: readonly UserDay[],
  granularity: (typeof GRANULARITIES)[number],
  threshold: number,
): FeatureAdoption {
  const now = usageOf(current, feature);
  const before = usageOf(previous, feature);
  const adoptionRate = rate(now.uniqueUsers, now.activeUsers);
  const previousRate = rate(before.uniqueUsers, before.activeUsers);
  const periods = new Map<string, UserDay[]>();
  for (const d of current) {
    const p = periodOf(d.day, granularity);
    periods.set(p, [...(periods.get(p) ?? []), d]);
  }
  const history: FeatureHistoryPoint[] = [...periods].map(([period, days]) => {
    const u = usageOf(days, feature);
    return {
      period,
      from: days[0]?.day ?? '',
      to: days[days.length - 1]?.day ?? '',
      usage: u.usage,
      uniqueUsers: u.uniqueUsers,
      activeUsers: u.activeUsers,
      adoptionRate: rate(u.uniqueUsers, u.activeUsers),
    };
  });
  return {
    name: feature.name,
    event: feature.event,
    ...(feature.filter ? { filter: feature.filter } : {}),
    uncovered: [...before.uncovered, ...now.uncovered],
    usage: now.usage,
    uniqueUsers: now.uniqueUsers,
    adoptionRate,
    previous: { usage: before.usage, uniqueUsers: before.uniqueUsers, adoptionRate: previousRate },
    change: change(adoptionRate, previousRate),
    trend: trendOf(adoptionRate, previousRate, threshold),
    history,
  };
}

/** The feature-adoption report of a project over a range (also what /metrics shows). */
export async function featureAdoption(
  deps: ReportDeps,
  projectId: string,
  query: RangeQuery & {
    granularity: (typeof GRANULARITIES)[number];
    trendThreshold: number;
  },
): Promise<FeatureAdoptionResponse> {
  const range = parseRange(query, deps.now(), '30d');
  const [{ features, defaults }, current, previous] = await Promise.all([
    readFeatures(deps.ddb, deps.tableName, projectId),
    readRange(deps, projectId, range.days, { users: true }),
    readRange(deps, projectId, range.previous.days, { users: true }),
  ]);
  const days = (r: typeof current) =>
    r.days
      .map((d) => ({ day: d.day, users: d.parts.users }))
      .sort((a, b) => (a.day < b.day ? -1 : 1));
  const cur = days(current);
  const prev = days(previous);
  return {
    project: projectId,
    range: {
      ...rangeOut(range),
      previous: { from: range.previous.from, to: range.previous.to },
    },
    granularity: query.granularity,
    trendThreshold: round(query.trendThreshold, 4),
    defaults,
    activeUsers: Object.keys(current.total.users).length,
    previousActiveUsers: Object.keys(previous.total.users).length,
    features: features.map((f) =>
      adoptionOf(f, cur, prev, query.granularity, query.trendThreshold),
    ),
  };
}

const featuresBody = (features: Feature[], defaults: boolean) => ({ features, defaults });

/** `GET /api/v1/analytics/feature-adoption` and the feature definitions. */
export const featureReports = [
  report({
    route: 'GET /api/v1/analytics/feature-adoption',
    response: featureAdoptionResponse,
    query: v.object({
      project: projectParam,
      ...rangeParams,
      granularity: v.optional(
        v.pipe(
          v.picklist(GRANULARITIES),
          v.description('Step of each feature’s history (default day)'),
        ),
        'day',
      ),
      trendThreshold: v.optional(
        v.pipe(
          v.string(),
          v.regex(/^\d+(\.\d+)?$/, 'must be a number'),
          // The document's pattern: the numbers from 0 to 10 the checks below take.
          v.metadata({ pattern: '^0*(?:\\d(?:\\.\\d+)?|10(?:\\.0+)?)$' }),
          v.transform(Number),
          v.minValue(0),
          v.maxValue(10),
          v.description(
            `Relative change of the adoption rate that makes a trend up or down (default ${DEFAULT_TREND_THRESHOLD})`,
          ),
        ),
        String(DEFAULT_TREND_THRESHOLD),
      ),
    }),
    run: ({ deps, projectId, query }) => featureAdoption(deps, projectId, query),
    rows: (body: FeatureAdoptionResponse) =>
      body.features.map(({ history: _h, previous, filter, uncovered, ...f }) => ({
        ...f,
        filter: filter ? JSON.stringify(filter) : null,
        uncoveredEvents: uncovered.reduce((n, d) => n + d.events, 0),
        previousUsage: previous.usage,
        previousUniqueUsers: previous.uniqueUsers,
        previousAdoptionRate: previous.adoptionRate,
      })),
  }),
  report({
    route: 'GET /api/v1/analytics/feature-adoption/features',
    response: featuresResponse,
    query: v.object({ project: projectParam }),
    run: async ({ deps, projectId }) => {
      const { features, defaults } = await readFeatures(deps.ddb, deps.tableName, projectId);
      return { project: projectId, ...featuresBody(features, defaults) };
    },
    rows: (body: { features: Feature[] }) => body.features as unknown as Record<string, unknown>[],
  }),
  report({
    route: 'POST /api/v1/analytics/feature-adoption/features',
    response: featureCreatedResponse,
    body: featureSchema,
    query: v.object({ project: projectParam }),
    status: 201,
    run: async ({ deps, projectId, event }) => {
      const parsed = v.safeParse(featureSchema, readJson(event, MAX_BODY, true));
      if (!parsed.success) {
        throw new ValidationError(`invalid feature: ${describeIssues(parsed.issues)}`);
      }
      await ensureProject(deps.ddb, deps.tableName, projectId, projectId);
      const feature = await putDefinition(
        deps.ddb,
        deps.tableName,
        projectId,
        'feature',
        parsed.output.name,
        parsed.output,
        new Date(deps.now()),
      );
      return { project: projectId, feature };
    },
  }),
  report({
    route: 'DELETE /api/v1/analytics/feature-adoption/features',
    response: deletedResponse,
    errors: { '404': 'No feature of that name is declared' },
    query: v.object({ project: projectParam, name: featureNameSchema }),
    run: async ({ deps, projectId, query }) => {
      await deleteDefinition(deps.ddb, deps.tableName, projectId, 'feature', query.name);
      return { project: projectId, deleted: query.name };
    },
  }),
];
