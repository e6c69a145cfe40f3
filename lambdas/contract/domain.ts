/**
 * Translators for the seed services' domain endpoints (`/v1/track/activity`, `…/api-usage`,
 * `…/conversation`, `…/message`, `/v1/events`): services that called a hand-written analytics
 * service keep their payloads, and each item becomes the `track` message a Segment client would
 * have sent. Size, depth and forbidden keys are checked on the raw item before this runs; the
 * track schema and normalisation run after it.
 */
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { describeRange, inRange, MEASURES, type Measure } from '../model/measures.ts';
import { ISO_DATE_TIME_JSON, parseIsoTime, TIME_RANGE } from '../model/time.ts';
import { finiteNumber, isRecord } from '../model/values.ts';
import { CONVERSATION_EVENTS, DOMAIN_EVENTS } from '../model/vocabulary.ts';

export type DomainEndpoint = 'activity' | 'api-usage' | 'conversation' | 'message' | 'event';

/** A Segment-style track message, before Tally's own validation and normalisation. */
export interface DomainMessage {
  event: string;
  userId?: string;
  anonymousId?: string;
  messageId?: string;
  timestamp?: string;
  properties: Record<string, unknown>;
  context?: Record<string, unknown>;
}

type Item = Record<string, unknown>;

/** How one field's value is checked and read: a valibot schema whose every message is `expected`. */
interface Kind<T> {
  schema: v.GenericSchema<unknown, T>;
  /** Ends the sentence "<field> must be …". */
  expected: string;
  /**
   * The JSON Schema of values the OpenAPI document promises: what `schema` takes, or a part of it
   * (numbers, not numbers in strings). The readers' transforms leave valibot's conversion nothing.
   */
  json: Readonly<Record<string, unknown>>;
}

const kind = <T>(
  expected: string,
  json: Kind<T>['json'],
  schema: (m: string) => v.GenericSchema<unknown, T>,
): Kind<T> => ({
  expected,
  json,
  schema: schema(expected),
});

/** A string with something in it once trimmed (a blank one counts as absent). */
const TEXT_JSON = { type: 'string', minLength: 1, pattern: '\\S' } as const;

/**
 * The spellings of a field, each with its kind; the first (snake) names it when it is missing.
 * Which spelling counts (the first the item carries) is this table's lookup; what a value must be
 * is valibot's, like every other payload the API takes.
 */
type Field<T> = Readonly<Record<string, Kind<T>>>;

/** Thrown by the readers and turned into `{ reason }` by `translate`: the first bad field wins. */
class Invalid extends Error {}

/** Milliseconds kept to the microsecond: finer is float noise from `time.time()` differences. */
const roundMs = (ms: number) => Math.round(ms * 1000) / 1000;

/** Below this an epoch number is seconds: 1e11 s is the year 5138, 1e11 ms is 1973. */
const EPOCH_SECONDS_BELOW = 1e11;

function isoTime(value: unknown): string | undefined {
  let ms: number;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value))) {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) return undefined;
    ms = Math.round(n < EPOCH_SECONDS_BELOW ? n * 1000 : n);
  } else if (typeof value === 'string' && value.length <= 64) {
    // A zoneless time is UTC, as the seeds mean it (parseIsoTime reads it so).
    ms = parseIsoTime(value) ?? Number.NaN;
  } else {
    return undefined;
  }
  return ms >= TIME_RANGE.min && ms <= TIME_RANGE.max ? new Date(ms).toISOString() : undefined;
}

/** A number, or one written in a string ("150"), as clients send them; else undefined. */
const loose = v.transform(finiteNumber);

const text = (max?: number): Kind<string> =>
  max === undefined
    ? kind('a string', TEXT_JSON, (m) => v.pipe(v.string(m), v.trim()))
    : kind(`a string of at most ${max} characters`, { ...TEXT_JSON, maxLength: max }, (m) =>
        v.pipe(v.string(m), v.trim(), v.maxLength(max, m)),
      );

const ID_JSON = { anyOf: [{ ...TEXT_JSON, maxLength: 256 }, { type: 'number' }] };
const ID = kind('a string of at most 256 characters or a number', ID_JSON, (m) =>
  v.union(
    [
      v.pipe(v.number(m), v.finite(m), v.transform(String)),
      v.pipe(v.string(m), v.trim(), v.maxLength(256, m)),
    ],
    m,
  ),
);

