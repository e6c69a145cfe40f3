/**
 * Message insights: the sentiment providers, intent rules, and the report over stored events
 * (paging through the fact log, filters, messages without text).
 */
import {
  BatchDetectSentimentCommand,
  type BatchDetectSentimentCommandInput,
  ComprehendClient,
} from '@aws-sdk/client-comprehend';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { intentOf, OTHER_INTENT } from '../../../lambdas/admin/reports/insights/intent.ts';
import { readMessagePage, textOf } from '../../../lambdas/admin/reports/insights/messages.ts';
import {
  COMPREHEND_MAX_BYTES,
  comprehendClient,
  comprehendProvider,
  lexiconProvider,
  lexiconSentiment,
  sentimentProvider,
  truncateUtf8,
} from '../../../lambdas/admin/reports/insights/sentiment.ts';
import { insightsReports } from '../../../lambdas/admin/reports/insights.ts';
import { adminRoute } from '../../../lambdas/admin/routes.ts';
import {
  DEFAULT_INTENT_RULES,
  type InsightsConfig,
} from '../../../lambdas/contract/config/admin.ts';
import { ingest } from '../../../lambdas/ingest/ingest.ts';
import type { TallyEvent } from '../../../lambdas/model/events.ts';
import { daysBetween } from '../../../lambdas/model/time.ts';
import { adminDeps, ingestDeps } from '../../helpers/deps.ts';
import { createTestTable, type TestTable } from '../../helpers/dynamo.ts';
import { httpEvent, sqsRecord, tallyEvent } from '../../helpers/events.ts';
import { respond } from '../../helpers/route.ts';

describe('lexicon sentiment', () => {
  it.each([
    ['I love this product, it is great!', { label: 'positive', score: 0.84 }],
    ['Thanks, that fixed it!', { label: 'positive', score: 0.459 }],
    ['This is terrible and I hate it.', { label: 'negative', score: -0.84 }],
    // Negation flips the word: "not good" is negative.
    ['This is not good', { label: 'negative', score: -0.612 }],
    ['The meeting is at 3pm.', { label: 'neutral', score: 0 }],
    ['I love the design but the app is terrible', { label: 'mixed', score: 0 }],
  ])('%s → %o', async (text, expected) => {
    expect(lexiconSentiment(text)).toEqual(expected);
    expect(await lexiconProvider.analyze([text])).toEqual([expected]);
  });

  it('keeps every score within [-1, 1]', () => {
    const gushing = 'love great awesome excellent amazing wonderful fantastic '.repeat(20);
    const furious = 'hate terrible awful horrible disgusting worst '.repeat(20);
    expect(lexiconSentiment(gushing).score).toBeLessThanOrEqual(1);
    expect(lexiconSentiment(gushing).score).toBeGreaterThan(0.99);
    expect(lexiconSentiment(furious).score).toBeGreaterThanOrEqual(-1);
    expect(lexiconSentiment(furious).score).toBeLessThan(-0.99);
  });
});

describe('intent rules', () => {
  it.each([
    ['Please cancel my subscription', 'cancel'],
    ['The export is BROKEN again', 'complaint'],
    ['What does the pro plan cost?', 'purchase'],
    ['I get an error when I log in', 'support'],
    ['Hello there', 'greeting'],
    ['Is it raining?', 'question'],
    ['ok thanks', OTHER_INTENT],
  ])('default rules: %s → %s', (text, intent) => {
    expect(intentOf(text, DEFAULT_INTENT_RULES)).toBe(intent);
  });

  it('uses custom rules instead of the defaults, first match wins, case-insensitive', () => {
    const rules = [
      { intent: 'refund', pattern: 'money back|\\brefund' },
      { intent: 'billing', pattern: 'invoice' },
    ];
    expect(intentOf('I want my MONEY BACK', rules)).toBe('refund');
    expect(intentOf('Where is my Invoice? I want a refund', rules)).toBe('refund');
    expect(intentOf('Where is my invoice?', rules)).toBe('billing');
    // The default rules no longer apply.
    expect(intentOf('Hello, please cancel', rules)).toBe(OTHER_INTENT);
  });
});

