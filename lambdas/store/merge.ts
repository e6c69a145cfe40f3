/**
 * Merging aggregates: the days of a range into one, and a day's rebuilt figures with its live
 * facts. Every merge is associative, so the order days are read in does not matter.
 */

import { own, setOwn } from '../model/records.ts';
import {
  type Aggregate,
  type ApiStats,
  type ConversationStats,
  entry,
  inc,
  mergeExposure,
  type Parts,
  type ResourceStats,
  type UserStats,
} from './aggregate.ts';
import { addCounters } from './contributions.ts';
import { emptyDistribution, mergeDistribution } from './distribution.ts';
import { mergeProperties } from './properties.ts';
import { mergeWeb } from './web.ts';

const addInto = (a: Record<string, number>, b: Record<string, number>) => {
  for (const [k, v] of Object.entries(b)) inc(a, k, v);
};

export function mergeAggregate(a: Aggregate, b: Aggregate | undefined): Aggregate {
  if (!b) return a;
  addInto(a.names, b.names);
  for (const k of ['events', 'messages', 'tokens', 'errors'] as const) {
    b.hours[k].forEach((v, i) => {
      (a.hours[k][i] as number) += v;
    });
  }
  if (b.hours.pageViews) {
    const into = a.hours.pageViews ?? Array.from({ length: 24 }, () => 0);
    a.hours.pageViews = into;
    b.hours.pageViews.forEach((v, i) => {
      (into[i] as number) += v;
    });
  }
  mergeDistribution(a.rt, b.rt);
  for (const [model, m] of Object.entries(b.models)) {
    const t = entry(a.models, model, () => ({
      messages: 0,
      tokens: 0,
      inputTokens: 0,
      outputTokens: 0,
    }));
    t.messages += m.messages;
    t.tokens += m.tokens;
    t.inputTokens += m.inputTokens;
    t.outputTokens += m.outputTokens;
  }
  addInto(a.roles, b.roles);
  return a;
}

export function mergeUser(a: UserStats | undefined, b: UserStats): UserStats {
  if (!a) return { ...b };
  const props = mergeProperties(a.props, b.props);
  return {
    events: a.events + b.events,
    messages: a.messages + b.messages,
    tokens: a.tokens + b.tokens,
    first: Math.min(a.first, b.first),
    last: Math.max(a.last, b.last),
    hours: (a.hours ?? 0) | (b.hours ?? 0),
    names: mergeCounts(a.names, b.names),
    ...mergeOptional('lastAt', a.lastAt, b.lastAt, Math.max),
    ...mergeOptional('firstAt', a.firstAt, b.firstAt, Math.min),
    ...mergeOptional('exposures', a.exposures, b.exposures, mergeExposure),
    ...(a.web || b.web ? { web: mergeWeb(a.web, b.web) } : {}),
    ...(props ? { props } : {}),
  };
}

/** `{ [key]: a ∪ b }` with `pick` on keys both hold; `{}` when neither has any. */
function mergeOptional<K extends string, T>(
  key: K,
  a: Record<string, T> | undefined,
  b: Record<string, T> | undefined,
  pick: (x: T, y: T) => T,
): Partial<Record<K, Record<string, T>>> {
  if (!a && !b) return {};
  const out: Record<string, T> = { ...(a ?? {}) };
  for (const [k, y] of Object.entries(b ?? {})) {
    const x = own(out, k);
    setOwn(out, k, x === undefined ? y : pick(x, y));
  }
  return { [key]: out } as Partial<Record<K, Record<string, T>>>;
}

/** The sum of two optional count maps, as a new map. */
function mergeCounts(
  a: Record<string, number> | undefined,
  b: Record<string, number> | undefined,
): Record<string, number> {
  const out = { ...(a ?? {}) };
  addInto(out, b ?? {});
  return out;
}

export function mergeConversation(
  a: ConversationStats | undefined,
  b: ConversationStats,
): ConversationStats {
  if (!a) return { ...b, resources: [...b.resources] };
  const out: ConversationStats = {
    messages: a.messages + b.messages,
    tokens: a.tokens + b.tokens,
    rtSum: a.rtSum + b.rtSum,
    rtCount: a.rtCount + b.rtCount,
    first: Math.min(a.first, b.first),
    last: Math.max(a.last, b.last),
    resources: [...new Set([...a.resources, ...b.resources])],
  };
  const userId = a.userId ?? b.userId;
  if (userId) out.userId = userId;
  const started = [a.started, b.started].filter((x): x is number => x !== undefined);
  if (started.length) out.started = Math.min(...started);
  const ended = [a.ended, b.ended].filter((x): x is number => x !== undefined);
  if (ended.length) out.ended = Math.max(...ended);
  const latest = (b.statusAt ?? -1) >= (a.statusAt ?? -1) ? b : a;
  if (latest.status !== undefined) {
    out.status = latest.status;
    out.statusAt = latest.statusAt as number;
  }
  return out;
}

export function mergeResource(a: ResourceStats | undefined, b: ResourceStats): ResourceStats {
  if (!a) return { ...b };
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof ResourceStats)[]) out[k] += b[k];
  return out;
}

export function mergeApi(a: ApiStats | undefined, b: ApiStats): ApiStats {
  const out: ApiStats = a
    ? {
        count: a.count,
        errors: a.errors,
        status: { ...a.status },
        dur: mergeDistribution(emptyDistribution(), a.dur),
      }
    : { count: 0, errors: 0, status: {}, dur: emptyDistribution() };
  out.count += b.count;
  out.errors += b.errors;
  addInto(out.status, b.status);
  mergeDistribution(out.dur, b.dur);
  return out;
}

/** Merges a keyed map of stats with `merge` (in place on `into`). */
export function mergeMap<T>(
  into: Record<string, T>,
  from: Record<string, T>,
  merge: (a: T | undefined, b: T) => T,
): Record<string, T> {
  for (const [k, v] of Object.entries(from)) setOwn(into, k, merge(own(into, k), v));
  return into;
}

export function mergeParts(a: Parts, b: Parts): Parts {
  addCounters(a.counters, b.counters);
  mergeAggregate(a.agg, b.agg);
  mergeMap(a.users, b.users, mergeUser);
  mergeMap(a.conversations, b.conversations, mergeConversation);
  mergeMap(a.resources, b.resources, mergeResource);
  mergeMap(a.api, b.api, mergeApi);
  return a;
}