/**
 * A number within the range of measure `name` (model/measures.ts), in `unit` (`scale` of them
 * make one of the measure's), read in the measure's own unit.
 */
const within = (name: Measure, unit?: { name: string; scale: number }) => {
  const r = MEASURES[name];
  const scale = unit?.scale ?? 1;
  const expected = unit
    ? `a number of ${unit.name} from ${r.min / scale} to ${r.max / scale}`
    : describeRange(r);
  const json = {
    type: r.integer && !unit ? 'integer' : 'number',
    minimum: r.min / scale,
    maximum: r.max / scale,
  };
  return kind(expected, json, (m) =>
    v.pipe(
      v.unknown(),
      loose,
      v.number(m),
      v.transform((n) => (r.integer ? n : roundMs(n * scale))),
      v.check((n) => inRange(r, n), m),
    ),
  );
};

const COUNT = within('tokens');
const STATUS_CODE = within('statusCode');
/** A duration in seconds, read as milliseconds. */
const SECONDS = within('durationMs', { name: 'seconds', scale: 1000 });
const MILLIS = within('durationMs', { name: 'milliseconds', scale: 1 });

const OBJECT = kind('a JSON object', { type: 'object' }, (m) => v.custom<Item>(isRecord, m));

const TIME_JSON = { type: 'string', maxLength: 64, ...ISO_DATE_TIME_JSON };
const TIME = kind('an ISO-8601 date-time or epoch seconds or milliseconds', TIME_JSON, (m) =>
  v.pipe(v.unknown(), v.transform(isoTime), v.string(m)),
);

/** Picks from a fixed list, case-insensitively, through a table of synonyms. */
const oneOf = <T extends string>(synonyms: Readonly<Record<string, T>>, listed: string): Kind<T> =>
  kind(`one of ${listed}`, { type: 'string', enum: Object.keys(synonyms) }, (m) =>
    v.pipe(
      v.unknown(),
      v.transform((x) => (typeof x === 'string' ? x.trim().toLowerCase() : '')),
      v.picklist(Object.keys(synonyms), m),
      v.transform((key) => synonyms[key] as T),
    ),
  );

type Role = 'user' | 'assistant' | 'system' | 'tool';
const ROLE = oneOf<Role>(
  { user: 'user', assistant: 'assistant', system: 'system', tool: 'tool' },
  'user, assistant, system, tool',
);

type Action = 'created' | 'updated' | 'ended';
const ACTION = oneOf<Action>(
  { created: 'created', started: 'created', updated: 'updated', ended: 'ended', deleted: 'ended' },
  'created, updated, ended',
);

const aliases = <T>(kind: Kind<T>, ...keys: string[]): Field<T> =>
  Object.fromEntries(keys.map((key) => [key, kind]));

/** Snake `response_time` is seconds (seed 001), camel `responseTime` milliseconds (seed 002). */
const RESPONSE_TIME: Field<number> = {
  responseTimeMs: MILLIS,
  response_time_ms: MILLIS,
  response_time: SECONDS,
  responseTime: MILLIS,
};

