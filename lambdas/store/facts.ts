/**
 * A fact is the compact record of one event that every report is computed from: the ingest writes
 * the facts of newly stored events to the fact log (the live layer), and the rollup derives the
 * same facts from raw events (the rebuilt layer). One function, `factOf`, makes both, so live and
 * rebuilt figures cannot disagree about what an event means. Fields have readable names here;
 * fact-codec.ts stores them under short codes.
 */
import type { EventType, TallyEvent } from '../model/events.ts';
import { actorOf } from '../model/events.ts';
import { measured } from '../model/measures.ts';
import {
  CONVERSATION_EVENTS,
  type ConversationAction,
  DOMAIN_EVENTS,
  PRODUCT_EVENTS,
} from '../model/vocabulary.ts';
import { type Capture, keptProperties, type PropertyValue } from './properties.ts';

export interface Fact {
  /** The event's messageId. */
  id: string;
  /** The event's timestamp, epoch ms. */
  time: number;
  type: EventType;
  /** The event name (track), or the page/screen name. */
  name?: string;
  /** userId, or `anon:<anonymousId>`. */
  actor?: string;
  /** Messages and conversation events. */
  conversationId?: string;
  // Resources: an explicit resourceType/resourceId, and agent, channel, workflow ids
  resourceType?: string;
  resourceId?: string;
  agentId?: string;
  channel?: string;
  workflowId?: string;
  // Messages (message.sent)
  tokens?: number;
  inputTokens?: number;
  outputTokens?: number;
  model?: string;
  role?: string;
  responseTimeMs?: number;
  // Conversation events
  conversationAction?: ConversationAction;
  /** The conversation's status, as reported. */
  conversationStatus?: string;
  // API calls (api.request)
  endpoint?: string;
  method?: string;
  statusCode?: number;
  durationMs?: number;
  /** The rating of a feedback.submitted event. */
  rating?: number;
  /** An `*.error`/`*.failed` event, `properties.error: true`, or an API 5xx. */
  error?: true;
  /** An experiment exposure (`experiment.exposure`): the experiment and the variant shown. */
  experimentId?: string;
  variant?: string;
  // Web traffic (store/web.ts): a page's path, external referrer host and UTM tags; the
  // browser, OS and device type its user agent names (page and track calls).
  path?: string;
  referrerHost?: string;
  utmSource?: string;
  utmMedium?: string;
  utmCampaign?: string;
  browser?: string;
  os?: string;
  device?: string;
  /**
   * The properties the project's filters and breakdowns name for this event (properties.ts), as
   * kept when it was counted: null for one it did not carry. Absent when none were declared then.
   */
  props?: Record<string, PropertyValue>;
  /** Its labels past the day's cap (store/labels.ts): it is counted under "(other)" for them. */
  capped?: LabelKind[];
}

/** The kinds of label a fact carries, each capped per project and day (store/labels.ts). */
export type LabelKind =
  | 'name'
  | 'model'
  | 'role'
  | 'endpoint'
  | 'resource'
  | 'agent'
  | 'channel'
  | 'workflow';

/** The label a fact is counted under when its own was past the cap. */
export const OTHER_LABEL = '(other)';

/** Event names with a meaning in the reports: always kept, never counted against a cap. */
const VOCABULARY = new Set<string>(Object.values(DOMAIN_EVENTS));

/** The labels of a fact, by kind (a kind the fact does not have is absent). */
export function labelsOf(f: Fact): Partial<Record<LabelKind, string>> {
  const out: Partial<Record<LabelKind, string>> = {};
  if (f.name !== undefined && !VOCABULARY.has(f.name)) out.name = f.name;
  if (f.model !== undefined) out.model = f.model;
  if (f.role !== undefined) out.role = f.role;
  if (f.endpoint !== undefined || f.method !== undefined) {
    out.endpoint = `${f.method ?? ''} ${f.endpoint ?? ''}`;
  }
  if (f.resourceType !== undefined && f.resourceId !== undefined) {
    out.resource = `${f.resourceType}#${f.resourceId}`;
  }
  if (f.agentId !== undefined) out.agent = f.agentId;
  if (f.channel !== undefined) out.channel = f.channel;
  if (f.workflowId !== undefined) out.workflow = f.workflowId;
  return out;
}

