/**
 * Aggregation of facts into what reports read. The rollup aggregates the facts of raw events;
 * reports aggregate the facts of the live fact log and merge them into the rebuilt aggregates
 * (merge.ts). Same code, both layers.
 */

import { ANONYMOUS_PREFIX } from '../model/events.ts';
import { own, setOwn } from '../model/records.ts';
import { DOMAIN_EVENTS } from '../model/vocabulary.ts';
import { addCounters, type Counters, contributions } from './contributions.ts';
import { addValue, type Distribution, emptyDistribution } from './distribution.ts';
import { counted, type Fact, resourcesOf } from './facts.ts';
import { addProperties, type PropertyMap } from './properties.ts';
import { addHit, type WebStats } from './web.ts';

/** A day's (or any period's) small aggregates, stored in the period's rollup item. */
export interface Aggregate {
  /** Events per name (track event or page/screen name). */
  names: Record<string, number>;
  /** Per UTC hour of day (24 entries each). */
  hours: {
    events: number[];
    messages: number[];
    tokens: number[];
    errors: number[];
    /** Absent in days rolled up before it existed: read as zeros. */
    pageViews?: number[];
  };
  /** Message response times, ms. */
  rt: Distribution;
  models: Record<string, ModelStats>;
  roles: Record<string, number>;
}

export interface ModelStats {
  messages: number;
  tokens: number;
  inputTokens: number;
  outputTokens: number;
}

export interface UserStats {
  events: number;
  messages: number;
  tokens: number;
  /** first and last event time, epoch ms */
  first: number;
  last: number;
  // Absent in days rolled up before they existed: read as none.
  /** The UTC hours with an event, as a bit mask (bit h for hour h). */
  hours?: number;
  /** Events per name (track event, page or screen name): what feature adoption counts. */
  names?: Record<string, number>;
  /** The last time (epoch ms) of each name that day: conversions after an exposure. */
  lastAt?: Record<string, number>;
  /** The first time (epoch ms) of each name that day: funnel steps (with `lastAt`). */
  firstAt?: Record<string, number>;
  /** The first exposure to each experiment that day. */
  exposures?: Record<string, Exposure>;
  /** Its web sessions, page views per path, browsers, OS and devices that day (store/web.ts). */
  web?: WebStats;
  /** The kept properties' values of its events that day (properties.ts): filters, breakdowns. */
  props?: PropertyMap;
}

/** A user's first exposure to an experiment in a period. */
export interface Exposure {
  /** Variant of the first exposure. */
  v: string;
  /** Its time, epoch ms. */
  at: number;
  /** Exposed to more than one variant. */
  mixed?: true;
}

/** Two exposures of one user to one experiment: the first one's variant, mixed if they differ. */
export function mergeExposure(a: Exposure | undefined, b: Exposure): Exposure {
  if (!a) return { ...b };
  const first = b.at < a.at ? b : a;
  const out: Exposure = { v: first.v, at: first.at };
  if (a.mixed || b.mixed || a.v !== b.v) out.mixed = true;
  return out;
}

export interface ConversationStats {
  userId?: string;
  messages: number;
  tokens: number;
  rtSum: number;
  rtCount: number;
  /** when it was started / ended (epoch ms), if those events were tracked */
  started?: number;
  ended?: number;
  /** the last status reported */
  status?: string;
  statusAt?: number;
  first: number;
  last: number;
  /** resources (`type#id`) it involved */
  resources: string[];
}

export interface ResourceStats {
  events: number;
  messages: number;
  tokens: number;
  rtSum: number;
  rtCount: number;
  errors: number;
  ratingSum: number;
  ratingCount: number;
}

export interface ApiStats {
  count: number;
  errors: number;
  /** by status code */
  status: Record<string, number>;
  /** duration, ms */
  dur: Distribution;
}

/** Everything the facts of one period add up to. */
export interface Parts {
  counters: Counters;
  agg: Aggregate;
  users: Record<string, UserStats>;
  conversations: Record<string, ConversationStats>;
  resources: Record<string, ResourceStats>;
  api: Record<string, ApiStats>;
}

const hours = () => Array.from({ length: 24 }, () => 0);

export const emptyResourceStats = (): ResourceStats => ({
  events: 0,
  messages: 0,
  tokens: 0,
  rtSum: 0,
  rtCount: 0,
  errors: 0,
  ratingSum: 0,
  ratingCount: 0,
});

export function emptyAggregate(): Aggregate {
  return {
    names: {},
    hours: {
      events: hours(),
      messages: hours(),
      tokens: hours(),
      errors: hours(),
      pageViews: hours(),
    },
    rt: emptyDistribution(),
    models: {},
    roles: {},
  };
}

export function emptyParts(): Parts {
  return {
    counters: {},
    agg: emptyAggregate(),
    users: {},
    conversations: {},
    resources: {},
    api: {},
  };
}

/** The entry of `k`, created with `make` when absent. */
export function entry<T>(r: Record<string, T>, k: string, make: () => T): T {
  let value = own(r, k);
  if (value === undefined) {
    value = make();
    setOwn(r, k, value);
  }
  return value;
}

/** Adds `by` to the count of `k`. */
export const inc = (r: Record<string, number>, k: string, by = 1) => {
  setOwn(r, k, (own(r, k) ?? 0) + by);
};

/** The key of an endpoint's API stats: `METHOD path`. */
export const apiKey = (method: string | undefined, endpoint: string | undefined) =>
  `${method ?? 'UNKNOWN'} ${endpoint ?? '(none)'}`;