/** Every field the translators read, by canonical name: the whole mapping in one table. */
const FIELDS = {
  userId: aliases(ID, 'user_id', 'userId'),
  anonymousId: aliases(ID, 'anonymous_id', 'anonymousId'),
  timestamp: aliases(TIME, 'timestamp'),
  context: aliases(OBJECT, 'context'),
  ip: aliases(text(), 'ip_address', 'ipAddress'),
  userAgent: aliases(text(), 'user_agent', 'userAgent'),
  // Honoured only where the item has no domain id to derive one from (activity, api-usage,
  // event); on /v1/track/message `messageId` is the chat message's own id.
  clientMessageId: aliases(text(200), 'messageId', 'idempotency_key', 'idempotencyKey'),

  activityType: aliases(text(100), 'activity_type', 'activityType'),
  username: aliases(text(), 'username'),
  extraData: aliases(OBJECT, 'extra_data', 'extraData'),

  endpoint: aliases(text(), 'endpoint'),
  method: aliases(text(), 'method'),
  statusCode: aliases(STATUS_CODE, 'status_code', 'statusCode'),
  durationMs: { durationMs: MILLIS, duration_ms: MILLIS, ...RESPONSE_TIME },

  conversationId: aliases(ID, 'conversation_id', 'conversationId'),
  action: aliases(ACTION, 'action'),
  status: aliases(text(), 'status'),
  messageCount: aliases(COUNT, 'message_count', 'messageCount'),
  totalTokens: aliases(COUNT, 'tokens', 'total_tokens', 'totalTokens'),
  avgResponseTimeMs: {
    avgResponseTimeMs: MILLIS,
    avg_response_time_ms: MILLIS,
    avg_response_time: SECONDS,
    avgResponseTime: MILLIS,
  },

  messageId: aliases(ID, 'message_id', 'messageId'),
  role: aliases(ROLE, 'role'),
  tokens: aliases(COUNT, 'tokens', 'token_count', 'tokenCount', 'total_tokens', 'totalTokens'),
  inputTokens: aliases(COUNT, 'input_tokens', 'inputTokens', 'prompt_tokens', 'promptTokens'),
  outputTokens: aliases(
    COUNT,
    'output_tokens',
    'outputTokens',
    'completion_tokens',
    'completionTokens',
  ),
  model: aliases(text(), 'model', 'model_used', 'modelUsed'),
  // The message text, kept so message insights can score its sentiment and intent.
  content: aliases(text(), 'content', 'text'),
  agentId: aliases(ID, 'agent_id', 'agentId'),
  responseTimeMs: { ...RESPONSE_TIME, durationMs: MILLIS, duration_ms: MILLIS },

  eventType: aliases(text(200), 'event_type', 'eventType', 'event'),
  eventData: aliases(OBJECT, 'event_data', 'eventData'),
  properties: aliases(OBJECT, 'properties'),
  resourceType: aliases(text(), 'resource_type', 'resourceType'),
  resourceId: aliases(ID, 'resource_id', 'resourceId'),
  channel: aliases(ID, 'channel_id', 'channelId', 'channel'),
  tenantId: aliases(ID, 'tenant_id', 'tenantId'),
} as const;

/**
 * Report fields a generic event's data may spell another way. They are filled in (numbers in
 * strings converted) when well-formed, so a `message.sent` posted to /v1/events counts exactly
 * like one from /v1/track/message; ill-formed ones are left as sent, since they are user data.
 */
const EVENT_REPORT_FIELDS = {
  tokens: FIELDS.tokens,
  inputTokens: FIELDS.inputTokens,
  outputTokens: FIELDS.outputTokens,
  model: FIELDS.model,
  statusCode: FIELDS.statusCode,
  responseTimeMs: RESPONSE_TIME,
  durationMs: aliases(MILLIS, 'durationMs', 'duration_ms'),
};

/** Resource and channel fields of a generic event: top level (strict), else its data (lenient). */
const EVENT_SCOPE_FIELDS = {
  resourceType: FIELDS.resourceType,
  resourceId: FIELDS.resourceId,
  channel: FIELDS.channel,
  tenantId: FIELDS.tenantId,
};

/** The first spelling of `field` the item carries; null and "" count as absent (Python's None). */
function pick<T>(
  item: Item,
  field: Field<T>,
): { key: string; kind: Kind<T>; value: unknown } | undefined {
  for (const [key, kind] of Object.entries(field)) {
    const value = Object.hasOwn(item, key) ? item[key] : undefined;
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' && value.trim() === '') continue;
    return { key, kind, value };
  }
  return undefined;
}

/** An optional field: its value, undefined when absent, a rejection naming the key if ill-typed. */
function read<T>(item: Item, field: Field<T>): T | undefined {
  const found = pick(item, field);
  if (!found) return undefined;
  const parsed = v.safeParse(found.kind.schema, found.value);
  if (!parsed.success) throw new Invalid(`${found.key} must be ${found.kind.expected}`);
  return parsed.output;
}

function need<T>(item: Item, field: Field<T>): T {
  const value = read(item, field);
  if (value === undefined) throw new Invalid(`${Object.keys(field)[0]} is required`);
  return value;
}

/** Like `read`, for data the client owns: an ill-formed value is not an error, just not used. */
function peek<T>(item: Item, field: Field<T>): T | undefined {
  const found = pick(item, field);
  if (!found) return undefined;
  const parsed = v.safeParse(found.kind.schema, found.value);
  return parsed.success ? parsed.output : undefined;
}

/** Drops the canonical fields the item did not carry. */
const defined = (p: Item): Item =>
  Object.fromEntries(Object.entries(p).filter(([, value]) => value !== undefined));

