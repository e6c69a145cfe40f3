/**
 * The pure part of the people reports: rows from aggregates and facts, rankings, conversation
 * status, and keyset pages. No I/O here, so every rule is unit-testable without DynamoDB.
 */

import { identityOf } from '../../../model/events.ts';
import type { ConversationStats, ResourceStats, UserStats } from '../../../store/aggregate.ts';
import type { Fact } from '../../../store/facts.ts';
import { mean, rate, ratio } from '../numbers.ts';

export const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | undefined): string | null => (ms === undefined ? null : iso(ms));

/**
 * Orders strings as DynamoDB orders sort keys (UTF-8 bytes, not UTF-16 units), so pages merged
 * from several `sk > :after` queries agree with the keys' own order.
 */
export function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// ---- activity feed ----

export interface Activity {
  messageId: string;
  userId: string | null;
  anonymousId: string | null;
  /** The event name (`activity.login`, `message.sent`), page/screen name, else the type. */
  activityType: string;
  type: string;
  timestamp: string;
}

export function activityOf(f: Fact): Activity {
  return {
    messageId: f.id,
    ...identityOf(f.actor),
    activityType: f.name ?? f.type,
    type: f.type,
    timestamp: iso(f.time),
  };
}

// ---- users ----

export interface UserRow {
  /** The actor: a userId, or `anon:<anonymousId>`. */
  userId: string;
  events: number;
  messages: number;
  tokens: number;
  /** First and last event within the range. */
  firstSeen: string;
  lastSeen: string;
}

export function userRow(userId: string, s: UserStats): UserRow {
  return {
    userId,
    events: s.events,
    messages: s.messages,
    tokens: s.tokens,
    firstSeen: iso(s.first),
    lastSeen: iso(s.last),
  };
}

/** Most events first, then messages, tokens, and userId for a stable order. */
export function rankUsers(users: Record<string, UserStats>): UserRow[] {
  return Object.entries(users)
    .map(([id, s]) => userRow(id, s))
    .sort(
      (a, b) =>
        b.events - a.events ||
        b.messages - a.messages ||
        b.tokens - a.tokens ||
        byUtf8(a.userId, b.userId),
    );
}

/** The rows of the users active in a range (the keys of its users map), by userId. */
export function activeUserRows(users: Record<string, UserStats>): UserRow[] {
  return Object.keys(users)
    .sort(byUtf8)
    .map((id) => userRow(id, users[id] as UserStats));
}

// ---- conversations ----

/**
 * The last reported status; but an end tracked after that report (or with none) reads `ended`;
 * with neither, `active`. A `started` report of "active" must not outlive a tracked end.
 */
export function statusOf(c: ConversationStats): string {
  if (c.ended !== undefined && (c.statusAt === undefined || c.statusAt < c.ended)) return 'ended';
  return c.status ?? (c.ended !== undefined ? 'ended' : 'active');
}

export interface ResourceRef {
  type: string;
  id: string;
}

/** `agent#a1` → `{ type: 'agent', id: 'a1' }` (the type is up to the first `#`). */
export function splitResource(key: string): ResourceRef {
  const at = key.indexOf('#');
  return at < 0 ? { type: key, id: '' } : { type: key.slice(0, at), id: key.slice(at + 1) };
}

export const resourceKey = (type: string, id: string) => `${type}#${id}`;

export interface ConversationRow {
  conversationId: string;
  userId: string | null;
  messages: number;
  tokens: number;
  avgResponseTimeMs: number | null;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  /** ended − started when both were tracked in the range, else last − first activity. */
  durationMs: number;
  firstActivityAt: string;
  lastActivityAt: string;
  resources: ResourceRef[];
}

