/**
 * `GET /metrics`: each project's figures in Prometheus text format, for a scraper with a bearer
 * token (the admin role, or the metrics-only role). Not a report: it answers text/plain. Totals
 * are all-time; the API series are today's (UTC), so they restart at midnight like a process
 * restart, which rate() and increase() handle: keeping all-time per-endpoint counters would cost
 * a write per endpoint per ingest batch.
 * The ingestion lag is today's too: a histogram ingest adds to in each commit (store/ingest-lag.ts).
 * The product families are the last 30 days' reports, from a snapshot item per project that a
 * scrape recomputes when it is over 5 minutes old (reports/product/snapshot.ts).
 * Every request builds a fresh registry from stored totals, so the output is the same whichever
 * Lambda container answers, and no default process metrics leak in.
 */
import { Counter, Gauge, type Histogram, Registry } from 'prom-client';
import * as v from 'valibot';
import type { HttpResult } from '../http/json.ts';
import { requireRole, resolveProject } from '../http/jwt.ts';
import type { RouteLogic } from '../http/router.ts';
import { NotFoundError } from '../model/errors.ts';
import { dayOf } from '../model/time.ts';
import { type ApiStats, parseApiKey } from '../store/aggregate.ts';
import { COUNTER, type Counters, eventsOfType, tokensOfModel } from '../store/contributions.ts';
import { readTotals } from '../store/counters.ts';
import { readDay } from '../store/day-store.ts';
import { countAtMost } from '../store/distribution.ts';
import { mapLimit } from '../store/dynamo.ts';
import { LAG_BUCKETS, type LagHistogram, readIngestLag } from '../store/ingest-lag.ts';
import { listProjects } from '../store/projects.ts';
import { readRejectionTotals } from '../store/rejections.ts';
import { addProductFamilies, type ProjectProduct } from './product-metrics.ts';
import { type AdminDeps, parseQuery, projectParam } from './report.ts';
import { compareText, countOf } from './reports/numbers.ts';
import { currentSnapshot } from './reports/product/snapshot.ts';
import { type TrafficTotals, trafficTotals, visitorDaysOf } from './reports/product/web-traffic.ts';

/** A token with this role may read /metrics and nothing else. */
export const METRICS_ROLE = 'metrics';

/** Prometheus histogram bounds, seconds (its client library's defaults). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Today's API calls of one endpoint, as the histogram and counter need them. */
export interface ApiTotal {
  method: string;
  endpoint: string;
  byStatus: Record<string, number>;
  /** Calls with a duration of at most `le` seconds, by bound. */
  buckets: Record<string, number>;
  sumSeconds: number;
  /** Calls with a duration. */
  count: number;
}

/** One endpoint's stats of the day (key `METHOD path`) as exposition samples. */
export function apiTotal(key: string, s: ApiStats): ApiTotal {
  return {
    ...parseApiKey(key),
    byStatus: s.status,
    buckets: Object.fromEntries(
      LATENCY_BUCKETS.map((le) => [String(le), countAtMost(s.dur, le * 1000)]),
    ),
    sumSeconds: s.dur.sum / 1000,
    count: s.dur.n,
  };
}

/** What /metrics shows of one project. */
export interface ProjectMetrics extends ProjectProduct {
  projectId: string;
  /** All-time totals (`C#<p>#ALL`). */
  totals: Counters;
  /** Today's (UTC) served day counters. */
  today: Counters;
  api: ApiTotal[];
  /** Today's (UTC) ingestion lag of the events counted. */
  lag: LagHistogram;
  /** Today's (UTC) web traffic (reports/product/web-traffic.ts). */
  web: TrafficTotals;
  /** All-time rejected items by reason (store/rejections.ts); optional for callers that lack it. */
  rejections?: Record<string, number>;
}

/** The query string of `/metrics` (the OpenAPI document lists it). */
export const metricsQuery = v.object({ project: projectParam });
/** Projects read at once; each costs five small reads (more when its snapshot is recomputed). */
const PROJECT_CONCURRENCY = 4;

const TOKENS_PREFIX = tokensOfModel('');

