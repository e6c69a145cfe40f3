/**
 * What each admin endpoint answers, as valibot schemas: the OpenAPI document's response schemas
 * (output types), strict so that a field a report adds without saying so breaks the tests that
 * check served responses against the document. One place, so the answers of the whole admin
 * API read together; each report names its own.
 */
import * as v from 'valibot';
import { EVENT_TYPES } from '../model/events.ts';
import { SEGMENTS, type SegmentName } from '../model/segments.ts';
import { RANGES } from './range.ts';

// ---- pieces ----

export const count = v.pipe(v.number(), v.integer(), v.minValue(0));
export const nullableNumber = v.nullable(v.number());
export const nullableCount = v.nullable(count);
const instant = v.pipe(v.string(), v.metadata({ format: 'date-time' }));
export const day = v.pipe(v.string(), v.metadata({ format: 'date' }));
const counts = v.record(v.string(), count);
const dictionary = v.record(v.string(), v.unknown());
const cursor = v.pipe(
  v.nullable(v.string()),
  v.description('Pass as `cursor` for the next page; null on the last page'),
);

export const range = v.strictObject({
  name: v.picklist([...RANGES, 'custom']),
  from: day,
  to: day,
});

/** The body every report starts with. */
const scoped = { project: v.string(), range };

// ---- core and keys ----

export const summaryResponse = v.strictObject({
  project: v.string(),
  totalEvents: count,
  totalUsers: count,
  activeUsersToday: count,
  totalConversations: count,
  totalMessages: count,
  totalTokens: count,
  avgResponseTimeMs: nullableNumber,
  asOf: instant,
});

export const projectsResponse = v.strictObject({
  projects: v.array(
    v.strictObject({ projectId: v.string(), name: v.string(), createdAt: instant }),
  ),
});

const rateLimit = v.strictObject({
  requestsPerSecond: count,
  eventsPerSecond: count,
});

const writeKey = {
  keyId: v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/)),
  projectId: v.string(),
  prefix: v.string(),
  name: v.string(),
  kind: v.optional(
    v.pipe(
      v.picklist(['server', 'browser']),
      v.description('browser: page and track calls only (absent: server, any call)'),
    ),
  ),
  origins: v.optional(
    v.pipe(
      v.array(v.string()),
      v.description('The only origins (Origin header) the key is accepted from'),
    ),
  ),
  createdAt: instant,
  revokedAt: v.optional(instant),
  rateLimit: v.optional(rateLimit),
};

export const writeKeysResponse = v.strictObject({
  project: v.string(),
  keys: v.array(v.strictObject(writeKey)),
});

export const createdWriteKeyResponse = v.strictObject({
  ...writeKey,
  writeKey: v.pipe(v.string(), v.description('The secret: shown in this response only')),
});

export const revokedWriteKeyResponse = v.strictObject(writeKey);

export const rateLimitedWriteKeyResponse = v.strictObject(writeKey);

export const settingsResponse = v.strictObject({
  project: v.string(),
  retentionDays: count,
  retentionSource: v.picklist(['default', 'project']),
  rateLimit: v.pipe(
    v.nullable(rateLimit),
    v.description("null: each key's own limit, else the track function's defaults"),
  ),
});

const deletion = v.strictObject({
  id: v.string(),
  projectId: v.string(),
  userHash: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/), v.description('SHA-256 of the user id')),
  requestedBy: v.string(),
  requestedAt: instant,
  cutoff: v.pipe(v.string(), v.description('Data stored before this storage bucket is deleted')),
  status: v.picklist(['scheduled', 'deleting', 'repairing', 'done']),
  dueAt: v.pipe(count, v.description('When the next phase may run (epoch ms)')),
  finishedAt: v.optional(instant),
  deleted: v.strictObject({ rawEvents: count, facts: count, markers: count, profiles: count }),
  recreated: count,
  days: v.array(day),
});

export const deletionResponse = v.strictObject({ deletion });