describe('Comprehend sentiment', () => {
  const comprehend = mockClient(ComprehendClient);
  beforeEach(() => comprehend.reset());

  /** Answers each text by its first word, as Comprehend would label it. */
  const fakeComprehend = (input: BatchDetectSentimentCommandInput) => ({
    ResultList: (input.TextList ?? []).map((text, Index) => {
      const kind = text.split(' ')[0] as 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL' | 'MIXED';
      return {
        Index,
        Sentiment: kind,
        SentimentScore: {
          Positive: kind === 'POSITIVE' ? 0.9 : 0.05,
          Negative: kind === 'NEGATIVE' ? 0.8 : 0.05,
          Neutral: 0.05,
          Mixed: kind === 'MIXED' ? 0.85 : 0,
        },
      };
    }),
    ErrorList: [],
  });

  it('sends 30 texts as exactly two calls, 25 then 5, in English, and maps the results', async () => {
    comprehend.on(BatchDetectSentimentCommand).callsFake(fakeComprehend);
    const kinds = ['POSITIVE', 'NEGATIVE', 'NEUTRAL', 'MIXED'];
    const texts = Array.from({ length: 30 }, (_, i) => `${kinds[i % 4]} message ${i}`);
    const provider = comprehendProvider(new ComprehendClient({ region: 'us-east-1' }));

    const results = await provider.analyze(texts);

    const calls = comprehend.commandCalls(BatchDetectSentimentCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([
      { TextList: texts.slice(0, 25), LanguageCode: 'en' },
      { TextList: texts.slice(25), LanguageCode: 'en' },
    ]);
    expect(results).toHaveLength(30);
    expect(results.slice(0, 4)).toEqual([
      { label: 'positive', score: 0.85 },
      { label: 'negative', score: -0.75 },
      { label: 'neutral', score: 0 },
      { label: 'mixed', score: 0 },
    ]);
    // The second call's results land at their own positions.
    expect(results[25]).toEqual({ label: 'negative', score: -0.75 });
    expect(results[29]).toEqual({ label: 'negative', score: -0.75 });
  });

  it('leaves a text Comprehend could not score undefined, and cuts texts to 5,000 bytes', async () => {
    comprehend.on(BatchDetectSentimentCommand).resolves({
      ResultList: [
        { Index: 1, Sentiment: 'POSITIVE', SentimentScore: { Positive: 0.7, Negative: 0.1 } },
      ],
      ErrorList: [{ Index: 0, ErrorCode: 'INTERNAL_SERVER_ERROR', ErrorMessage: 'x' }],
    });
    // 2,000 three-byte characters: 6,000 bytes, cut to the 1,666 characters that fit.
    const long = '€'.repeat(2000);
    const results = await comprehendProvider(new ComprehendClient({ region: 'us-east-1' })).analyze(
      [long, 'POSITIVE fine'],
    );

    expect(results).toEqual([undefined, { label: 'positive', score: 0.6 }]);
    const sent = comprehend.commandCalls(BatchDetectSentimentCommand)[0]?.args[0].input;
    expect(sent?.TextList?.[0]).toBe('€'.repeat(1666));
    expect(Buffer.byteLength(sent?.TextList?.[0] ?? '')).toBeLessThanOrEqual(COMPREHEND_MAX_BYTES);
  });

  it('sends nothing for an empty page', async () => {
    const provider = comprehendProvider(new ComprehendClient({ region: 'us-east-1' }));
    expect(await provider.analyze([])).toEqual([]);
    expect(comprehend.commandCalls(BatchDetectSentimentCommand)).toHaveLength(0);
  });

  it('is chosen by the config, with one client per container', () => {
    const config = { sentimentProvider: 'comprehend', comprehendEndpoint: 'http://127.0.0.1:9' };
    expect(sentimentProvider(config as InsightsConfig).name).toBe('comprehend');
    expect(comprehendClient('http://127.0.0.1:9')).toBe(comprehendClient('http://127.0.0.1:9'));
    expect(sentimentProvider({ ...config, sentimentProvider: 'lexicon' }).name).toBe('lexicon');
  });
});

describe('helpers', () => {
  it('reads the text from content, else text, else message', () => {
    expect(textOf({ content: 'a', text: 'b', message: 'c' })).toBe('a');
    expect(textOf({ content: '  ', text: 'b' })).toBe('b');
    expect(textOf({ message: 'c' })).toBe('c');
    expect(textOf({ message: { nested: true } })).toBeUndefined();
    expect(textOf({})).toBeUndefined();
  });

  it('cuts UTF-8 between characters', () => {
    expect(truncateUtf8('aé€', 4)).toBe('aé');
    expect(truncateUtf8('aé€', 6)).toBe('aé€');
  });
});

describe('GET /api/v1/analytics/messages/insights', () => {
  let t: TestTable;
  const now = Date.parse('2026-11-22T12:00:00Z');
  const report = insightsReports[0] as (typeof insightsReports)[number];
  // Lexicon sentiment and the default intent rules (adminDeps' defaults).
  const deps = () => adminDeps(t, now, { rollup: { settleMs: 0, nightlyDays: 1 } });
  const get = async (query: Record<string, string>) => {
    // Errors become responses as the handler's middleware would map them.
    const res = await respond(
      adminRoute(deps(), report),
      httpEvent(report.route, { query: { project: 'p1', ...query } }),
    );
    return { status: res.statusCode, body: JSON.parse(res.body as string) };
  };
  const message = (id: string, at: string, properties: Record<string, unknown>): TallyEvent =>
    tallyEvent({
      messageId: id,
      event: 'message.sent',
      timestamp: at,
      receivedAt: at,
      properties,
    });
  /** Stores `events` as one ingest invocation at `storedAt` (one fact-log item per day). */
  const store = async (storedAt: string, events: TallyEvent[]) => {
    const res = await ingest(ingestDeps(t, Date.parse(storedAt)), [sqsRecord(events)]);
    expect(res.batchItemFailures).toEqual([]);
  };

  beforeEach(async () => {
    t = await createTestTable();
    // Two ingest invocations on the 22nd and one on the 21st, plus events that are not messages.
    await store('2026-11-21T09:00:00Z', [
      message('m1', '2026-11-21T08:00:00Z', {
        conversationId: 'c1',
        channel: 'web',
        content: 'Hello, I love this product!',
      }),
      tallyEvent({ event: 'Page Viewed', timestamp: '2026-11-21T08:01:00Z' }),
    ]);
    await store('2026-11-22T09:00:00Z', [
      message('m2', '2026-11-22T08:00:00Z', {
        conversationId: 'c1',
        channel: 'web',
        text: 'This is terrible and I hate it.',
      }),
      message('m3', '2026-11-22T08:05:00Z', { conversationId: 'c2', channel: 'email', tokens: 12 }),
    ]);
    await store('2026-11-22T10:00:00Z', [
      message('m4', '2026-11-22T09:30:00Z', {
        conversationId: 'c2',
        channel: 'email',
        message: 'Is it raining?',
      }),
      message('m5', '2026-11-22T09:40:00Z', {
        conversationId: 'c1',
        channel: 'web',
        content: 'Cancel my subscription, it is useless',
      }),
      tallyEvent({ event: 'conversation.started', timestamp: '2026-11-22T09:41:00Z' }),
    ]);
  });

  it.each([
    [1, 5],
    [2, 3],
    [3, 2],
    [5, 1],
  ])(
    'pages newest first by %i, resuming inside a log item and across days (%i pages)',
    async (limit, pages) => {
      const ids: string[][] = [];
      let cursor: string | undefined;
      do {
        const { status, body } = await get({
          range: '7d',
          limit: String(limit),
          ...(cursor ? { cursor } : {}),
        });
        expect(status).toBe(200);
        ids.push(body.messages.map((m: { messageId: string }) => m.messageId));
        cursor = body.nextCursor ?? undefined;
      } while (cursor);
      expect(ids.flat()).toEqual(['m5', 'm4', 'm3', 'm2', 'm1']);
      expect(ids).toHaveLength(pages);
    },
  );

  it('ends a page early, with a cursor, when a rare filter would read too much of the log', async () => {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await readMessagePage(
        deps(),
        'p1',
        daysBetween('2026-11-20', '2026-11-22'),
        { conversationId: 'c1' },
        10,
        cursor,
        1,
      );
      pages.push(page.messages.map((m) => m.fact.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    // One read per request (the fact log's one budget rule, store/log-pages.ts): a log item, or
    // the empty query that ends a day. Each page holds what its read found, short of the limit:
    // the 22nd's two items, the query that ends the 22nd, the 21st's item, the query that ends
    // it, and the 20th's empty query, after which there is nothing more.
    expect(pages).toEqual([['m5'], ['m2'], [], ['m1'], [], []]);
  });

  it('scores what has text, counts the rest unknown, and never echoes the text', async () => {
    const { body } = await get({ from: '2026-11-22', to: '2026-11-22' });
    expect(body.range).toEqual({ name: 'custom', from: '2026-11-22', to: '2026-11-22' });
    expect(body.provider).toBe('lexicon');
    expect(body.nextCursor).toBeNull();
    expect(body.messages).toEqual([
      {
        messageId: 'm5',
        conversationId: 'c1',
        channel: 'web',
        userId: 'u1',
        role: null,
        timestamp: '2026-11-22T09:40:00.000Z',
        textLength: 37,
        sentiment: { label: 'negative', score: -0.612 },
        intent: 'cancel',
      },
      {
        messageId: 'm4',
        conversationId: 'c2',
        channel: 'email',
        userId: 'u1',
        role: null,
        timestamp: '2026-11-22T09:30:00.000Z',
        textLength: 14,
        sentiment: { label: 'neutral', score: 0 },
        intent: 'question',
      },
      {
        messageId: 'm3',
        conversationId: 'c2',
        channel: 'email',
        userId: 'u1',
        role: null,
        timestamp: '2026-11-22T08:05:00.000Z',
        textLength: 0,
        sentiment: { label: 'unknown', score: null },
        intent: 'unknown',
      },
      {
        messageId: 'm2',
        conversationId: 'c1',
        channel: 'web',
        userId: 'u1',
        role: null,
        timestamp: '2026-11-22T08:00:00.000Z',
        textLength: 31,
        sentiment: { label: 'negative', score: -0.84 },
        intent: 'complaint',
      },
    ]);
    expect(JSON.stringify(body)).not.toContain('terrible');
    expect(body.totals).toEqual({
      messages: 4,
      scored: 3,
      averageScore: -0.484,
      sentiment: { positive: 0, negative: 2, neutral: 1, mixed: 0, unknown: 1 },
      intents: { cancel: 1, complaint: 1, question: 1, unknown: 1 },
    });
  });

  it('filters by conversation and by channel', async () => {
    const byConversation = await get({ range: '7d', conversation_id: 'c1' });
    expect(byConversation.body.messages.map((m: { messageId: string }) => m.messageId)).toEqual([
      'm5',
      'm2',
      'm1',
    ]);
    expect(
      byConversation.body.conversations.map((c: { conversationId: string }) => c.conversationId),
    ).toEqual(['c1']);
    const byChannel = await get({ range: '7d', channel: 'email' });
    expect(byChannel.body.channels).toEqual([
      {
        channel: 'email',
        messages: 2,
        scored: 1,
        averageScore: 0,
        sentiment: { positive: 0, negative: 0, neutral: 1, mixed: 0, unknown: 1 },
        intents: { question: 1, unknown: 1 },
      },
    ]);
  });

  it('refuses a cursor from another project or range', async () => {
    const { body } = await get({ range: '7d', limit: '1' });
    const other = await get({ from: '2026-11-01', to: '2026-11-02', cursor: body.nextCursor });
    expect(other.status).toBe(400);
    const forged = Buffer.from(
      JSON.stringify({ d: '2026-11-22', k: { pk: 'FL#other#2026-11-22', sk: 'B#x' }, s: 0 }),
    ).toString('base64url');
    expect((await get({ range: '7d', cursor: forged })).status).toBe(400);
  });

  it('refuses a cursor given out for another filter, and takes it on its own', async () => {
    const first = await get({ range: '7d', limit: '1', conversation_id: 'c1' });
    expect(first.body.messages.map((m: { messageId: string }) => m.messageId)).toEqual(['m5']);
    const cursor = first.body.nextCursor as string;
    const others: Record<string, string>[] = [{ conversation_id: 'c2' }, { channel: 'web' }, {}];
    for (const other of others) {
      const res = await get({ range: '7d', limit: '1', ...other, cursor });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(
        'cursor: it belongs to another query (project, filters or range)',
      );
    }
    const next = await get({ range: '7d', limit: '1', conversation_id: 'c1', cursor });
    expect(next.body.messages.map((m: { messageId: string }) => m.messageId)).toEqual(['m2']);
  });
});