/**
 * The fact as it is counted: each label past the cap (`capped`) replaced by "(other)". Every
 * aggregation (contributions.ts, aggregate.ts) reads facts through this; listings show a fact
 * as it was sent.
 */
export function counted(f: Fact): Fact {
  if (!f.capped?.length) return f;
  const out: Fact = { ...f };
  for (const kind of f.capped) {
    switch (kind) {
      case 'name':
      case 'model':
      case 'role':
        out[kind] = OTHER_LABEL;
        break;
      case 'endpoint':
        out.endpoint = OTHER_LABEL;
        out.method = OTHER_LABEL;
        break;
      case 'resource':
        out.resourceType = OTHER_LABEL;
        out.resourceId = OTHER_LABEL;
        break;
      case 'agent':
        out.agentId = OTHER_LABEL;
        break;
      case 'channel':
        out.channel = OTHER_LABEL;
        break;
      case 'workflow':
        out.workflowId = OTHER_LABEL;
        break;
    }
  }
  return out;
}

/** Longest string kept in a fact (names, ids, endpoints): facts are small by design. */
const MAX_TEXT = 200;

function str(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  return s ? s.slice(0, MAX_TEXT) : undefined;
}

/** Token count of a message: `tokens`, else input + output tokens. */
export function tokensOf(p: Record<string, unknown>): number | undefined {
  const total = measured('tokens', p.tokens);
  if (total !== undefined) return total;
  const input = measured('inputTokens', p.inputTokens);
  const output = measured('outputTokens', p.outputTokens);
  if (input === undefined && output === undefined) return undefined;
  return (input ?? 0) + (output ?? 0);
}

