/**
 * Conversations: the ones active in a range (`conversations`) and one conversation's figures with
 * a per-day breakdown (`conversations/{id}`), from the per-day conversation maps.
 */
import * as v from 'valibot';
import { fingerprint, readCursor, writeCursor } from '../../../model/cursor.ts';
import { NotFoundError } from '../../../model/errors.ts';
import { parseRange, type RangeOut, rangeOut } from '../../range.ts';
import { readRange } from '../../read.ts';
import {
  cursorParam,
  limitParam,
  projectParam,
  rangeParams,
  report,
  textParam,
} from '../../report.ts';
import { conversationResponse, conversationsResponse } from '../../responses.ts';
import { mean } from '../numbers.ts';
import {
  type ConversationRow,
  compareConversations,
  conversationRow,
  iso,
  listConversations,
  pageAfter,
} from './compute.ts';
import { oneUser, pathParam, userFilterOf, userParams } from './params.ts';

const LIST = 'GET /api/v1/analytics/conversations';
const ONE = 'GET /api/v1/analytics/conversations/{id}';

export interface ConversationsBody {
  project: string;
  range: RangeOut;
  conversations: ConversationRow[];
  nextCursor: string | null;
}

/** Keyset position: last activity (epoch ms) and id of the page's last row. */
const afterConversation = v.object({ l: v.number(), c: v.string() });

export const conversationsReport = report({
  route: LIST,
  response: conversationsResponse,
  query: v.pipe(
    v.object({
      project: projectParam,
      ...rangeParams,
      ...userParams,
      status: textParam('Only this status: active, ended, or any status services report'),
      limit: limitParam(50, 500),
      cursor: cursorParam,
    }),
    oneUser(),
  ),
  run: async ({ deps, projectId, query }): Promise<ConversationsBody> => {
    const range = parseRange(query, deps.now());
    const actor = userFilterOf(query);
    const q = fingerprint([
      LIST,
      projectId,
      query.range,
      query.from,
      query.to,
      actor,
      query.status,
    ]);
    const after = readCursor(query.cursor, afterConversation, q);
    const { total } = await readRange(deps, projectId, range.days, { conversations: true });
    const rows = listConversations(total.conversations, { actor, status: query.status });
    const { items, more } = pageAfter(
      rows,
      query.limit,
      after ? (r) => compareConversations(r.key, { last: after.l, id: after.c }) > 0 : undefined,
    );
    const last = items.at(-1);
    return {
      project: projectId,
      range: rangeOut(range),
      conversations: items.map((i) => i.row),
      nextCursor: more && last ? writeCursor({ l: last.key.last, c: last.key.id }, q) : null,
    };
  },
  // Exports name resources as `type/id`, the way resources/{type}/{id} addresses them.
  rows: (body: ConversationsBody) =>
    body.conversations.map((c) => ({
      ...c,
      resources: c.resources.map((r) => `${r.type}/${r.id}`),
    })),
});

export interface ConversationDay {
  day: string;
  messages: number;
  tokens: number;
  avgResponseTimeMs: number | null;
  firstActivityAt: string;
  lastActivityAt: string;
}

export interface ConversationBody {
  project: string;
  range: RangeOut;
  conversation: ConversationRow;
  /** The days of the range on which the conversation had activity. */
  days: ConversationDay[];
}

export const conversationReport = report({
  route: ONE,
  response: conversationResponse,
  errors: { '404': 'No activity of the conversation in the range' },
  query: v.object({ project: projectParam, ...rangeParams }),
  run: async ({ deps, projectId, query, event }): Promise<ConversationBody> => {
    const id = pathParam(event.pathParameters?.id, 'id');
    const range = parseRange(query, deps.now(), '90d');
    const view = await readRange(deps, projectId, range.days, { conversations: true });
    // Own keys only: an id such as `__proto__` names no conversation (found by fast-check).
    const c = Object.hasOwn(view.total.conversations, id)
      ? view.total.conversations[id]
      : undefined;
    if (!c) {
      throw new NotFoundError(
        `conversation ${id} has no activity from ${range.from} to ${range.to}`,
      );
    }
    const days = view.days.flatMap(({ day, parts }) => {
      const d = Object.hasOwn(parts.conversations, id) ? parts.conversations[id] : undefined;
      return d
        ? [
            {
              day,
              messages: d.messages,
              tokens: d.tokens,
              avgResponseTimeMs: mean(d.rtSum, d.rtCount),
              firstActivityAt: iso(d.first),
              lastActivityAt: iso(d.last),
            },
          ]
        : [];
    });
    return {
      project: projectId,
      range: rangeOut(range),
      conversation: conversationRow(id, c),
      days,
    };
  },
  rows: (body: ConversationBody) => body.days as unknown as Record<string, unknown>[],
});