const MAX_MESSAGE_ID = 200;

/**
 * A messageId derived from domain ids, so a retried fire-and-forget call is counted once. `:` and
 * `%` inside parts are escaped so two different id pairs never meet; over the 200 characters a
 * messageId may have, the ids are hashed.
 */
function stableId(event: string, ...ids: string[]): string {
  const id = [event, ...ids.map((p) => p.replace(/[%:]/g, encodeURIComponent))].join(':');
  if (id.length <= MAX_MESSAGE_ID) return id;
  return `${event}:${createHash('sha256').update(JSON.stringify(ids)).digest('hex')}`;
}

/** What an endpoint decides; identity, time and context are read the same way for all. */
interface Translated {
  event: string;
  properties: Item;
  messageId?: string | undefined;
  /** A user found elsewhere than `user_id`/`userId`, which win over it. */
  userId?: string | undefined;
}

function activity(item: Item): Translated {
  const type = need(item, FIELDS.activityType);
  return {
    // Always `activity.<type>`, never `conversation.started` or `message.sent` even for
    // conversation_started / message_sent: services send the activity next to the conversation
    // or message call for the same action, and only those must reach the report counters.
    event: `activity.${type}`,
    properties: {
      ...read(item, FIELDS.extraData),
      ...defined({ username: read(item, FIELDS.username) }),
    },
    messageId: read(item, FIELDS.clientMessageId),
  };
}

function apiUsage(item: Item): Translated {
  return {
    event: DOMAIN_EVENTS.apiRequest,
    properties: defined({
      endpoint: need(item, FIELDS.endpoint),
      method: need(item, FIELDS.method).toUpperCase(),
      statusCode: need(item, FIELDS.statusCode),
      durationMs: read(item, FIELDS.durationMs),
    }),
    messageId: read(item, FIELDS.clientMessageId),
  };
}

/** The conversation event of each action the endpoint accepts. */
const ACTION_EVENTS: Record<Action, string> = {
  created: CONVERSATION_EVENTS.started,
  updated: CONVERSATION_EVENTS.updated,
  ended: CONVERSATION_EVENTS.ended,
};
/** Statuses that mean the conversation is over (seed 001 marks a deleted one `deleted`). */
const ENDED_STATUSES = new Set(['deleted', 'ended']);

function conversation(item: Item): Translated {
  const conversationId = need(item, FIELDS.conversationId);
  const status = read(item, FIELDS.status);
  const action =
    read(item, FIELDS.action) ??
    (status !== undefined && ENDED_STATUSES.has(status.toLowerCase()) ? 'ended' : 'updated');
  const event = ACTION_EVENTS[action];
  return {
    event,
    properties: defined({
      conversationId,
      messageCount: read(item, FIELDS.messageCount),
      tokens: read(item, FIELDS.totalTokens),
      status,
      avgResponseTimeMs: read(item, FIELDS.avgResponseTimeMs),
    }),
    // A conversation starts and ends once, so a retry must not count again; updates repeat
    // legitimately and each gets a fresh id.
    messageId: action === 'updated' ? undefined : stableId(event, conversationId),
  };
}

function message(item: Item): Translated {
  const messageId = need(item, FIELDS.messageId);
  const conversationId = need(item, FIELDS.conversationId);
  return {
    event: DOMAIN_EVENTS.messageSent,
    properties: defined({
      messageId,
      conversationId,
      role: read(item, FIELDS.role),
      tokens: read(item, FIELDS.tokens),
      model: read(item, FIELDS.model),
      responseTimeMs: read(item, FIELDS.responseTimeMs),
      inputTokens: read(item, FIELDS.inputTokens),
      outputTokens: read(item, FIELDS.outputTokens),
      content: read(item, FIELDS.content),
      channel: read(item, FIELDS.channel),
      agentId: read(item, FIELDS.agentId),
    }),
    // Scoped by conversation: some services number messages per conversation.
    messageId: stableId(DOMAIN_EVENTS.messageSent, conversationId, messageId),
  };
}

