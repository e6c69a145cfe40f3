/**
 * Message insights: sentiment and intent of each chat message of a page, and the page's messages
 * summed per conversation, per channel and in total (see docs/api-insights-and-metrics.md).
 */
import * as v from 'valibot';
import { parseRange, rangeOut } from '../range.ts';
import {
  cursorParam,
  limitParam,
  projectParam,
  type Report,
  rangeParams,
  report,
  textParam,
} from '../report.ts';
import { messageInsightsResponse } from '../responses.ts';
import { aggregateInsights, type MessageInsight } from './insights/aggregate.ts';
import { intentOf } from './insights/intent.ts';
import { readMessagePage } from './insights/messages.ts';
import { sentimentProvider } from './insights/sentiment.ts';

/** Messages without text (or that the provider could not score) get this intent too. */
const UNKNOWN = 'unknown';

const messageInsightsReport = report({
  route: 'GET /api/v1/analytics/messages/insights',
  response: messageInsightsResponse,
  query: v.object({
    project: projectParam,
    ...rangeParams,
    conversation_id: textParam('Only the messages of this conversation'),
    channel: textParam('Only the messages of this channel'),
    // Each message of a page is scored: a page is also a bound on Comprehend calls (8 of 25).
    limit: limitParam(50, 200),
    cursor: cursorParam,
  }),
  run: async ({ deps, projectId, query }) => {
    const range = parseRange(query, deps.now());
    const page = await readMessagePage(
      deps,
      projectId,
      range.days,
      { conversationId: query.conversation_id, channel: query.channel },
      query.limit,
      query.cursor,
    );
    const provider = sentimentProvider(deps.insights);
    const withText = page.messages.filter((m) => m.text !== undefined);
    const scores = await provider.analyze(withText.map((m) => m.text as string));
    const scoreOf = new Map(withText.map((m, i) => [m.fact.id, scores[i]]));

    const messages: MessageInsight[] = page.messages.map(({ fact, text }) => {
      const score = scoreOf.get(fact.id);
      return {
        messageId: fact.id,
        conversationId: fact.conversationId ?? null,
        channel: fact.channel ?? null,
        userId: fact.actor ?? null,
        role: fact.role ?? null,
        timestamp: new Date(fact.time).toISOString(),
        textLength: text === undefined ? 0 : [...text].length,
        sentiment: score ?? { label: 'unknown', score: null },
        intent: text === undefined ? UNKNOWN : intentOf(text, deps.insights.intentRules),
      };
    });
    return {
      project: projectId,
      range: rangeOut(range),
      provider: provider.name,
      messages,
      ...aggregateInsights(messages),
      nextCursor: page.nextCursor,
    };
  },
  rows: (body: { messages: MessageInsight[] }) =>
    body.messages.map(({ sentiment, intent, ...m }) => ({
      ...m,
      sentiment: sentiment.label,
      score: sentiment.score,
      intent,
    })),
});

export const insightsReports: Report<unknown>[] = [messageInsightsReport] as Report<unknown>[];
