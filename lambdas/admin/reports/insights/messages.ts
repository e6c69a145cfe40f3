/**
 * One page of `message.sent` events and their texts. The messages come from the fact log, paged
 * by the one log reader (store/log-pages.ts), their texts from the raw events of just those
 * messages (one BatchGet per 100): a page costs what it shows, never a scan of the range.
 */
import { DOMAIN_EVENTS } from '../../../model/vocabulary.ts';
import type { Fact } from '../../../store/facts.ts';
import { type LogHit, readLogPage } from '../../../store/log-pages.ts';
import { type ReportDeps, readRawEvents } from '../../read.ts';

export interface MessageFilter {
  conversationId?: string | undefined;
  channel?: string | undefined;
}

/** A message of the page, with its text when its raw event has one. */
export interface PageMessage extends LogHit {
  text: string | undefined;
}

export interface MessagePage {
  messages: PageMessage[];
  nextCursor: string | null;
}

const isMessage = (f: Fact, filter: MessageFilter) =>
  f.type === 'track' &&
  f.name === DOMAIN_EVENTS.messageSent &&
  (filter.conversationId === undefined || f.conversationId === filter.conversationId) &&
  (filter.channel === undefined || f.channel === filter.channel);

/** The text of a message event: `properties.content`, else `text`, else `message`. */
export function textOf(properties: Record<string, unknown>): string | undefined {
  for (const name of ['content', 'text', 'message']) {
    const value = properties[name];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return undefined;
}

/**
 * Up to `limit` messages of `days`, newest first, resuming at `cursor` (refused, 400, if it was
 * given out for other days or another filter). `budget` bounds the log reads of one page.
 */
export async function readMessagePage(
  deps: ReportDeps,
  projectId: string,
  days: string[],
  filter: MessageFilter,
  limit: number,
  cursor: string | undefined,
  budget?: number,
): Promise<MessagePage> {
  const { hits, nextCursor } = await readLogPage(deps, projectId, {
    days,
    query: ['messages', days[0], days.at(-1), filter.conversationId, filter.channel],
    cursor,
    limit,
    match: (f) => isMessage(f, filter),
    budget,
  });
  const texts = await readTexts(deps, projectId, hits);
  return { messages: hits.map((m) => ({ ...m, text: texts.get(m.fact.id) })), nextCursor };
}

/** The texts of the messages, by messageId, from their raw events. */
async function readTexts(
  deps: ReportDeps,
  projectId: string,
  messages: LogHit[],
): Promise<Map<string, string>> {
  const events = await readRawEvents(deps, projectId, messages);
  const out = new Map<string, string>();
  messages.forEach((m, i) => {
    // A raw event gone (expired, or its user deleted) leaves the message without text.
    const event = events[i];
    const text = event ? textOf(event.properties ?? {}) : undefined;
    if (text !== undefined) out.set(m.fact.id, text);
  });
  return out;
}