/** API paths are grouped as sent; a trailing slash is not a different endpoint. */
export function normalizeEndpoint(path: string): string {
  const p = path.split('?')[0] ?? path;
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/** The fact of an event; `capture` names the properties kept per event name (properties.ts). */
export function factOf(e: TallyEvent, capture?: Capture): Fact {
  // Fields are set in a fixed order: it is the order they are stored in (fact-codec.ts).
  const f: Fact = { id: e.messageId, time: Date.parse(e.timestamp), type: e.type };
  const name = str(e.event ?? e.name);
  if (name) f.name = name;
  const actor = actorOf(e);
  if (actor) f.actor = actor;
  const p = e.properties ?? {};

  const conversationId = str(p.conversationId ?? p.conversation_id);
  if (conversationId) f.conversationId = conversationId;
  const resourceType = str(p.resourceType);
  const resourceId = str(p.resourceId);
  if (resourceType && resourceId) {
    f.resourceType = resourceType;
    f.resourceId = resourceId;
  }
  const agentId = str(p.agentId);
  if (agentId) f.agentId = agentId;
  const channel = str(p.channel ?? p.channelId);
  if (channel) f.channel = channel;
  const workflowId = str(p.workflowId);
  if (workflowId) f.workflowId = workflowId;

  if (e.type === 'track') {
    switch (e.event) {
      case DOMAIN_EVENTS.messageSent: {
        const tokens = tokensOf(p);
        if (tokens !== undefined && tokens > 0) f.tokens = tokens;
        const inputTokens = measured('inputTokens', p.inputTokens);
        if (inputTokens !== undefined && inputTokens > 0) f.inputTokens = inputTokens;
        const outputTokens = measured('outputTokens', p.outputTokens);
        if (outputTokens !== undefined && outputTokens > 0) f.outputTokens = outputTokens;
        const model = str(p.model);
        if (model) f.model = model;
        const role = str(p.role);
        if (role) f.role = role.toLowerCase();
        const responseTimeMs = measured('responseTimeMs', p.responseTimeMs);
        if (responseTimeMs !== undefined && responseTimeMs >= 0) f.responseTimeMs = responseTimeMs;
        break;
      }
      case CONVERSATION_EVENTS.started:
        f.conversationAction = 'started';
        break;
      case CONVERSATION_EVENTS.updated:
        f.conversationAction = 'updated';
        break;
      case CONVERSATION_EVENTS.ended:
        f.conversationAction = 'ended';
        break;
      case DOMAIN_EVENTS.apiRequest: {
        const endpoint = str(p.endpoint);
        if (endpoint) f.endpoint = normalizeEndpoint(endpoint);
        const method = str(p.method);
        if (method) f.method = method.toUpperCase();
        const statusCode = measured('statusCode', p.statusCode);
        if (statusCode !== undefined) f.statusCode = Math.trunc(statusCode);
        const durationMs = measured('durationMs', p.durationMs ?? p.responseTimeMs);
        if (durationMs !== undefined && durationMs >= 0) f.durationMs = durationMs;
        break;
      }
      case DOMAIN_EVENTS.feedbackSubmitted: {
        const rating = measured('rating', p.rating);
        if (rating !== undefined) f.rating = rating;
        break;
      }
    }
    if (f.conversationAction) {
      const status = str(p.status);
      if (status) f.conversationStatus = status;
    }
  }
  if (
    (f.statusCode !== undefined && f.statusCode >= 500) ||
    (name !== undefined && /\.(error|failed)$/.test(name)) ||
    p.error === true
  ) {
    f.error = true;
  }
  if (e.type === 'track' && name === PRODUCT_EVENTS.experimentExposure) {
    const experimentId = str(p.experimentId ?? p.experiment_id);
    const variant = str(p.variant);
    if (experimentId && variant) {
      f.experimentId = experimentId;
      f.variant = variant;
    }
  }
  if (e.type === 'page' || e.type === 'track') addWebFields(f, e);
  const kept = name === undefined ? undefined : capture?.get(name);
  if (kept?.length) f.props = keptProperties(p, kept);
  return f;
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

function hostOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the web-traffic report needs of a page or track call, from the fields track's enrichment
 * filled in (lambdas/track/enrich.ts): a referrer on the page's own host is no referrer (a
 * multi-page site's own links).
 */
function addWebFields(f: Fact, e: TallyEvent): void {
  const p = e.properties ?? {};
  const c = e.context ?? {};
  if (e.type === 'page') {
    const path = str(p.path);
    if (path) f.path = path;
    const referrerHost = str(p.referrerHost);
    const own = hostOf(p.url) ?? hostOf(record(c.page)?.url);
    if (referrerHost && referrerHost !== own) f.referrerHost = referrerHost;
    const campaign = record(c.campaign);
    const source = str(campaign?.source);
    const medium = str(campaign?.medium);
    const name = str(campaign?.name);
    if (source) f.utmSource = source;
    if (medium) f.utmMedium = medium;
    if (name) f.utmCampaign = name;
  }
  const browser = str(record(c.browser)?.name);
  if (browser) f.browser = browser;
  const os = str(record(c.os)?.name);
  if (os) f.os = os;
  const device = str(record(c.device)?.type);
  if (device) f.device = device;
}

/** The resources a fact belongs to, as `type#id`. */
export function resourcesOf(f: Fact): string[] {
  const out: string[] = [];
  if (f.resourceType && f.resourceId) out.push(`${f.resourceType}#${f.resourceId}`);
  if (f.agentId) out.push(`agent#${f.agentId}`);
  if (f.channel) out.push(`channel#${f.channel}`);
  if (f.workflowId) out.push(`workflow#${f.workflowId}`);
  return [...new Set(out)];
}