export const deletionsResponse = v.strictObject({
  project: v.string(),
  deletions: v.array(deletion),
});

export const refreshResponse = v.strictObject({
  project: v.string(),
  days: v.array(
    v.strictObject({
      day,
      events: count,
      watermark: v.nullable(v.string()),
      correction: v.record(v.string(), v.number()),
    }),
  ),
  /** Days whose rebuild failed, with the error; every other day was rebuilt. */
  failed: v.array(v.strictObject({ day, error: v.string() })),
  tookMs: count,
});

// ---- rejections ----

/** A rejection code, as track answers it in `rejected[].code`. */
const rejectionCode = v.picklist(['invalid', 'too_large', 'too_many', 'bot']);
const rejectionCounts = v.record(v.string(), count);

export const rejectionsResponse = v.strictObject({
  ...scoped,
  /** Distinct rejected items of the range (a resend of one is not counted again). */
  total: count,
  byReason: v.pipe(rejectionCounts, v.description('Rejected items by code')),
  byWriteKey: v.array(
    v.strictObject({ keyId: v.string(), total: count, byReason: rejectionCounts }),
  ),
  samplesKeptDays: count,
  samples: v.array(
    v.strictObject({
      receivedAt: instant,
      keyId: v.string(),
      route: v.string(),
      index: count,
      code: rejectionCode,
      reason: v.string(),
      messageId: v.optional(v.string()),
      sample: v.pipe(
        v.string(),
        v.description(
          'What was sent, as JSON cut to 4 levels, 20 members, strings of 200 and 1,000 characters in all; credentials and IP addresses replaced by "[redacted]"',
        ),
      ),
    }),
  ),
});

// ---- usage ----

/** A figure against the previous period. */
export const metric = v.strictObject({
  value: nullableNumber,
  previous: nullableNumber,
  change: nullableNumber,
});

export const overviewResponse = v.strictObject({
  project: v.string(),
  range: v.strictObject({
    ...range.entries,
    previous: v.strictObject({ from: day, to: day }),
  }),
  totalEvents: metric,
  activeUsers: metric,
  newUsers: metric,
  conversations: metric,
  messages: metric,
  tokens: metric,
  avgResponseTimeMs: metric,
  apiCalls: metric,
  apiErrorRate: metric,
  errors: metric,
  peakUsage: v.pipe(
    v.strictObject({
      events: v.pipe(
        v.array(v.pipe(v.array(count), v.length(24))),
        v.length(7),
        v.description('events[weekday][hour]: Monday first, UTC hours 0–23, summed over the range'),
      ),
    }),
    v.description("Events per weekday and hour of the range (from the days' hourly aggregates)"),
  ),
});

export const dailyRow = v.strictObject({
  date: day,
  totalUsers: nullableCount,
  activeUsers: count,
  newUsers: count,
  totalConversations: count,
  totalMessages: count,
  totalTokens: count,
  totalApiCalls: count,
  apiErrors: count,
  avgResponseTimeMs: nullableNumber,
  p50ResponseTimeMs: nullableNumber,
  p95ResponseTimeMs: nullableNumber,
  responseTimeExact: v.boolean(),
  errorCount: count,
  events: count,
});

export const dailyStatsResponse = v.strictObject({
  ...scoped,
  totalUsersBefore: nullableCount,
  days: v.array(dailyRow),
});

export const eventCountsResponse = v.strictObject({
  ...scoped,
  totalEvents: count,
  byType: v.array(v.strictObject({ type: v.string(), count })),
  byName: v.array(v.strictObject({ name: v.string(), count })),
  distinctNames: count,
});

const percentiles = v.strictObject({
  count,
  avg: nullableNumber,
  p50: nullableNumber,
  p95: nullableNumber,
  p99: nullableNumber,
  exact: v.boolean(),
});