export function conversationRow(conversationId: string, c: ConversationStats): ConversationRow {
  return {
    conversationId,
    userId: c.userId ?? null,
    messages: c.messages,
    tokens: c.tokens,
    avgResponseTimeMs: mean(c.rtSum, c.rtCount),
    status: statusOf(c),
    startedAt: isoOrNull(c.started),
    endedAt: isoOrNull(c.ended),
    durationMs:
      c.started !== undefined && c.ended !== undefined ? c.ended - c.started : c.last - c.first,
    firstActivityAt: iso(c.first),
    lastActivityAt: iso(c.last),
    resources: [...c.resources].sort(byUtf8).map(splitResource),
  };
}

/** Position of a row in the newest-activity-first order. */
export interface ConversationKey {
  last: number;
  id: string;
}

export const compareConversations = (a: ConversationKey, b: ConversationKey): number =>
  b.last - a.last || byUtf8(a.id, b.id);

/** Conversations matching the filters, newest activity first. */
export function listConversations(
  conversations: Record<string, ConversationStats>,
  filter: { actor?: string | undefined; status?: string | undefined },
): { key: ConversationKey; row: ConversationRow }[] {
  return Object.entries(conversations)
    .filter(([, c]) => filter.actor === undefined || c.userId === filter.actor)
    .map(([id, c]) => ({ key: { last: c.last, id }, row: conversationRow(id, c) }))
    .filter(({ row }) => filter.status === undefined || row.status === filter.status)
    .sort((a, b) => compareConversations(a.key, b.key));
}

// ---- resources ----

export interface ResourceRow extends ResourceRef {
  events: number;
  /** Distinct conversations whose messages or conversation events named the resource. */
  conversations: number;
  messages: number;
  tokens: number;
  avgResponseTimeMs: number | null;
  errors: number;
  /** errors / events, 4 decimals. */
  errorRate: number | null;
  /** Mean rating of feedback.submitted events, 2 decimals; null without ratings. */
  satisfaction: number | null;
  ratings: number;
}

/** Distinct conversations per resource key. */
export function conversationsPerResource(
  conversations: Record<string, ConversationStats>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of Object.values(conversations)) {
    for (const r of new Set(c.resources)) out.set(r, (out.get(r) ?? 0) + 1);
  }
  return out;
}

/** Distinct conversations that involved one resource. */
export const conversationsWith = (
  conversations: Record<string, ConversationStats>,
  key: string,
): number => Object.values(conversations).filter((c) => c.resources.includes(key)).length;

export function resourceRow(key: string, s: ResourceStats, conversations: number): ResourceRow {
  return {
    ...splitResource(key),
    events: s.events,
    conversations,
    messages: s.messages,
    tokens: s.tokens,
    avgResponseTimeMs: mean(s.rtSum, s.rtCount),
    errors: s.errors,
    errorRate: rate(s.errors, s.events),
    satisfaction: ratio(s.ratingSum, s.ratingCount, 2),
    ratings: s.ratingCount,
  };
}

/** Most messages first, then events, then type and id. */
export function rankResources(
  resources: Record<string, ResourceStats>,
  conversations: Record<string, ConversationStats>,
  type?: string,
): ResourceRow[] {
  const perResource = conversationsPerResource(conversations);
  return Object.entries(resources)
    .map(([key, s]) => resourceRow(key, s, perResource.get(key) ?? 0))
    .filter((r) => type === undefined || r.type === type)
    .sort(
      (a, b) =>
        b.messages - a.messages ||
        b.events - a.events ||
        byUtf8(a.type, b.type) ||
        byUtf8(a.id, b.id),
    );
}

// ---- pages ----

/**
 * One page of `sorted` after a keyset position: the rows for which `isAfter` holds form a suffix
 * of the sorted list, so a row added or removed between pages neither repeats nor shifts others.
 */
export function pageAfter<T>(
  sorted: T[],
  limit: number,
  isAfter: ((row: T) => boolean) | undefined,
): { items: T[]; more: boolean } {
  const start = isAfter ? sorted.findIndex(isAfter) : 0;
  if (start < 0) return { items: [], more: false };
  return { items: sorted.slice(start, start + limit), more: start + limit < sorted.length };
}