async function readProjectMetrics(
  deps: AdminDeps,
  projectId: string,
  today: string,
): Promise<ProjectMetrics> {
  const [totals, day, lag, product, rejections] = await Promise.all([
    readTotals(deps.ddb, deps.tableName, projectId),
    readDay(deps, projectId, today, { api: true, apiLatency: true, users: true }),
    readIngestLag(deps.ddb, deps.tableName, projectId, today),
    currentSnapshot(deps, projectId),
    readRejectionTotals(deps.ddb, deps.tableName, projectId),
  ]);
  return {
    projectId,
    totals,
    today: day.counters,
    api: Object.entries(day.parts.api).map(([key, stats]) => apiTotal(key, stats)),
    lag,
    product,
    web: trafficTotals(visitorDaysOf(today, day.parts.users)),
    rejections,
  };
}

type HistogramSample = { labels: Record<string, string>; value: number; metricName: string };

/** One series of a histogram (`le` buckets, +Inf, sum, count) from stored cumulative counts. */
function histogramSamples(
  name: string,
  series: Record<string, string>,
  bounds: readonly number[],
  h: { buckets: Record<string, number>; sumSeconds: number; count: number },
): HistogramSample[] {
  return [
    ...bounds.map((le) => ({
      metricName: `${name}_bucket`,
      labels: { ...series, le: String(le) },
      value: h.buckets[String(le)] ?? 0,
    })),
    { metricName: `${name}_bucket`, labels: { ...series, le: '+Inf' }, value: h.count },
    { metricName: `${name}_sum`, labels: series, value: h.sumSeconds },
    { metricName: `${name}_count`, labels: series, value: h.count },
  ];
}

/**
 * A histogram from stored cumulative bucket counts. prom-client's Histogram only takes single
 * observations, so this is a collector of precomputed samples: the registry formats any metric
 * whose `get()` answers name, help, type and values (its typings list only its own classes).
 */
function precomputedHistogram(
  registry: Registry,
  name: string,
  help: string,
  values: HistogramSample[],
): void {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => ({ name, help, type: 'histogram', aggregator: 'sum', values }),
  };
  registry.registerMetric(metric as unknown as Histogram);
}

/**
 * The registry of one scrape. Counters are created per request, so `inc(stored total)` from zero
 * exposes exactly the stored total; the histogram is precomputed (see `precomputedHistogram`).
 */
export function metricsRegistry(projects: ProjectMetrics[]): Registry {
  const registry = new Registry();
  const registers = [registry];
  const project = ['project'] as const;

  const totalUsers = new Gauge({
    name: 'analytics_total_users',
    help: 'Distinct users ever seen (all time)',
    labelNames: project,
    registers,
  });
  const activeUsers = new Gauge({
    name: 'analytics_active_users',
    help: 'Distinct users active today (UTC day)',
    labelNames: project,
    registers,
  });
  const conversations = new Counter({
    name: 'analytics_conversations_total',
    help: 'Conversations started',
    labelNames: project,
    registers,
  });
  const messages = new Counter({
    name: 'analytics_messages_total',
    help: 'Chat messages sent',
    labelNames: project,
    registers,
  });
  const tokens = new Counter({
    name: 'analytics_tokens_total',
    help: 'Tokens used, by model ("unknown": messages that named no model)',
    labelNames: ['project', 'model'] as const,
    registers,
  });
  const events = new Counter({
    name: 'analytics_events_total',
    help: 'Events stored, of every type',
    labelNames: project,
    registers,
  });
  const requests = new Counter({
    name: 'analytics_api_requests_total',
    help: 'API calls reported by tracked services today (UTC), by endpoint, method and status; restarts at 00:00 UTC, use rate() or increase()',
    labelNames: ['project', 'endpoint', 'method', 'status'] as const,
    registers,
  });
  const web = webTrafficFamilies(registers);
  const rejections = new Counter({
    name: 'analytics_tracking_rejections_total',
    help: 'Items tracking requests rejected, by reason (each distinct item once, however often resent)',
    labelNames: ['project', 'reason'] as const,
    registers,
  });
  const latency: HistogramSample[] = [];
  const latencyName = 'analytics_api_response_time_seconds';
  const lag: HistogramSample[] = [];
  const lagName = 'analytics_ingest_lag_seconds';

  for (const p of projects) {
    const labels = { project: p.projectId };
    const t = p.totals;
    totalUsers.set(labels, countOf(t, COUNTER.newUsers));
    activeUsers.set(labels, countOf(p.today, COUNTER.activeUsers));
    conversations.inc(labels, countOf(t, COUNTER.conversations));
    messages.inc(labels, countOf(t, COUNTER.messages));
    events.inc(labels, countOf(t, COUNTER.events));
    web(labels, t, p.web);
    for (const [reason, n] of Object.entries(p.rejections ?? {}).sort(([a], [b]) =>
      compareText(a, b),
    )) {
      rejections.inc({ ...labels, reason }, n);
    }

    const models = Object.keys(t)
      .filter((k) => k.startsWith(TOKENS_PREFIX))
      .sort(compareText);
    let modelled = 0;
    for (const k of models) {
      modelled += countOf(t, k);
      tokens.inc({ ...labels, model: k.slice(TOKENS_PREFIX.length) }, countOf(t, k));
    }
    // Never negative: a counter cannot go down, and the rollup corrects the two separately.
    const unmodelled = Math.max(0, countOf(t, COUNTER.tokens) - modelled);
    if (unmodelled > 0) tokens.inc({ ...labels, model: 'unknown' }, unmodelled);

    const api = [...p.api].sort(
      (a, b) => compareText(a.endpoint, b.endpoint) || compareText(a.method, b.method),
    );
    for (const e of api) {
      for (const status of Object.keys(e.byStatus).sort(compareText)) {
        const count = e.byStatus[status] ?? 0;
        requests.inc({ ...labels, endpoint: e.endpoint, method: e.method, status }, count);
      }
      // Calls without a duration are counted above but are not in the histogram.
      if (e.count === 0) continue;
      const series = { ...labels, endpoint: e.endpoint, method: e.method };
      latency.push(...histogramSamples(latencyName, series, LATENCY_BUCKETS, e));
    }
    // A project that counted nothing today has no lag series, as an endpoint without durations.
    if (p.lag.count > 0) lag.push(...histogramSamples(lagName, labels, LAG_BUCKETS, p.lag));
  }
  precomputedHistogram(
    registry,
    latencyName,
    'Duration of API calls reported by tracked services today (UTC), seconds; restarts at 00:00 UTC',
    latency,
  );
  precomputedHistogram(
    registry,
    lagName,
    'Time from an event reaching the tracking API (receivedAt) to its being stored and counted, seconds, for the events counted today (UTC); restarts at 00:00 UTC',
    lag,
  );
  addProductFamilies(registry, projects);
  return registry;
}