export const messagesResponse = v.strictObject({
  ...scoped,
  total: count,
  granularity: v.picklist(['day', 'week', 'month']),
  series: v.array(
    v.strictObject({ period: v.string(), from: day, to: day, messages: count, tokens: count }),
  ),
  peakHours: v.strictObject({
    byHour: v.pipe(v.array(count), v.length(24)),
    top: v.array(v.strictObject({ hour: v.pipe(count, v.maxValue(23)), messages: count })),
  }),
  responseTimeMs: percentiles,
  byRole: v.array(v.strictObject({ role: v.string(), messages: count })),
  byModel: v.array(v.strictObject({ model: v.string(), messages: count, tokens: count })),
});

const unpricedModels = v.array(v.string());

export const tokensResponse = v.strictObject({
  ...scoped,
  total: count,
  byModel: v.array(
    v.strictObject({
      model: v.string(),
      messages: count,
      tokens: count,
      inputTokens: count,
      outputTokens: count,
      cost: nullableNumber,
    }),
  ),
  cost: v.number(),
  unpricedModels,
  byUser: v.array(
    v.strictObject({ userId: v.string(), tokens: count, messages: count, events: count }),
  ),
  byConversation: v.array(
    v.strictObject({
      conversationId: v.string(),
      userId: v.nullable(v.string()),
      tokens: count,
      messages: count,
    }),
  ),
  forecast: v.strictObject({
    month: v.string(),
    daysInMonth: count,
    elapsedDays: v.number(),
    tokensSoFar: count,
    costSoFar: v.number(),
    tokens: count,
    cost: v.number(),
    unpricedModels,
  }),
});

const apiFigures = {
  count,
  errors: count,
  errorRate: nullableNumber,
  avgMs: nullableNumber,
  p50Ms: nullableNumber,
  p95Ms: nullableNumber,
  p99Ms: nullableNumber,
  latencyExact: v.boolean(),
  status: counts,
};

export const apiUsageResponse = v.strictObject({
  ...scoped,
  totals: v.strictObject({ ...apiFigures, endpoints: count }),
  endpoints: v.array(v.strictObject({ method: v.string(), endpoint: v.string(), ...apiFigures })),
});

// ---- people and things ----

const activity = v.strictObject({
  messageId: v.string(),
  userId: v.nullable(v.string()),
  anonymousId: v.nullable(v.string()),
  activityType: v.string(),
  type: v.string(),
  timestamp: instant,
});

export const activitiesResponse = v.strictObject({
  ...scoped,
  activities: v.array(activity),
  nextCursor: cursor,
});

const tallyEvent = v.strictObject({
  messageId: v.string(),
  projectId: v.string(),
  type: v.picklist(EVENT_TYPES),
  event: v.optional(v.string()),
  name: v.optional(v.string()),
  category: v.optional(v.string()),
  userId: v.optional(v.string()),
  anonymousId: v.optional(v.string()),
  groupId: v.optional(v.string()),
  previousId: v.optional(v.string()),
  timestamp: instant,
  originalTimestamp: v.optional(v.string()),
  sentAt: v.optional(v.string()),
  receivedAt: instant,
  properties: dictionary,
  traits: dictionary,
  context: dictionary,
});

export const eventsResponse = v.strictObject({
  ...scoped,
  events: v.array(tallyEvent),
  nextCursor: cursor,
});

export { SEGMENTS, type SegmentName };

/** A user's segment in the users reports, with `segments=true`. */
const userSegment = v.optional(
  v.pipe(
    v.nullable(v.picklist(SEGMENTS)),
    v.description(
      "With segments=true: the user's segment by user-segments' rules (null: no event in the range or the period before)",
    ),
  ),
);

const userRow = v.strictObject({
  userId: v.string(),
  events: count,
  messages: count,
  tokens: count,
  firstSeen: instant,
  lastSeen: instant,
  segment: userSegment,
});

const profileRow = v.strictObject({
  userId: v.string(),
  firstSeen: v.nullable(v.string()),
  traits: v.nullable(dictionary),
  segment: userSegment,
});

export const topUsersResponse = v.strictObject({
  ...scoped,
  totalUsers: count,
  users: v.array(userRow),
});

