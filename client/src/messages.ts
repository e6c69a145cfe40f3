/**
 * The calls a service makes, and the Segment messages they become. The domain calls (`activity`,
 * `apiUsage`, `conversation`, `message`) produce exactly the `track` events Tally's domain
 * endpoints produce for the same payload (docs/tracking.md "Domain endpoints"), messageIds
 * included, so a message tracked here and through `/v1/track/message` is counted once.
 */

/** An id as Segment accepts it: a string, or a number (sent as a string). */
export type Id = string | number;

/** Who did it. Every call but the server-side domain calls and `track` needs one of the two. */
export interface Identity {
  userId?: Id | null | undefined;
  anonymousId?: Id | null | undefined;
}

/** Fields every call takes. */
export interface CommonFields extends Identity {
  /** When it happened. @default the time of the call */
  timestamp?: Date | string | undefined;
  /** Merged into the message's `context` (Segment's `context` object). */
  context?: Record<string, unknown> | undefined;
}

/** A Segment `track` call. */
export interface TrackCall extends CommonFields {
  event: string;
  properties?: Record<string, unknown> | undefined;
  /** Tally's dedupe key; generated (a random UUID) when absent. */
  messageId?: string | undefined;
}

/** A Segment `identify` call: traits of a user. */
export interface IdentifyCall extends CommonFields {
  traits?: Record<string, unknown> | undefined;
  messageId?: string | undefined;
}

/** A Segment `page` call. */
export interface PageCall extends CommonFields {
  name?: string | undefined;
  category?: string | undefined;
  /** `url`, `path`, `referrer`, `search`, `title`, or anything else. */
  properties?: Record<string, unknown> | undefined;
  messageId?: string | undefined;
}

/** A user did something: becomes the event `activity.<type>`. */
export interface ActivityCall extends CommonFields {
  /** `login`, `logout`, `registration`, … (1–100 characters). */
  type: string;
  username?: string | undefined;
  /** Extra properties (the seed's `extra_data`); `username` wins over a key of the same name. */
  properties?: Record<string, unknown> | undefined;
  /** The address of the service's own caller (stored truncated or hashed by Tally). */
  ip?: string | undefined;
  /** The user agent of the service's own caller. */
  userAgent?: string | undefined;
  messageId?: string | undefined;
}

/** One API call the service answered: becomes `api.request`. No user is needed. */
export interface ApiUsageCall extends CommonFields {
  /** The route template (`/users/:id`), not the raw path: ids would explode the endpoint list. */
  endpoint: string;
  method: string;
  statusCode: number;
  durationMs?: number | undefined;
  messageId?: string | undefined;
}

/** What happened to a conversation. `started` and `deleted` mean `created` and `ended`. */
export type ConversationAction = 'created' | 'started' | 'updated' | 'ended' | 'deleted';

/** A conversation was created, updated or ended. */
export interface ConversationCall extends CommonFields {
  conversationId: Id;
  /**
   * `created` → `conversation.started`, `ended` → `conversation.ended`, `updated` →
   * `conversation.updated`. @default `ended` when `status` is `deleted` or `ended`, else `updated`
   */
  action?: ConversationAction | undefined;
  status?: string | undefined;
  messageCount?: number | undefined;
  tokens?: number | undefined;
  avgResponseTimeMs?: number | undefined;
}

/** One chat message: becomes `message.sent`, counted in the message and token reports. */
export interface MessageCall extends CommonFields {
  /** The chat message's own id (not the Segment messageId, which is derived from it). */
  messageId: Id;
  conversationId: Id;
  role?: 'user' | 'assistant' | 'system' | 'tool' | undefined;
  /** Total tokens; without it, Tally counts input + output tokens. */
  tokens?: number | undefined;
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  /** Input tokens served from the provider's prompt cache (part of `inputTokens`). */
  cachedTokens?: number | undefined;
  model?: string | undefined;
  responseTimeMs?: number | undefined;
  /** The message text, scored for sentiment and intent by Tally's insights report. */
  content?: string | undefined;
  channel?: Id | undefined;
  agentId?: Id | undefined;
}

/** Where a message goes: `/v1/batch`, or `/v1/events/bulk` for a `track` without a user. */
export type Route = 'batch' | 'events';

/** A call, built into the Segment message Tally receives. */
export interface Built {
  message: Record<string, unknown>;
  route: Route;
  /** Set when the derived messageId is too long and must be hashed (asynchronously) first. */
  hashId?: { event: string; ids: string[] };
}

/** A call the client cannot send: reported through `onDrop` with reason `invalid`. */
export class InvalidCall extends Error {}

/** The longest messageId Tally accepts. */
const MAX_MESSAGE_ID = 200;

const newId = () => globalThis.crypto.randomUUID();

/** An id as Tally reads it: trimmed, numbers as strings; empty means absent. */
function idOf(value: Id | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
  const s = String(value).trim();
  return s === '' ? undefined : s;
}