function genericEvent(item: Item): Translated {
  const event = need(item, FIELDS.eventType);
  const data = { ...read(item, FIELDS.eventData), ...read(item, FIELDS.properties) };
  const properties: Item = { ...data };
  for (const [name, field] of Object.entries(EVENT_REPORT_FIELDS)) {
    const value = peek<unknown>(data, field);
    if (value !== undefined) properties[name] = value;
  }
  for (const [name, field] of Object.entries(EVENT_SCOPE_FIELDS)) {
    const value = read<unknown>(item, field) ?? peek<unknown>(data, field);
    if (value !== undefined) properties[name] = value;
  }
  return {
    event,
    properties,
    messageId: read(item, FIELDS.clientMessageId),
    // Seed 003 puts the user inside event_data.
    userId: peek(data, FIELDS.userId),
  };
}

type FieldName = keyof typeof FIELDS;

/**
 * The fields each endpoint reads, as its translator above reads them (`need` and `read`), for
 * the OpenAPI document; the property-based OpenAPI test sends what this says and fails on any
 * item refused. Every endpoint also reads the user, time and context fields (COMMON_FIELDS).
 */
const ENDPOINT_FIELDS: Record<DomainEndpoint, { need: FieldName[]; read: FieldName[] }> = {
  activity: { need: ['activityType'], read: ['extraData', 'username', 'clientMessageId'] },
  'api-usage': {
    need: ['endpoint', 'method', 'statusCode'],
    read: ['durationMs', 'clientMessageId'],
  },
  conversation: {
    need: ['conversationId'],
    read: ['action', 'status', 'messageCount', 'totalTokens', 'avgResponseTimeMs'],
  },
  message: {
    need: ['messageId', 'conversationId'],
    read: [
      'role',
      'tokens',
      'model',
      'responseTimeMs',
      'inputTokens',
      'outputTokens',
      'content',
      'channel',
      'agentId',
    ],
  },
  // tenant_id is left out: it must name the key's own project (403 otherwise).
  event: {
    need: ['eventType'],
    read: ['eventData', 'properties', 'clientMessageId', 'resourceType', 'resourceId', 'channel'],
  },
};
const COMMON_FIELDS: FieldName[] = [
  'userId',
  'anonymousId',
  'timestamp',
  'context',
  'ip',
  'userAgent',
];

/**
 * The JSON Schema of one item of `endpoint`: every spelling of every field it reads, each with
 * its kind's schema; a needed field required in its first (snake) spelling. Other spellings of a
 * needed field are taken too; the document promises the first.
 */
export function domainJsonSchema(endpoint: DomainEndpoint): Record<string, unknown> {
  const { need, read } = ENDPOINT_FIELDS[endpoint];
  const properties: Record<string, unknown> = {};
  for (const name of [...need, ...read, ...COMMON_FIELDS]) {
    for (const [spelling, k] of Object.entries(FIELDS[name] as Field<unknown>)) {
      if (spelling in properties) throw new Error(`${endpoint}: ${spelling} is read twice`);
      properties[spelling] = k.json;
    }
  }
  return {
    type: 'object',
    properties,
    required: need.map((name) => Object.keys(FIELDS[name])[0] as string),
  };
}

const TRANSLATORS: Record<DomainEndpoint, (item: Item) => Translated> = {
  activity,
  'api-usage': apiUsage,
  conversation,
  message,
  event: genericEvent,
};

/** Maps one item posted to a domain endpoint onto a track message, or explains why it cannot. */
export function translate(
  endpoint: DomainEndpoint,
  item: Record<string, unknown>,
): DomainMessage | { reason: string } {
  try {
    const translated = TRANSLATORS[endpoint](item);
    const out: DomainMessage = { event: translated.event, properties: translated.properties };
    const userId = read(item, FIELDS.userId) ?? translated.userId;
    if (userId !== undefined) out.userId = userId;
    const anonymousId = read(item, FIELDS.anonymousId);
    if (anonymousId !== undefined) out.anonymousId = anonymousId;
    if (translated.messageId !== undefined) out.messageId = translated.messageId;
    const timestamp = read(item, FIELDS.timestamp);
    if (timestamp !== undefined) out.timestamp = timestamp;

    // The service forwards its own caller's address and agent; they win over a generic context.
    const context = {
      ...read(item, FIELDS.context),
      ...defined({ ip: read(item, FIELDS.ip), userAgent: read(item, FIELDS.userAgent) }),
    };
    if (Object.keys(context).length > 0) out.context = context;
    return out;
  } catch (error) {
    if (error instanceof Invalid) return { reason: error.message };
    throw error;
  }
}