/** The method and path of an `apiKey`: split at the first space, since a path may hold spaces. */
export function parseApiKey(key: string): { method: string; endpoint: string } {
  const space = key.indexOf(' ');
  return { method: key.slice(0, space), endpoint: key.slice(space + 1) };
}

/** Adds one fact to the parts (in place). */
export function addFact(p: Parts, fact: Fact): void {
  // Labels past the day's cap are counted under "(other)" (store/labels.ts).
  const f = counted(fact);
  addCounters(p.counters, contributions(f));
  const a = p.agg;
  const hour = new Date(f.time).getUTCHours();
  const isMessage = f.type === 'track' && f.name === DOMAIN_EVENTS.messageSent;
  const tokens = isMessage ? (f.tokens ?? 0) : 0;
  if (f.name) inc(a.names, f.name);
  (a.hours.events[hour] as number)++;
  if (f.type === 'page') {
    a.hours.pageViews ??= hours();
    (a.hours.pageViews[hour] as number)++;
  }
  if (f.error) (a.hours.errors[hour] as number)++;
  if (isMessage) {
    (a.hours.messages[hour] as number)++;
    (a.hours.tokens[hour] as number) += tokens;
    if (f.responseTimeMs !== undefined) addValue(a.rt, f.responseTimeMs);
    const model = f.model ?? '(unknown)';
    const m = entry(a.models, model, () => ({
      messages: 0,
      tokens: 0,
      inputTokens: 0,
      outputTokens: 0,
    }));
    m.messages++;
    m.tokens += tokens;
    m.inputTokens += f.inputTokens ?? 0;
    m.outputTokens += f.outputTokens ?? 0;
    inc(a.roles, f.role ?? '(unknown)');
  }

  if (f.actor) {
    const u = entry(p.users, f.actor, () => ({
      events: 0,
      messages: 0,
      tokens: 0,
      first: f.time,
      last: f.time,
      hours: 0,
      names: {},
      lastAt: {},
      firstAt: {},
    }));
    u.events++;
    u.hours = (u.hours ?? 0) | (1 << hour);
    if (f.name) {
      u.names = u.names ?? {};
      u.lastAt = u.lastAt ?? {};
      u.firstAt = u.firstAt ?? {};
      inc(u.names, f.name);
      setOwn(u.lastAt, f.name, Math.max(own(u.lastAt, f.name) ?? 0, f.time));
      setOwn(u.firstAt, f.name, Math.min(own(u.firstAt, f.name) ?? f.time, f.time));
      if (f.props) {
        u.props = u.props ?? {};
        addProperties(u.props, f.name, f.props, f.time);
      }
    }
    if (f.experimentId && f.variant) {
      u.exposures = u.exposures ?? {};
      u.exposures[f.experimentId] = mergeExposure(u.exposures[f.experimentId], {
        v: f.variant,
        at: f.time,
      });
    }
    const web = addHit(u.web, f);
    if (web) u.web = web;
    if (isMessage) u.messages++;
    u.tokens += tokens;
    u.first = Math.min(u.first, f.time);
    u.last = Math.max(u.last, f.time);
  }

  const resources = resourcesOf(f);
  if (f.conversationId && (isMessage || f.conversationAction)) {
    const c = entry(p.conversations, f.conversationId, () => ({
      messages: 0,
      tokens: 0,
      rtSum: 0,
      rtCount: 0,
      first: f.time,
      last: f.time,
      resources: [],
    }));
    if (f.actor && !f.actor.startsWith(ANONYMOUS_PREFIX) && !c.userId) c.userId = f.actor;
    if (isMessage) {
      c.messages++;
      c.tokens += tokens;
      if (f.responseTimeMs !== undefined) {
        c.rtSum += f.responseTimeMs;
        c.rtCount++;
      }
    }
    if (f.conversationAction === 'started') c.started = Math.min(c.started ?? f.time, f.time);
    if (f.conversationAction === 'ended') c.ended = Math.max(c.ended ?? f.time, f.time);
    if (f.conversationStatus && (c.statusAt === undefined || f.time >= c.statusAt)) {
      c.status = f.conversationStatus;
      c.statusAt = f.time;
    }
    c.first = Math.min(c.first, f.time);
    c.last = Math.max(c.last, f.time);
    for (const r of resources) if (!c.resources.includes(r)) c.resources.push(r);
  }

  for (const key of resources) {
    const r = entry(p.resources, key, emptyResourceStats);
    r.events++;
    if (isMessage) {
      r.messages++;
      r.tokens += tokens;
      if (f.responseTimeMs !== undefined) {
        r.rtSum += f.responseTimeMs;
        r.rtCount++;
      }
    }
    if (f.error) r.errors++;
    if (f.rating !== undefined) {
      r.ratingSum += f.rating;
      r.ratingCount++;
    }
  }

  if (f.type === 'track' && f.name === DOMAIN_EVENTS.apiRequest) {
    const s = entry(p.api, apiKey(f.method, f.endpoint), () => ({
      count: 0,
      errors: 0,
      status: {},
      dur: emptyDistribution(),
    }));
    s.count++;
    if (f.statusCode !== undefined) {
      inc(s.status, String(f.statusCode));
      if (f.statusCode >= 400) s.errors++;
    }
    if (f.durationMs !== undefined) addValue(s.dur, f.durationMs);
  }
}

export function partsOf(facts: Iterable<Fact>): Parts {
  const p = emptyParts();
  for (const f of facts) addFact(p, f);
  return p;
}