export const userListResponse = v.strictObject({
  project: v.string(),
  activeOnly: v.boolean(),
  range: v.optional(range),
  users: v.array(v.union([userRow, profileRow])),
  nextCursor: cursor,
});

const resourceRef = { type: v.string(), id: v.string() };

const conversationRow = v.strictObject({
  conversationId: v.string(),
  userId: v.nullable(v.string()),
  messages: count,
  tokens: count,
  avgResponseTimeMs: nullableNumber,
  status: v.string(),
  startedAt: v.nullable(instant),
  endedAt: v.nullable(instant),
  durationMs: v.number(),
  firstActivityAt: instant,
  lastActivityAt: instant,
  resources: v.array(v.strictObject(resourceRef)),
});

export const conversationsResponse = v.strictObject({
  ...scoped,
  conversations: v.array(conversationRow),
  nextCursor: cursor,
});

export const conversationResponse = v.strictObject({
  ...scoped,
  conversation: conversationRow,
  days: v.array(
    v.strictObject({
      day,
      messages: count,
      tokens: count,
      avgResponseTimeMs: nullableNumber,
      firstActivityAt: instant,
      lastActivityAt: instant,
    }),
  ),
});

const resourceFigures = {
  events: count,
  conversations: count,
  messages: count,
  tokens: count,
  avgResponseTimeMs: nullableNumber,
  errors: count,
  errorRate: nullableNumber,
  satisfaction: nullableNumber,
  ratings: count,
};

const resourceRow = v.strictObject({ ...resourceRef, ...resourceFigures });

export const topResourcesResponse = v.strictObject({
  ...scoped,
  type: v.nullable(v.string()),
  totalResources: count,
  resources: v.array(resourceRow),
});

export const resourceResponse = v.strictObject({
  ...scoped,
  resource: resourceRow,
  series: v.array(v.strictObject({ day, ...resourceFigures })),
});

// ---- insights ----

const label = v.picklist(['positive', 'negative', 'neutral', 'mixed', 'unknown']);

const insightTotals = {
  messages: count,
  scored: count,
  averageScore: nullableNumber,
  sentiment: v.strictObject({
    positive: count,
    negative: count,
    neutral: count,
    mixed: count,
    unknown: count,
  }),
  intents: counts,
};

export const messageInsightsResponse = v.strictObject({
  ...scoped,
  provider: v.string(),
  messages: v.array(
    v.strictObject({
      messageId: v.string(),
      conversationId: v.nullable(v.string()),
      channel: v.nullable(v.string()),
      userId: v.nullable(v.string()),
      role: v.nullable(v.string()),
      timestamp: instant,
      textLength: count,
      sentiment: v.strictObject({ label, score: nullableNumber }),
      intent: v.string(),
    }),
  ),
  conversations: v.array(v.strictObject({ conversationId: v.string(), ...insightTotals })),
  channels: v.array(v.strictObject({ channel: v.string(), ...insightTotals })),
  totals: v.strictObject(insightTotals),
  nextCursor: cursor,
});

// ---- composites ----

export const dashboardResponse = v.strictObject({
  project: v.string(),
  asOf: instant,
  summary: summaryResponse,
  overview: overviewResponse,
  daily: dailyStatsResponse,
  topUsers: topUsersResponse,
  recentActivity: activitiesResponse,
  api: apiUsageResponse,
  health: v.pipe(
    apiUsageResponse,
    v.description('API usage of the last 24 hours with latency percentiles (system health)'),
  ),
});

/** The dashboard's body: the one type web/ takes from the admin API (type only, no code). */
export type DashboardBody = v.InferOutput<typeof dashboardResponse>;

/** An export as JSON is the exported report's own body; as CSV, its main table. */
export const exportMedia = {
  'application/json': v.pipe(dictionary, v.description("The exported report's own body (json)")),
  'text/csv': v.pipe(v.string(), v.description("The report's main table (csv), UTF-8 with a BOM")),
};
