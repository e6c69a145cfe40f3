/**
 * The response bodies of the product-analytics routes (docs/api-product-analytics.md): one
 * module, so the dashboard and tests read the same types the reports return.
 */
import type { RangeOut } from '../../range.ts';
import type { Comparison, Sample, SampleRatio, TestName } from '../experiments/stats.ts';
import type { ActiveDay } from './active-users.ts';

/** A figure of a range, the same figure of the period just before, and the relative change. */
export interface Compared {
  value: number | null;
  previous: number | null;
  change: number | null;
}

/** The range block of a product report: the range and the period just before it. */
export interface ComparedRange extends RangeOut {
  previous: { from: string; to: string };
}

export const TREND_GRANULARITIES = ['hour', 'day', 'week', 'month'] as const;
export type TrendGranularity = (typeof TREND_GRANULARITIES)[number];

/**
 * One period of the usage-trends series. Figures a granularity cannot give are null: per hour,
 * new and total users, conversations, API calls and the chosen event's figures.
 */
export interface TrendPoint {
  /** `2026-11-22T13`, `2026-11-22`, `2026-W47` or `2026-11`. */
  period: string;
  /** First and last day of the period inside the range. */
  from: string;
  to: string;
  /** Distinct users with an event in the period. */
  activeUsers: number;
  newUsers: number | null;
  /** Distinct users seen on or before the period's last day. */
  totalUsers: number | null;
  events: number;
  pageViews: number;
  messages: number;
  tokens: number;
  errors: number;
  conversations: number | null;
  apiCalls: number | null;
  apiErrors: number | null;
  /** With `event=`: that event's count and its distinct users. */
  eventCount?: number | null;
  eventUsers?: number | null;
}

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

/** DAU (mean over the range's days), WAU and MAU (on its last day), stickiness (DAU / MAU). */
export interface ActiveUsersSummary {
  dau: number;
  wau: number;
  mau: number;
  stickiness: number | null;
}

/** `GET /api/v1/analytics/usage-trends`. */
export interface UsageTrendsResponse {
  project: string;
  range: ComparedRange;
  granularity: TrendGranularity;
  event: string | null;
  activeUsers: ActiveUsersSummary & {
    previous: ActiveUsersSummary;
    change: Record<keyof ActiveUsersSummary, number | null>;
  };
  /** Per day of the range. */
  daily: ActiveDay[];
  series: TrendPoint[];
  /** The previous period's series, point i matching point i of `series`. */
  previousSeries: TrendPoint[];
  /** Whole-range figures against the previous period (`activeUsers`: distinct over the range). */
  totals: Record<TrendMetric, Compared> & {
    eventCount?: Compared;
    eventUsers?: Compared;
  };
}

/** One period of a feature's adoption history. */
export interface FeatureHistoryPoint {
  period: string;
  from: string;
  to: string;
  usage: number;
  uniqueUsers: number;
  /** Distinct users with any event in the period. */
  activeUsers: number;
  adoptionRate: number | null;
}

/** One feature in `feature-adoption`. */
export interface FeatureAdoption {
  name: string;
  event: string;
  /** Events of the feature's name in the range. */
  usage: number;
  /** Distinct users with at least one. */
  uniqueUsers: number;
  /** uniqueUsers / active users of the range (4 decimals; null without active users). */
  adoptionRate: number | null;
  previous: { usage: number; uniqueUsers: number; adoptionRate: number | null };
  /** Relative change of the adoption rate (0.001). */
  change: number | null;
  /** up / down when the adoption rate moved by more than `trendThreshold` of its previous value. */
  trend: 'up' | 'down' | 'stable';
  history: FeatureHistoryPoint[];
}

/** `GET /api/v1/analytics/feature-adoption`. */
export interface FeatureAdoptionResponse {
  project: string;
  range: ComparedRange;
  granularity: 'day' | 'week' | 'month';
  trendThreshold: number;
  /** True when the project declared no features and the seed's defaults are shown. */
  defaults: boolean;
  activeUsers: number;
  previousActiveUsers: number;
  features: FeatureAdoption[];
}

/** What the results say to do. */
export interface Recommendation {
  action: 'keep_running' | 'ship' | 'stop';
  /** The variant to ship (or the control to keep), when there is one. */
  variant: string | null;
  reason: string;
}

/** One variant of an experiment's results. */
export interface VariantResult {
  name: string;
  weight: number;
  control: boolean;
  /** Users whose first exposure was to this variant (users exposed to several are left out). */
  exposures: number;
  /** Conversion goals: exposed users who converted after their first exposure. */
  conversions: number | null;
  rate: number | null;
  /** Metric goals: the mean per exposed user. */
  mean: number | null;
  sample: Sample;
  /** Against the control (null for the control). */
  comparison: Comparison | null;
  chanceToBeatControl: number | null;
  /** Sequential experiments: the always-valid p-value over one look per day, and the interval. */
  sequential: { pValue: number | null; interval: [number, number] | null; looks: number } | null;
}

/** `GET /api/v1/analytics/experiments/{id}`, and each entry of `experiment-results`. */
export interface ExperimentResult {
  id: string;
  name: string;
  status: 'scheduled' | 'running' | 'stopped';
  start: string;
  stop: string | null;
  goal: { event: string } | { metric: string };
  test: TestName;
  alpha: number;
  sequential: boolean;
  exposedUsers: number;
  /** Exposed to more than one variant: left out of every figure. */
  mixedUsers: number;
  /** Exposed to a variant the experiment does not declare: left out. */
  unknownVariantUsers: number;
  sampleRatio: SampleRatio;
  sampleSize: { perVariant: number | null; minimumDetectableEffect: number; power: number };
  variants: VariantResult[];
  significant: boolean;
  recommendation: Recommendation;
}