function required(value: Id | null | undefined, field: string): string {
  const id = idOf(value);
  if (id === undefined) throw new InvalidCall(`${field} is required`);
  return id;
}

/** The ISO time of the current second, kept: most calls fall in the same second as the last. */
let second = Number.NaN;
let secondIso = '';

/** Now as an ISO time: `new Date().toISOString()` for a quarter of its cost. */
export function nowIso(): string {
  const ms = Date.now();
  const s = Math.floor(ms / 1000);
  if (s !== second) {
    second = s;
    secondIso = new Date(s * 1000).toISOString().slice(0, -4);
  }
  const frac = ms - s * 1000;
  return `${secondIso}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}

function isoTime(value: Date | string | undefined): string {
  if (value === undefined) return nowIso();
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new InvalidCall('timestamp is an invalid Date');
    return value.toISOString();
  }
  return value;
}

/** Drops the fields that are undefined, so the message carries only what was given. */
function defined(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) if (fields[key] !== undefined) out[key] = fields[key];
  return out;
}

/** Milliseconds to the microsecond, as Tally stores them. */
export const roundMs = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * Identity, time and context, shared by every call; the route follows from the identity: Tally's
 * `/v1/batch` wants a user on every message, `/v1/events/bulk` takes server-side events without.
 */
function envelope(
  type: string,
  call: CommonFields,
  messageId: string | undefined,
  anonymousAllowed: boolean,
): { message: Record<string, unknown>; route: Route } {
  const userId = idOf(call.userId);
  const anonymousId = idOf(call.anonymousId);
  if (userId === undefined && anonymousId === undefined && !anonymousAllowed) {
    throw new InvalidCall('userId or anonymousId is required');
  }
  const route: Route = userId === undefined && anonymousId === undefined ? 'events' : 'batch';
  // Built field by field (not `defined({...})`): this runs for every request the middleware sees.
  const message: Record<string, unknown> = {};
  if (route === 'batch') message.type = type;
  if (userId !== undefined) message.userId = userId;
  if (anonymousId !== undefined) message.anonymousId = anonymousId;
  message.messageId = messageId ?? newId();
  message.timestamp = isoTime(call.timestamp);
  if (call.context !== undefined) message.context = call.context;
  return { message, route };
}

function named(value: string, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new InvalidCall(`${field} is required`);
  const trimmed = value.trim();
  if (trimmed.length > max) throw new InvalidCall(`${field} is longer than ${max} characters`);
  return trimmed;
}

export function buildTrack(call: TrackCall): Built {
  const event = named(call.event, 'event', 200);
  const { message, route } = envelope('track', call, call.messageId, true);
  return { message: { ...message, event, properties: call.properties ?? {} }, route };
}

export function buildIdentify(call: IdentifyCall): Built {
  const { message, route } = envelope('identify', call, call.messageId, false);
  return { message: { ...message, traits: call.traits ?? {} }, route };
}

export function buildPage(call: PageCall): Built {
  const { message, route } = envelope('page', call, call.messageId, false);
  return {
    message: {
      ...message,
      ...defined({ name: call.name, category: call.category }),
      properties: call.properties ?? {},
    },
    route,
  };
}

/** A domain call: a `track` event; a user is optional, as on Tally's domain endpoints. */
function domainTrack(
  call: CommonFields,
  event: string,
  properties: Record<string, unknown>,
  messageId: string | undefined,
  extraContext?: Record<string, unknown>,
): Built {
  const withContext =
    extraContext && Object.keys(extraContext).length > 0
      ? { ...call, context: { ...call.context, ...extraContext } }
      : call;
  const built = envelope('track', withContext, messageId, true);
  built.message.event = event;
  built.message.properties = properties;
  return built;
}

export function buildActivity(call: ActivityCall): Built {
  const type = named(call.type, 'type', 100);
  return domainTrack(
    call,
    `activity.${type}`,
    { ...call.properties, ...defined({ username: call.username }) },
    call.messageId,
    defined({ ip: call.ip, userAgent: call.userAgent }),
  );
}

export function buildApiUsage(call: ApiUsageCall): Built {
  if (!Number.isInteger(call.statusCode) || call.statusCode < 100 || call.statusCode > 599) {
    throw new InvalidCall('statusCode must be an integer between 100 and 599');
  }
  const properties: Record<string, unknown> = {
    endpoint: named(call.endpoint, 'endpoint', 8192),
    method: named(call.method, 'method', 32).toUpperCase(),
    statusCode: call.statusCode,
  };
  if (call.durationMs !== undefined) properties.durationMs = roundMs(call.durationMs);
  return domainTrack(call, 'api.request', properties, call.messageId);
}

/** A number as `JSON.stringify` writes it: `null` for NaN and ±Infinity. */
const jsonNumber = (n: number) => (Number.isFinite(n) ? String(n) : 'null');

/**
 * `buildApiUsage(call)`'s message as the text `JSON.stringify` writes for it, byte for byte, with
 * `contextJson` (the client's context, serialized) as its `context` on the `events` route, made
 * without building the message: the middleware makes such a call for every request a service
 * answers. Only for what the middleware sends (no messageId, timestamp, context or anonymousId)
 * and only when valid; undefined otherwise (a call whose fields throw, a BigInt duration,
 * included), and then the general path builds the message, and checks and reports it, as for any
 * call. test/client/messages.test.ts holds the two paths equal.
 */
export function apiUsageJson(
  call: ApiUsageCall,
  contextJson: string,
): { json: string; route: Route } | undefined {
  try {
    return writeApiUsage(call, contextJson);
  } catch {
    return undefined;
  }
}

function writeApiUsage(
  call: ApiUsageCall,
  contextJson: string,
): { json: string; route: Route } | undefined {
  const { endpoint, method, statusCode, durationMs } = call;
  if (
    call.messageId !== undefined ||
    call.timestamp !== undefined ||
    call.context !== undefined ||
    (call.anonymousId !== undefined && call.anonymousId !== null) ||
    typeof endpoint !== 'string' ||
    typeof method !== 'string' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return undefined;
  }
  const template = endpoint.trim();
  const verb = method.trim();
  if (template === '' || template.length > 8192 || verb === '' || verb.length > 32) {
    return undefined;
  }
  const userId = idOf(call.userId);
  const duration =
    durationMs === undefined ? '' : `,"durationMs":${jsonNumber(roundMs(durationMs))}`;
  const fields = `"messageId":"${newId()}","timestamp":"${nowIso()}","event":"api.request","properties":{"endpoint":${JSON.stringify(template)},"method":${JSON.stringify(verb.toUpperCase())},"statusCode":${statusCode}${duration}}`;
  return userId === undefined
    ? { json: `{${fields},"context":${contextJson}}`, route: 'events' }
    : { json: `{"type":"track","userId":${JSON.stringify(userId)},${fields}}`, route: 'batch' };
}

const ACTIONS: Record<ConversationAction, 'created' | 'updated' | 'ended'> = {
  created: 'created',
  started: 'created',
  updated: 'updated',
  ended: 'ended',
  deleted: 'ended',
};
const CONVERSATION_EVENTS = {
  created: 'conversation.started',
  updated: 'conversation.updated',
  ended: 'conversation.ended',
} as const;

export function buildConversation(call: ConversationCall): Built {
  const conversationId = required(call.conversationId, 'conversationId');
  const status = call.status?.trim() || undefined;
  const lowered = status?.toLowerCase();
  const action = call.action
    ? Object.hasOwn(ACTIONS, call.action)
      ? ACTIONS[call.action]
      : undefined
    : lowered === 'deleted' || lowered === 'ended'
      ? 'ended'
      : 'updated';
  if (action === undefined) throw new InvalidCall('action must be one of created, updated, ended');
  const event = CONVERSATION_EVENTS[action];
  const properties = defined({
    conversationId,
    messageCount: call.messageCount,
    tokens: call.tokens,
    status,
    avgResponseTimeMs:
      call.avgResponseTimeMs === undefined ? undefined : roundMs(call.avgResponseTimeMs),
  });
  // A conversation starts and ends once, so a repeat must not count again; updates each count.
  return action === 'updated'
    ? domainTrack(call, event, properties, undefined)
    : stable(domainTrack(call, event, properties, undefined), event, [conversationId]);
}

export function buildMessage(call: MessageCall): Built {
  const messageId = required(call.messageId, 'messageId');
  const conversationId = required(call.conversationId, 'conversationId');
  const properties = defined({
    messageId,
    conversationId,
    role: call.role,
    tokens: call.tokens,
    model: call.model,
    responseTimeMs: call.responseTimeMs === undefined ? undefined : roundMs(call.responseTimeMs),
    inputTokens: call.inputTokens,
    outputTokens: call.outputTokens,
    cachedTokens: call.cachedTokens,
    content: call.content,
    channel: idOf(call.channel),
    agentId: idOf(call.agentId),
  });
  // Scoped by conversation, as Tally's /v1/track/message derives it.
  const event = 'message.sent';
  return stable(domainTrack(call, event, properties, undefined), event, [
    conversationId,
    messageId,
  ]);
}

/**
 * Gives a built message the messageId Tally's domain endpoints derive from the same ids:
 * `event:id…`, with `%` and `:` inside ids escaped; over 200 characters, `event:` + the SHA-256
 * of the ids' JSON, which the client computes (asynchronously) before sending.
 */
function stable(built: Built, event: string, ids: string[]): Built {
  const id = [event, ...ids.map((p) => p.replace(/[%:]/g, encodeURIComponent))].join(':');
  if (id.length <= MAX_MESSAGE_ID)
    return { ...built, message: { ...built.message, messageId: id } };
  return { ...built, hashId: { event, ids } };
}

/** The messageId of a `hashId`: `event:` + hex SHA-256 of the ids' JSON. */
export async function hashedId({ event, ids }: { event: string; ids: string[] }): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(JSON.stringify(ids)),
  );
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${event}:${hex}`;
}
