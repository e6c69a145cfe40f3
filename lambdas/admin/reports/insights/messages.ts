/**
 * One page of `message.sent` events and their texts. The messages come from the fact log (one
 * Query per few ingest invocations), their texts from the raw events of just those messages (one
 * BatchGet per 100): a page costs what it shows, never a scan of the range.
 */

import { factLogPartition } from '../../../contract/keys.ts';
import { ValidationError } from '../../../model/errors.ts';
import { DOMAIN_EVENTS } from '../../../model/vocabulary.ts';
import { readFactPage } from '../../../store/fact-log.ts';
import type { Fact } from '../../../store/facts.ts';
import { type LoggedFact, type ReportDeps, readRawEvents } from '../../read.ts';
import { decodeCursor, encodeCursor } from '../../report.ts';

/** Log items read per Query: each holds the facts of one ingest invocation. */
const LOG_ITEMS_PER_QUERY = 25;
/**
 * Log items one request reads at most. With a rare filter a page may end before `limit`
 * messages, with a cursor to go on: the cost of a request stays bounded.
 */
export const MAX_LOG_ITEMS_PER_PAGE = 100;

/** Where the next page starts: a day, the log item before it (none: the day's newest), matches to skip. */
interface PageCursor {
  d: string;
  k?: LogKey;
  s: number;
}

/** A fact-log item's key, as DynamoDB's ExclusiveStartKey takes it. */
type LogKey = Record<string, unknown>;

export interface MessageFilter {
  conversationId?: string | undefined;
  channel?: string | undefined;
}

/** A message of the page, with its text when its raw event has one. */
export interface PageMessage {
  fact: Fact;
  day: string;
  text: string | undefined;
}

export interface MessagePage {
  messages: PageMessage[];
  nextCursor: string | null;
}

const isMessage = (f: Fact, filter: MessageFilter) =>
  f.ty === 'track' &&
  f.n === DOMAIN_EVENTS.messageSent &&
  (filter.conversationId === undefined || f.cv === filter.conversationId) &&
  (filter.channel === undefined || f.ch === filter.channel);

/** Within one log item, newest first (ties by id, so a page boundary is stable). */
const newestFirst = (a: Fact, b: Fact) => b.t - a.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function parseCursor(
  raw: string | undefined,
  projectId: string,
  days: string[],
): PageCursor | undefined {
  const c = decodeCursor<Partial<PageCursor>>(raw);
  if (c === undefined) return undefined;
  const valid =
    typeof c === 'object' &&
    c !== null &&
    typeof c.d === 'string' &&
    days.includes(c.d) &&
    Number.isInteger(c.s) &&
    (c.s as number) >= 0 &&
    (c.k === undefined ||
      (typeof c.k === 'object' &&
        c.k !== null &&
        c.k.pk === factLogPartition(projectId, c.d) &&
        typeof c.k.sk === 'string' &&
        Object.keys(c.k).length === 2));
  if (!valid) throw new ValidationError('cursor does not belong to this project and range');
  return c as PageCursor;
}

/** The text of a message event: `properties.content`, else `text`, else `message`. */
export function textOf(properties: Record<string, unknown>): string | undefined {
  for (const name of ['content', 'text', 'message']) {
    const value = properties[name];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return undefined;
}

/**
 * Up to `limit` messages of `days` (newest day first; within a day, newest log item first, and
 * newest first within an item), resuming at `cursor`.
 */
export async function readMessagePage(
  deps: ReportDeps,
  projectId: string,
  days: string[],
  filter: MessageFilter,
  limit: number,
  cursor: string | undefined,
  maxLogItems = MAX_LOG_ITEMS_PER_PAGE,
): Promise<MessagePage> {
  const start = parseCursor(cursor, projectId, days);
  const order = [...days].reverse();
  const found: LoggedFact[] = [];
  let next: PageCursor | undefined;
  let itemsRead = 0;

  scan: for (let di = start ? order.indexOf(start.d) : 0; di < order.length; di++) {
    const day = order[di] as string;
    const resume = start?.d === day ? start : undefined;
    let startKey: LogKey | undefined = resume?.k;
    let skip = resume?.s ?? 0;
    for (;;) {
      const page = await readFactPage(
        deps.ddb,
        deps.tableName,
        projectId,
        day,
        LOG_ITEMS_PER_QUERY,
        startKey,
      );
      for (const [i, facts] of page.facts.entries()) {
        // The key to resume at this item is the one before it (ExclusiveStartKey).
        const before = i === 0 ? startKey : page.keys[i - 1];
        const matches = facts
          .filter((f) => isMessage(f, filter))
          .sort(newestFirst)
          .slice(skip);
        // Once the page is full (room 0) reading goes on only to the next match, so that a
        // null nextCursor means there is nothing more, not "maybe an empty page".
        const room = limit - found.length;
        if (matches.length > room) {
          found.push(...matches.slice(0, room).map((fact) => ({ fact, day })));
          next = { d: day, ...(before ? { k: before } : {}), s: skip + room };
          break scan;
        }
        found.push(...matches.map((fact) => ({ fact, day })));
        skip = 0;
        itemsRead++;
        const more = i < page.facts.length - 1 || page.next !== undefined || di < order.length - 1;
        if (itemsRead >= maxLogItems && more) {
          next = { d: day, k: page.keys[i], s: 0 };
          break scan;
        }
      }
      if (!page.next) break;
      startKey = page.next;
    }
  }

  const texts = await readTexts(deps, projectId, found);
  return {
    messages: found.map((m) => ({ ...m, text: texts.get(m.fact.id) })),
    nextCursor: next ? encodeCursor(next) : null,
  };
}

/** The texts of the messages, by messageId, from their raw events. */
async function readTexts(
  deps: ReportDeps,
  projectId: string,
  messages: LoggedFact[],
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
