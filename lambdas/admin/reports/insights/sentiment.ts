/**
 * Sentiment of message texts behind one interface: a lexicon scorer in process (offline, free,
 * deterministic) or Amazon Comprehend (better with context; priced per text, AWS only).
 */
import { BatchDetectSentimentCommand, ComprehendClient } from '@aws-sdk/client-comprehend';
import AfinnSentiment from 'sentiment';
import type { InsightsConfig } from '../../../contract/config/admin.ts';
import { mapLimit } from '../../../store/dynamo.ts';

export type SentimentLabel = 'positive' | 'negative' | 'neutral' | 'mixed';

/** One text's sentiment: a label and a score in [-1, 1], from negative to positive. */
export interface TextSentiment {
  label: SentimentLabel;
  score: number;
}

/** Scores texts; `analyze` answers one entry per text, in order, undefined where it could not. */
export interface SentimentProvider {
  readonly name: InsightsConfig['sentimentProvider'];
  analyze(texts: string[]): Promise<(TextSentiment | undefined)[]>;
}

/** Scores are rounded so that equal inputs print equal, whatever the float noise. */
export const roundScore = (x: number) => Math.round(x * 1000) / 1000 || 0;

// ---- lexicon ----

// `sentiment`: AFINN-165 word list with simple negation, MIT, no dependencies, in-process and free.
const afinn = new AfinnSentiment();
/** VADER's normalisation x / √(x² + α) maps an unbounded sum of word scores into (-1, 1). */
const ALPHA = 15;
/** Both polarities present and the weaker at least half the stronger: the text says both. */
const MIXED_RATIO = 0.5;

/** The lexicon sentiment of one text. */
export function lexiconSentiment(text: string): TextSentiment {
  let positive = 0;
  let negative = 0;
  // `calculation` holds each scored word after negation ("not good" scores good as −3).
  for (const word of afinn.analyze(text).calculation) {
    for (const value of Object.values(word)) {
      if (value > 0) positive += value;
      else negative -= value;
    }
  }
  if (positive === 0 && negative === 0) return { label: 'neutral', score: 0 };
  const sum = positive - negative;
  const score = roundScore(sum / Math.sqrt(sum * sum + ALPHA));
  if (
    positive > 0 &&
    negative > 0 &&
    Math.min(positive, negative) >= MIXED_RATIO * Math.max(positive, negative)
  ) {
    return { label: 'mixed', score };
  }
  return { label: sum > 0 ? 'positive' : 'negative', score };
}

export const lexiconProvider: SentimentProvider = {
  name: 'lexicon',
  analyze: async (texts) => texts.map(lexiconSentiment),
};

// ---- Amazon Comprehend ----

/** BatchDetectSentiment takes at most 25 texts per call, each at most 5,000 bytes of UTF-8. */
export const COMPREHEND_BATCH = 25;
export const COMPREHEND_MAX_BYTES = 5000;
/** Calls in flight at once: a page is at most a few batches; stay well under the TPS quota. */
const COMPREHEND_CONCURRENCY = 4;

let comprehend: { endpoint: string | undefined; client: ComprehendClient } | undefined;

/** The container's one Comprehend client, made on first use (SDK clients are reused). */
export function comprehendClient(endpoint: string | undefined): ComprehendClient {
  if (!comprehend || comprehend.endpoint !== endpoint) {
    comprehend = { endpoint, client: new ComprehendClient(endpoint ? { endpoint } : {}) };
  }
  return comprehend.client;
}

/** The longest prefix of `text` within `maxBytes` of UTF-8, cut between characters. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    bytes += Buffer.byteLength(ch);
    if (bytes > maxBytes) break;
    out += ch;
  }
  return out;
}

const LABELS: Record<string, SentimentLabel> = {
  POSITIVE: 'positive',
  NEGATIVE: 'negative',
  NEUTRAL: 'neutral',
  MIXED: 'mixed',
};

export function comprehendProvider(client: ComprehendClient): SentimentProvider {
  return {
    name: 'comprehend',
    analyze: async (texts) => {
      const batches: string[][] = [];
      for (let i = 0; i < texts.length; i += COMPREHEND_BATCH) {
        batches.push(texts.slice(i, i + COMPREHEND_BATCH));
      }
      const results = await mapLimit(batches, COMPREHEND_CONCURRENCY, async (batch) => {
        const res = await client.send(
          new BatchDetectSentimentCommand({
            // Longer texts would fail the whole item; their opening carries the sentiment.
            TextList: batch.map((t) => truncateUtf8(t, COMPREHEND_MAX_BYTES)),
            LanguageCode: 'en',
          }),
        );
        // Items in ErrorList stay undefined: one unreadable text must not fail the report.
        const out = new Array<TextSentiment | undefined>(batch.length).fill(undefined);
        for (const r of res.ResultList ?? []) {
          const label = r.Sentiment ? LABELS[r.Sentiment] : undefined;
          if (r.Index === undefined || !label) continue;
          const s = r.SentimentScore ?? {};
          out[r.Index] = { label, score: roundScore((s.Positive ?? 0) - (s.Negative ?? 0)) };
        }
        return out;
      });
      return results.flat();
    },
  };
}

/** The provider the configuration names. */
export function sentimentProvider(
  config: Pick<InsightsConfig, 'sentimentProvider' | 'comprehendEndpoint'>,
): SentimentProvider {
  return config.sentimentProvider === 'comprehend'
    ? comprehendProvider(comprehendClient(config.comprehendEndpoint))
    : lexiconProvider;
}
