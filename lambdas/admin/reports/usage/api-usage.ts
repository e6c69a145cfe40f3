/** `api-usage`: API calls by endpoint and method: volume, errors, latency percentiles, status codes. */
import * as v from 'valibot';
import { type ApiStats, parseApiKey } from '../../../store/aggregate.ts';
import { emptyDistribution, mergeDistribution, summarize } from '../../../store/distribution.ts';
import { parseRange, rangeOut } from '../../range.ts';
import { readRange } from '../../read.ts';
import {
  booleanParam,
  intParam,
  projectParam,
  rangeParams,
  report,
  textParam,
} from '../../report.ts';
import { apiUsageResponse } from '../../responses.ts';
import { byCountDesc, rate } from '../numbers.ts';

/** One method + endpoint of the report. */
export interface EndpointUsage {
  method: string;
  endpoint: string;
  count: number;
  /** Calls answered with a status of 400 or more. */
  errors: number;
  errorRate: number | null;
  avgMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** False once the latencies outnumber what the distribution keeps exactly (then within 1 %). */
  latencyExact: boolean;
  /** Calls per status code. */
  status: Record<string, number>;
}

/** The optional filters of the report. */
export interface ApiFilter {
  /** An exact path, or a prefix followed by `*`. */
  endpoint?: string | undefined;
  method?: string | undefined;
}

/** True when `method` and `endpoint` pass the filter (methods compare case-insensitively). */
export function matches(filter: ApiFilter, method: string, endpoint: string): boolean {
  if (filter.method !== undefined && method !== filter.method.toUpperCase()) return false;
  const e = filter.endpoint;
  if (e === undefined) return true;
  return e.endsWith('*') ? endpoint.startsWith(e.slice(0, -1)) : endpoint === e;
}

function usageOf(method: string, endpoint: string, s: ApiStats): EndpointUsage {
  const latency = summarize(s.dur);
  return {
    method,
    endpoint,
    count: s.count,
    errors: s.errors,
    errorRate: rate(s.errors, s.count),
    avgMs: latency.avg,
    p50Ms: latency.p50,
    p95Ms: latency.p95,
    p99Ms: latency.p99,
    latencyExact: latency.exact,
    status: { ...s.status },
  };
}

/** The endpoints that pass `filter`, busiest first (at most `limit`), and totals over all of them. */
export function apiUsage(api: Record<string, ApiStats>, filter: ApiFilter, limit: number) {
  const total: ApiStats = { count: 0, errors: 0, status: {}, dur: emptyDistribution() };
  const endpoints: EndpointUsage[] = [];
  for (const [key, s] of Object.entries(api)) {
    const { method, endpoint } = parseApiKey(key);
    if (!matches(filter, method, endpoint)) continue;
    endpoints.push(usageOf(method, endpoint, s));
    total.count += s.count;
    total.errors += s.errors;
    for (const [code, n] of Object.entries(s.status)) {
      total.status[code] = (total.status[code] ?? 0) + n;
    }
    mergeDistribution(total.dur, s.dur);
  }
  endpoints.sort(byCountDesc((e) => [e.count, `${e.endpoint} ${e.method}`]));
  const { method: _m, endpoint: _e, ...totals } = usageOf('', '', total);
  return {
    totals: { ...totals, endpoints: endpoints.length },
    endpoints: endpoints.slice(0, limit),
  };
}

/** `GET /api/v1/analytics/api-usage`. */
export const apiUsageReport = report({
  route: 'GET /api/v1/analytics/api-usage',
  response: apiUsageResponse,
  query: v.object({
    project: projectParam,
    ...rangeParams,
    endpoint: textParam('Exact path, or a prefix ending in * (e.g. /v1/users*)', 200),
    method: v.optional(
      v.pipe(
        v.string(),
        v.regex(/^[A-Za-z]{1,16}$/, 'must be an HTTP method such as GET'),
        v.description('HTTP method (any case)'),
      ),
    ),
    limit: intParam(100, 1000, 'Endpoints listed'),
    latency: booleanParam(
      'Include latency percentiles (default true); false reads less, for a quick health view',
    ),
  }),
  run: async ({ deps, projectId, query }) => {
    const range = parseRange(query, deps.now());
    const { total } = await readRange(deps, projectId, range.days, {
      api: true,
      apiLatency: query.latency !== false,
    });
    return {
      project: projectId,
      range: rangeOut(range),
      ...apiUsage(total.api, { endpoint: query.endpoint, method: query.method }, query.limit),
    };
  },
  rows: (body: { endpoints: EndpointUsage[] }) =>
    body.endpoints.map(({ status, ...e }) => ({
      ...e,
      status: Object.entries(status)
        .map(([code, n]) => `${code}:${n}`)
        .join(' '),
    })),
});
