/**
 * The response bodies of the product-analytics routes (docs/api-product-analytics.md), as strict
 * valibot schemas — the OpenAPI document's response schemas — and the types inferred from them,
 * which the reports return and the dashboard and tests read. Built from the pieces of
 * ../../responses.ts so every report spells a count, a day or a range the same way.
 */
import * as v from 'valibot';
import { PROPERTY_OPERATORS } from '../../../store/properties.ts';
import {
  count,
  day,
  metric,
  nullableCount,
  nullableNumber,
  range,
  SEGMENTS,
} from '../../responses.ts';
import { PROPORTION_TEST, WELCH_TEST } from '../experiments/stats.ts';

export const TREND_GRANULARITIES = ['hour', 'day', 'week', 'month'] as const;
export type TrendGranularity = (typeof TREND_GRANULARITIES)[number];

export const TREND_METRICS = [
  'activeUsers',
  'newUsers',
  'events',
  'pageViews',
  'messages',
  'tokens',
  'errors',
  'conversations',
  'apiCalls',
  'apiErrors',
] as const;
export type TrendMetric = (typeof TREND_METRICS)[number];

/** The range block of a product report: the range and the period just before it. */
const comparedRange = v.strictObject({
  ...range.entries,
  previous: v.strictObject({ from: day, to: day }),
});

export type Compared = v.InferOutput<typeof metric>;

// ---- usage trends ----

const activeDay = v.strictObject({
  date: day,
  dau: count,
  wau: v.pipe(count, v.description('Distinct users of the 7 days ending on the date')),
  mau: v.pipe(count, v.description('Distinct users of the 30 days ending on the date')),
  stickiness: v.pipe(nullableNumber, v.description('dau / mau, 4 decimals; null when mau is 0')),
});
export type ActiveDay = v.InferOutput<typeof activeDay>;

const trendPoint = v.strictObject({
  period: v.pipe(v.string(), v.description('2026-11-22T13, 2026-11-22, 2026-W47 or 2026-11')),
  from: day,
  to: day,
  activeUsers: v.pipe(count, v.description('Distinct users with an event in the period')),
  newUsers: nullableCount,
  totalUsers: v.pipe(nullableCount, v.description("Users seen on or before the period's last day")),
  events: count,
  pageViews: count,
  messages: count,
  tokens: count,
  errors: count,
  conversations: nullableCount,
  apiCalls: nullableCount,
  apiErrors: nullableCount,
  eventCount: v.optional(nullableCount),
  eventUsers: v.optional(nullableCount),
});
/** One period of the series; null where the granularity cannot give the figure (per hour). */
export type TrendPoint = v.InferOutput<typeof trendPoint>;

const activeSummary = {
  dau: v.pipe(v.number(), v.description("Mean daily active users over the range's days")),
  wau: v.pipe(count, v.description("On the range's last day")),
  mau: v.pipe(count, v.description("On the range's last day")),
  stickiness: v.pipe(nullableNumber, v.description('Mean DAU / MAU of the last day')),
};
export type ActiveUsersSummary = v.InferOutput<
  v.StrictObjectSchema<typeof activeSummary, undefined>
>;

export const usageTrendsResponse = v.strictObject({
  project: v.string(),
  range: comparedRange,
  granularity: v.picklist(TREND_GRANULARITIES),
  event: v.nullable(v.string()),
  activeUsers: v.strictObject({
    ...activeSummary,
    previous: v.strictObject(activeSummary),
    change: v.strictObject({
      dau: nullableNumber,
      wau: nullableNumber,
      mau: nullableNumber,
      stickiness: nullableNumber,
    }),
  }),
  daily: v.array(activeDay),
  series: v.array(trendPoint),
  previousSeries: v.pipe(
    v.array(trendPoint),
    v.description('The previous period; point i matches point i of series'),
  ),
  totals: v.strictObject({
    ...(Object.fromEntries(TREND_METRICS.map((m) => [m, metric])) as Record<
      TrendMetric,
      typeof metric
    >),
    eventCount: v.optional(metric),
    eventUsers: v.optional(metric),
  }),
});
export type UsageTrendsResponse = v.InferOutput<typeof usageTrendsResponse>;

// ---- property filters (store/properties.ts) ----

const propertyScalar = v.union([v.string(), v.number(), v.boolean()]);

