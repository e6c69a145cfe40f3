/**
 * The event model: the canonical envelope every ingestion path produces (docs/architecture.md
 * "Event model"). The input schemas that validate what clients send are in `schemas.ts`.
 */

export const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The canonical envelope, as published on the bus and stored. */
export interface TallyEvent {
  messageId: string;
  projectId: string;
  type: EventType;
  /** Event name of a `track` call. */
  event?: string;
  /** Page or screen name. */
  name?: string;
  category?: string;
  userId?: string;
  anonymousId?: string;
  groupId?: string;
  previousId?: string;
  /** When it happened, corrected for client clock skew (ISO 8601, UTC). */
  timestamp: string;
  /** The timestamp as the client sent it, before correction. */
  originalTimestamp?: string;
  sentAt?: string;
  /** When Tally received it (server clock). */
  receivedAt: string;
  properties: Record<string, unknown>;
  traits: Record<string, unknown>;
  context: Record<string, unknown>;
}

/** A message that passed its schema: the union of the parsed shapes. */
export type ParsedMessage = {
  messageId?: string | undefined;
  userId?: string | null | undefined;
  anonymousId?: string | null | undefined;
  timestamp?: string | undefined;
  sentAt?: string | undefined;
  context?: Record<string, unknown> | undefined;
  event?: string;
  name?: string | undefined;
  category?: string | undefined;
  groupId?: string;
  previousId?: string;
  properties?: Record<string, unknown> | undefined;
  traits?: Record<string, unknown> | undefined;
};

/** How an anonymous visitor's actor id starts. */
export const ANONYMOUS_PREFIX = 'anon:';

/** The stable identity of the actor of an event, used for distinct-user counts. */
export function actorOf(e: Pick<TallyEvent, 'userId' | 'anonymousId'>): string | undefined {
  if (e.userId) return e.userId;
  if (e.anonymousId) return `${ANONYMOUS_PREFIX}${e.anonymousId}`;
  return undefined;
}

/** A userId, or an anonymousId, from an actor id (the inverse of `actorOf`). */
export function identityOf(actor: string | undefined): {
  userId: string | null;
  anonymousId: string | null;
} {
  if (actor === undefined) return { userId: null, anonymousId: null };
  return actor.startsWith(ANONYMOUS_PREFIX)
    ? { userId: null, anonymousId: actor.slice(ANONYMOUS_PREFIX.length) }
    : { userId: actor, anonymousId: null };
}
