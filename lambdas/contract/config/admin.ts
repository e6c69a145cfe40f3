/** The admin function's configuration: token prices and message insights, besides JWT and rollup. */
import * as v from 'valibot';
import { type JwtConfig, jwtConfig } from './jwt.ts';
import { type RollupConfig, rollupConfig } from './rollup.ts';
import { type Env, json, oneOf, readAll, text, type Values } from './setting.ts';
import { type StorageConfig, storageConfig } from './storage.ts';

/** USD per million tokens of one model, by kind; `total` prices tokens reported without a kind. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  readonly total?: number;
}

/**
 * Public list prices (USD per million tokens) of a few common models, as examples: set
 * TALLY_TOKEN_PRICES to your own table (it replaces this one).
 */
export const DEFAULT_TOKEN_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'claude-3-haiku': { input: 0.25, output: 1.25 },
};

const price = v.pipe(v.number(), v.finite(), v.minValue(0));
const tokenPrices: v.GenericSchema<unknown, Readonly<Record<string, ModelPrice>>> = v.record(
  v.string(),
  v.object({ input: price, output: price, total: v.optional(price) }),
);

/** A rule that gives a message an intent when its text matches `pattern` (case-insensitive). */
export interface IntentRule {
  readonly intent: string;
  readonly pattern: string;
}

/** Used when TALLY_INTENT_RULES is not set; the first matching rule wins, else `other`. */
export const DEFAULT_INTENT_RULES: readonly IntentRule[] = [
  { intent: 'cancel', pattern: '\\b(cancel|unsubscribe|close my account|refund)\\b' },
  {
    intent: 'complaint',
    pattern: '\\b(not working|broken|terrible|awful|angry|disappointed|complain)',
  },
  { intent: 'purchase', pattern: '\\b(buy|purchase|pricing|price|upgrade|subscribe|plan)\\b' },
  { intent: 'support', pattern: "\\b(help|error|issue|problem|bug|can't|cannot|how do i)\\b" },
  { intent: 'greeting', pattern: '^\\s*(hi|hello|hey|good (morning|afternoon|evening))\\b' },
  { intent: 'question', pattern: '\\?\\s*$' },
];

const isRegExp = (pattern: string) => {
  try {
    new RegExp(pattern, 'i');
    return true;
  } catch {
    return false;
  }
};

const intentRules: v.GenericSchema<unknown, readonly IntentRule[]> = v.array(
  v.object({
    intent: v.pipe(v.string(), v.minLength(1)),
    pattern: v.pipe(v.string(), v.check(isRegExp, 'is not a valid regular expression')),
  }),
);

export const SENTIMENT_PROVIDERS = ['lexicon', 'comprehend'] as const;
export type SentimentProviderName = (typeof SENTIMENT_PROVIDERS)[number];

export const ADMIN = {
  /** USD per million tokens, by model. */
  tokenPrices: json(
    'TALLY_TOKEN_PRICES',
    tokenPrices,
    DEFAULT_TOKEN_PRICES,
    'JSON like {"gpt-4o":{"input":2.5,"output":10}}: per model, non-negative input and output (and optionally total)',
  ),
} as const;

/** Message insights. */
export const INSIGHTS = {
  /** Lexicon-based sentiment in process, or Amazon Comprehend (AWS only). */
  sentimentProvider: oneOf('TALLY_SENTIMENT_PROVIDER', SENTIMENT_PROVIDERS, 'lexicon'),
  /** A Comprehend stand-in's endpoint (tests); unset in AWS. */
  comprehendEndpoint: text('COMPREHEND_ENDPOINT'),
  intentRules: json(
    'TALLY_INTENT_RULES',
    intentRules,
    DEFAULT_INTENT_RULES,
    'JSON like [{"intent":"refund","pattern":"refund"}]: each rule a non-empty intent and a valid regular expression',
  ),
} as const;

export type InsightsConfig = Values<typeof INSIGHTS>;

export type AdminConfig = Values<typeof ADMIN> & {
  readonly storage: StorageConfig;
  readonly jwt: JwtConfig;
  readonly rollup: RollupConfig;
  readonly insights: InsightsConfig;
};

export const adminConfig = (env: Env): AdminConfig => ({
  storage: storageConfig(env),
  jwt: jwtConfig(env),
  rollup: rollupConfig(env),
  ...readAll(ADMIN, env),
  insights: readAll(INSIGHTS, env),
});