const propertyFilter = v.strictObject({
  property: v.string(),
  operator: v.picklist(PROPERTY_OPERATORS),
  value: v.optional(v.union([propertyScalar, v.array(propertyScalar)])),
});

const uncoveredDay = v.strictObject({
  date: day,
  events: v.pipe(
    count,
    v.description(
      'Events of the feature’s event that day whose property value is not known: counted before the filter was declared (until a rebuild recaptures them), or past a user-day’s 20 distinct values',
    ),
  ),
});

// ---- feature adoption ----

const featureHistoryPoint = v.strictObject({
  period: v.string(),
  from: day,
  to: day,
  usage: count,
  uniqueUsers: count,
  activeUsers: count,
  adoptionRate: nullableNumber,
});
export type FeatureHistoryPoint = v.InferOutput<typeof featureHistoryPoint>;

const adoptionFigures = { usage: count, uniqueUsers: count, adoptionRate: nullableNumber };

const featureAdoption = v.strictObject({
  name: v.string(),
  event: v.string(),
  filter: v.optional(propertyFilter),
  uncovered: v.pipe(
    v.array(uncoveredDay),
    v.description(
      'Days of the range and the previous period the filter could not cover entirely (empty without a filter): their unknown events are in no figure',
    ),
  ),
  ...adoptionFigures,
  previous: v.strictObject(adoptionFigures),
  change: nullableNumber,
  trend: v.picklist(['up', 'down', 'stable']),
  history: v.array(featureHistoryPoint),
});
export type FeatureAdoption = v.InferOutput<typeof featureAdoption>;

export const featureAdoptionResponse = v.strictObject({
  project: v.string(),
  range: comparedRange,
  granularity: v.picklist(['day', 'week', 'month']),
  trendThreshold: v.number(),
  defaults: v.pipe(
    v.boolean(),
    v.description("True while the project declares no features: the seed's"),
  ),
  activeUsers: count,
  previousActiveUsers: count,
  features: v.array(featureAdoption),
});
export type FeatureAdoptionResponse = v.InferOutput<typeof featureAdoptionResponse>;

const feature = v.strictObject({
  name: v.string(),
  event: v.string(),
  filter: v.optional(propertyFilter),
});

export const featuresResponse = v.strictObject({
  project: v.string(),
  features: v.array(feature),
  defaults: v.boolean(),
});
export const featureCreatedResponse = v.strictObject({ project: v.string(), feature });
export const deletedResponse = v.strictObject({ project: v.string(), deleted: v.string() });

// ---- experiments ----

const interval = v.nullable(v.tuple([v.number(), v.number()]));

const sample = v.strictObject({ n: count, sum: v.number(), sumSquares: v.number() });

const comparison = v.strictObject({
  test: v.picklist([PROPORTION_TEST, WELCH_TEST]),
  statistic: nullableNumber,
  degreesOfFreedom: nullableNumber,
  pValue: v.pipe(nullableNumber, v.description('Two-sided')),
  difference: nullableNumber,
  differenceInterval: interval,
  lift: nullableNumber,
  liftInterval: interval,
  significant: v.boolean(),
});

const variantResult = v.strictObject({
  name: v.string(),
  weight: v.number(),
  control: v.boolean(),
  exposures: count,
  conversions: nullableCount,
  rate: nullableNumber,
  mean: nullableNumber,
  sample,
  comparison: v.nullable(comparison),
  chanceToBeatControl: nullableNumber,
  sequential: v.nullable(v.strictObject({ pValue: nullableNumber, interval, looks: count })),
});
export type VariantResult = v.InferOutput<typeof variantResult>;

const STATUSES = ['scheduled', 'running', 'stopped'] as const;
const goal = v.union([
  v.strictObject({ event: v.string() }),
  v.strictObject({ metric: v.string() }),
]);

const recommendation = v.strictObject({
  action: v.picklist(['keep_running', 'ship', 'stop']),
  variant: v.nullable(v.string()),
  reason: v.string(),
});
export type Recommendation = v.InferOutput<typeof recommendation>;