/** The web-traffic families (docs/api-insights-and-metrics.md); a setter per project. */
function webTrafficFamilies(registers: Registry[]) {
  const project = ['project'] as const;
  const pageViews = new Counter({
    name: 'analytics_page_views_total',
    help: 'Page views stored (all time)',
    labelNames: project,
    registers,
  });
  const visitors = new Gauge({
    name: 'analytics_unique_visitors',
    help: 'Distinct visitors with a page view today (UTC day)',
    labelNames: project,
    registers,
  });
  const duration = new Gauge({
    name: 'analytics_avg_session_duration_seconds',
    help: 'Mean session duration today (UTC day; 30-minute idle rule), seconds; 0 without sessions',
    labelNames: project,
    registers,
  });
  const bounce = new Gauge({
    name: 'analytics_bounce_rate_percentage',
    help: "Sessions of one page view and no other event, percent of today's sessions (UTC day); 0 without sessions",
    labelNames: project,
    registers,
  });
  return (labels: { project: string }, totals: Counters, today: TrafficTotals) => {
    pageViews.inc(labels, countOf(totals, eventsOfType('page')));
    visitors.set(labels, today.visitors);
    duration.set(labels, today.avgSessionDurationSeconds ?? 0);
    bounce.set(labels, today.bounceRate ?? 0);
  };
}

/** The `GET /metrics` logic: auth, the projects the token may see, one registry per request. */
export function metricsEndpoint(deps: AdminDeps): RouteLogic {
  return async (event): Promise<HttpResult> => {
    const principal = await deps.verify(event.headers.authorization);
    requireRole(principal, deps.adminRole, METRICS_ROLE);
    const requested = parseQuery(metricsQuery, event.queryStringParameters ?? {}).project;
    // A project the token does not cover is refused; without one, every project it covers.
    if (requested) resolveProject(principal, requested);
    const projects = (await listProjects(deps.ddb, deps.tableName, principal.projects)).filter(
      (p) => !requested || p.projectId === requested,
    );
    if (requested && projects.length === 0) throw new NotFoundError(`No project ${requested}`);

    const today = dayOf(deps.now());
    const figures = await mapLimit(projects, PROJECT_CONCURRENCY, (p) =>
      readProjectMetrics(deps, p.projectId, today),
    );
    const registry = metricsRegistry(figures);
    return {
      statusCode: 200,
      headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
      body: await registry.metrics(),
    };
  };
}
