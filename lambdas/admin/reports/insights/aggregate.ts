/** Sums message insights per conversation, per channel and in total. */
import { byCountDesc } from '../numbers.ts';
import { roundScore, type SentimentLabel } from './sentiment.ts';

/** `unknown`: a message without text, or one the provider could not score. */
export type InsightLabel = SentimentLabel | 'unknown';

export interface MessageInsight {
  messageId: string;
  conversationId: string | null;
  channel: string | null;
  /** The actor: userId, or `anon:<anonymousId>`. */
  userId: string | null;
  role: string | null;
  timestamp: string;
  /** Characters (code points) of the text; the text itself is never echoed. */
  textLength: number;
  sentiment: { label: InsightLabel; score: number | null };
  intent: string;
}

export interface InsightTotals {
  messages: number;
  /** Messages with a score (not `unknown`): the weight of `averageScore` when merging pages. */
  scored: number;
  /** Mean score of the scored messages; null when none was scored. */
  averageScore: number | null;
  sentiment: Record<InsightLabel, number>;
  /** Messages per intent, most frequent first. */
  intents: Record<string, number>;
}

export interface ConversationInsights extends InsightTotals {
  conversationId: string;
}

export interface ChannelInsights extends InsightTotals {
  channel: string;
}

interface Acc {
  messages: number;
  scored: number;
  scoreSum: number;
  sentiment: Record<InsightLabel, number>;
  intents: Map<string, number>;
}

const emptyAcc = (): Acc => ({
  messages: 0,
  scored: 0,
  scoreSum: 0,
  sentiment: { positive: 0, negative: 0, neutral: 0, mixed: 0, unknown: 0 },
  intents: new Map(),
});

function add(a: Acc, m: MessageInsight): void {
  a.messages++;
  a.sentiment[m.sentiment.label]++;
  if (m.sentiment.score !== null) {
    a.scored++;
    a.scoreSum += m.sentiment.score;
  }
  a.intents.set(m.intent, (a.intents.get(m.intent) ?? 0) + 1);
}

function totalsOf(a: Acc): InsightTotals {
  return {
    messages: a.messages,
    scored: a.scored,
    averageScore: a.scored > 0 ? roundScore(a.scoreSum / a.scored) : null,
    sentiment: a.sentiment,
    intents: Object.fromEntries([...a.intents].sort(byCountDesc(([intent, n]) => [n, intent]))),
  };
}

function groupBy(messages: MessageInsight[], keyOf: (m: MessageInsight) => string | null) {
  const groups = new Map<string, Acc>();
  for (const m of messages) {
    const key = keyOf(m);
    if (key === null) continue;
    let acc = groups.get(key);
    if (!acc) {
      acc = emptyAcc();
      groups.set(key, acc);
    }
    add(acc, m);
  }
  return [...groups]
    .sort(byCountDesc(([key, acc]) => [acc.messages, key]))
    .map(([key, acc]) => [key, totalsOf(acc)] as const);
}

/** Per conversation and per channel (most messages first; messages without one are in totals only). */
export function aggregateInsights(messages: MessageInsight[]): {
  conversations: ConversationInsights[];
  channels: ChannelInsights[];
  totals: InsightTotals;
} {
  const all = emptyAcc();
  for (const m of messages) add(all, m);
  return {
    conversations: groupBy(messages, (m) => m.conversationId).map(([conversationId, t]) => ({
      conversationId,
      ...t,
    })),
    channels: groupBy(messages, (m) => m.channel).map(([channel, t]) => ({ channel, ...t })),
    totals: totalsOf(all),
  };
}