const experimentResult = v.strictObject({
  id: v.string(),
  name: v.string(),
  status: v.picklist(STATUSES),
  start: v.string(),
  stop: v.nullable(v.string()),
  goal,
  test: v.picklist([PROPORTION_TEST, WELCH_TEST]),
  alpha: v.number(),
  sequential: v.boolean(),
  exposedUsers: count,
  mixedUsers: v.pipe(count, v.description('Exposed to several variants: left out')),
  unknownVariantUsers: v.pipe(count, v.description('Exposed to an undeclared variant: left out')),
  sampleRatio: v.strictObject({
    test: v.literal('chi-square goodness of fit'),
    chiSquare: nullableNumber,
    degreesOfFreedom: v.number(),
    pValue: nullableNumber,
    mismatch: v.boolean(),
  }),
  sampleSize: v.strictObject({
    perVariant: nullableCount,
    minimumDetectableEffect: v.number(),
    power: v.number(),
  }),
  variants: v.array(variantResult),
  significant: v.boolean(),
  recommendation,
});
export type ExperimentResult = v.InferOutput<typeof experimentResult>;

export const experimentResponse = v.strictObject({
  project: v.string(),
  ...experimentResult.entries,
});

const declared = v.strictObject({
  id: v.string(),
  name: v.optional(v.string()),
  variants: v.array(v.strictObject({ name: v.string(), weight: v.number() })),
  goal,
  start: v.string(),
  stop: v.optional(v.string()),
  alpha: v.number(),
  power: v.number(),
  minimumDetectableEffect: v.number(),
  sequential: v.boolean(),
  status: v.picklist(STATUSES),
});

export const experimentsResponse = v.strictObject({
  project: v.string(),
  experiments: v.array(declared),
});
export const experimentCreatedResponse = v.strictObject({
  project: v.string(),
  experiment: declared,
});
export const experimentResultsResponse = v.strictObject({
  project: v.string(),
  status: v.nullable(v.picklist(STATUSES)),
  experiments: v.array(experimentResult),
});

// ---- funnels ----

const duration = v.strictObject({
  median: v.pipe(nullableNumber, v.description('Seconds (nearest rank); null with no user')),
  p90: v.pipe(nullableNumber, v.description('Seconds (nearest rank); null with no user')),
});
export type Duration = v.InferOutput<typeof duration>;

const funnelStep = v.strictObject({
  step: v.pipe(count, v.description('1 for the first step')),
  event: v.string(),
  filter: v.optional(propertyFilter),
  entered: v.pipe(count, v.description('Users who reached the step before (step 1: did it)')),
  completed: v.pipe(count, v.description('Users who did this step in order within the window')),
  completionRate: v.pipe(nullableNumber, v.description('completed / entered')),
  dropOffRate: v.pipe(nullableNumber, v.description('(entered − completed) / entered')),
  conversionRate: v.pipe(nullableNumber, v.description('completed / users of step 1')),
  timeToConvert: v.pipe(
    v.nullable(duration),
    v.description('From the step before to this one, over its completers; null for step 1'),
  ),
});
export type FunnelStep = v.InferOutput<typeof funnelStep>;

const funnelDefinition = {
  name: v.string(),
  steps: v.array(v.strictObject({ event: v.string(), filter: v.optional(propertyFilter) })),
  windowSeconds: count,
  breakdown: v.optional(v.string()),
};

const funnelFigures = {
  users: v.pipe(count, v.description('Users whose first step-1 event lies in the range')),
  converted: v.pipe(count, v.description('Users who completed every step')),
  conversionRate: nullableNumber,
  timeToConvert: v.pipe(duration, v.description('From step 1 to the last step')),
  steps: v.array(funnelStep),
};

export const funnelResponse = v.strictObject({
  project: v.string(),
  range: v.strictObject({
    ...range.entries,
    readTo: v.pipe(day, v.description('Last day read: to + the window, at most today')),
  }),
  name: v.string(),
  windowSeconds: count,
  standard: v.boolean(),
  ...funnelFigures,
  uncovered: v.pipe(
    v.array(
      v.strictObject({
        date: day,
        step: count,
        events: v.pipe(
          count,
          v.description(
            'Events of the step’s event that day whose property value is not known (see feature adoption): in no figure',
          ),
        ),
      }),
    ),
    v.description(
      'Days read that a step’s filter could not cover entirely (empty without filters)',
    ),
  ),
  breakdown: v.optional(
    v.strictObject({
      property: v.string(),
      limit: v.pipe(
        count,
        v.description('Values shown; the users of the others are under (other)'),
      ),
      values: v.array(
        v.strictObject({
          group: v.pipe(
            v.picklist(['value', 'none', 'other', 'unknown']),
            v.description(
              'value: users whose entry had `value`; none: no value; other: the values past `limit` (and past a user-day’s 20); unknown: the entry’s value is not known (counted before the breakdown was declared)',
            ),
          ),
          value: v.nullable(propertyScalar),
          label: v.pipe(
            v.string(),
            v.description('The value as text, or (none), (other), (unknown)'),
          ),
          ...funnelFigures,
        }),
      ),
    }),
  ),
});
export type FunnelResponse = v.InferOutput<typeof funnelResponse>;

const listedFunnel = v.strictObject({ ...funnelDefinition, standard: v.boolean() });

export const funnelsResponse = v.strictObject({
  project: v.string(),
  funnels: v.array(listedFunnel),
});
export const funnelCreatedResponse = v.strictObject({
  project: v.string(),
  funnel: v.strictObject(funnelDefinition),
});

// ---- user segments ----

export { SEGMENTS, type SegmentName } from '../../responses.ts';

const segment = v.strictObject({
  name: v.picklist(SEGMENTS),
  rule: v.string(),
  size: count,
  share: v.pipe(nullableNumber, v.description('size / users')),
  engagement: v.pipe(nullableNumber, v.description("Mean of the members' scores; null if none")),
});
export type Segment = v.InferOutput<typeof segment>;

const member = v.strictObject({
  actor: v.string(),
  segment: v.picklist(SEGMENTS),
  activeDays: v.pipe(count, v.description('Days of the range with an event')),
  events: v.pipe(count, v.description('Events in the range')),
  firstSeen: v.pipe(day, v.description('First day seen (profile, or the first day read)')),
  lastSeen: v.pipe(day, v.description('Last day with an event in the range or the one before')),
  engagement: v.pipe(v.number(), v.description('0–100, formula in the docs')),
});
export type Member = v.InferOutput<typeof member>;

export const segmentsResponse = v.strictObject({
  project: v.string(),
  range: comparedRange,
  rules: v.strictObject({
    recentFrom: v.pipe(day, v.description('First day of the recent window (the last quarter)')),
    recentDays: count,
    powerDays: v.pipe(count, v.description('Active days that make a power user')),
  }),
  users: v.pipe(count, v.description('Users active in the range or the previous period')),
  segments: v.array(segment),
  members: v.nullable(
    v.strictObject({
      segment: v.picklist(SEGMENTS),
      users: v.array(member),
      nextCursor: v.pipe(
        v.nullable(v.string()),
        v.description('Pass as `cursor` for the next page; null on the last page'),
      ),
    }),
  ),
});
export type SegmentsResponse = v.InferOutput<typeof segmentsResponse>;

// ---- retention ----

export const COHORT_STEPS = ['day', 'week'] as const;
export const RETENTION_MODES = ['on', 'on_or_after'] as const;

const retentionPeriod = v.strictObject({
  period: v.pipe(count, v.description('0 for the cohort’s own period')),
  users: v.pipe(count, v.description('Cohort users with an event in it (or in a later one)')),
  rate: v.pipe(nullableNumber, v.description('users / size')),
});

const cohort = v.strictObject({
  cohort: v.pipe(v.string(), v.description('2026-11-22, or 2026-W47')),
  from: day,
  to: day,
  size: v.pipe(count, v.description('Users first seen in the cohort’s days')),
  periods: v.array(retentionPeriod),
});
export type Cohort = v.InferOutput<typeof cohort>;

export const retentionResponse = v.strictObject({
  project: v.string(),
  range,
  cohort: v.picklist(COHORT_STEPS),
  mode: v.picklist(RETENTION_MODES),
  cohorts: v.array(cohort),
  average: v.pipe(
    v.array(
      v.strictObject({
        period: count,
        cohorts: v.pipe(count, v.description('Cohorts that reach this period in the range')),
        size: v.pipe(count, v.description('Their users')),
        users: count,
        rate: nullableNumber,
      }),
    ),
    v.description('Per period: the cohorts that reach it, pooled'),
  ),
});
export type RetentionResponse = v.InferOutput<typeof retentionResponse>;
