/**
 * Configuration, read once at cold start. A missing or malformed variable throws here, when the
 * module loads, not at the first request. The CDK constructs import `ENV` so the names they set
 * are the names read here.
 */
import { isRecord } from '../model/values.ts';

export const ENV = {
  tableName: 'TABLE_NAME',
  eventBusName: 'EVENT_BUS_NAME',
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  eventBridgeEndpoint: 'EVENTBRIDGE_ENDPOINT',
  eventShards: 'TALLY_EVENT_SHARDS',
  userShards: 'TALLY_USER_SHARDS',
  bucketSeconds: 'TALLY_BUCKET_SECONDS',
  retentionDays: 'TALLY_RETENTION_DAYS',
  writeKeyCacheSeconds: 'TALLY_WRITE_KEY_CACHE_SECONDS',
  ipMode: 'TALLY_IP_MODE',
  ipHashSecret: 'TALLY_IP_HASH_SECRET',
  botMode: 'TALLY_BOT_MODE',
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  sqsEndpoint: 'SQS_ENDPOINT',
  maxReceiveCount: 'TALLY_MAX_RECEIVE_COUNT',
  rollupSettleSeconds: 'TALLY_ROLLUP_SETTLE_SECONDS',
  rollupNightlyDays: 'TALLY_ROLLUP_NIGHTLY_DAYS',
  rollupHourly: 'TALLY_ROLLUP_HOURLY',
  tokenPrices: 'TALLY_TOKEN_PRICES',
  sentimentProvider: 'TALLY_SENTIMENT_PROVIDER',
  intentRules: 'TALLY_INTENT_RULES',
  comprehendEndpoint: 'COMPREHEND_ENDPOINT',
  jwksUrl: 'JWT_JWKS_URL',
  jwtSecret: 'JWT_HS256_SECRET',
  jwtIssuer: 'JWT_ISSUER',
  jwtAudience: 'JWT_AUDIENCE',
  jwtRoleClaim: 'JWT_ROLE_CLAIM',
  jwtAdminRole: 'JWT_ADMIN_ROLE',
  jwtProjectsClaim: 'JWT_PROJECTS_CLAIM',
} as const;

type Env = Record<string, string | undefined>;

/** Thrown at cold start when the environment is incomplete. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigError(`Environment variable ${name} is required but not set`);
  }
  return value;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** Where and how data is laid out in the table. Changing the shard counts of a live table splits its history. */
export interface StorageConfig {
  readonly tableName: string;
  readonly dynamodbEndpoint: string | undefined;
  /** Write shards per raw-event day partition (each takes up to 1,000 writes/s). */
  readonly eventShards: number;
  /** Shards for user profiles and user-day markers. */
  readonly userShards: number;
  /** Width of a live counter bucket, whole minutes (60 to 3600 s); the rollup folds whole buckets. */
  readonly bucketSeconds: number;
  /** Raw events expire this many days after they were received (also the dedupe window). */
  readonly retentionDays: number;
}

export function storageConfig(env: Env): StorageConfig {
  return {
    tableName: required(env, ENV.tableName),
    dynamodbEndpoint: optional(env, ENV.dynamodbEndpoint),
    eventShards: integer(env, ENV.eventShards, 8, 1, 256),
    userShards: integer(env, ENV.userShards, 8, 1, 256),
    bucketSeconds: integer(env, ENV.bucketSeconds, 300, 60, 3600),
    retentionDays: integer(env, ENV.retentionDays, 395, 8, 3650),
  };
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(
      `${name} must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`,
    );
  }
  return raw as T;
}

export const IP_MODES = ['truncate', 'hash', 'drop'] as const;
export type IpMode = (typeof IP_MODES)[number];
export const BOT_MODES = ['flag', 'drop'] as const;
export type BotMode = (typeof BOT_MODES)[number];
/** Shorter secrets make the daily salts guessable, and with them every hashed address. */
export const MIN_IP_HASH_SECRET_LENGTH = 32;

/** How the track function treats addresses and bots. */
export interface PrivacyConfig {
  /** What is stored of a caller's IP: truncated (/24, /48), a daily-salted hash, or nothing. */
  readonly ipMode: IpMode;
  /** Required when ipMode is 'hash': the secret the daily salts derive from. */
  readonly ipHashSecret?: string | undefined;
  /** Events from known bots are kept and flagged, or refused (and reported as such). */
  readonly botMode: BotMode;
}

export interface TrackConfig {
  readonly storage: StorageConfig;
  readonly eventBusName: string;
  readonly eventBridgeEndpoint: string | undefined;
  /** How long a write-key lookup is trusted; revocation takes effect within this. */
  readonly writeKeyCacheSeconds: number;
  /** Verifies service tokens (`scope: track`); undefined when only write keys are accepted. */
  readonly jwt: JwtConfig | undefined;
  readonly privacy: PrivacyConfig;
}

export function trackConfig(env: Env): TrackConfig {
  const ipMode = oneOf(env, ENV.ipMode, IP_MODES, 'truncate');
  const ipHashSecret = optional(env, ENV.ipHashSecret);
  if (
    ipMode === 'hash' &&
    (ipHashSecret === undefined || ipHashSecret.length < MIN_IP_HASH_SECRET_LENGTH)
  ) {
    throw new ConfigError(
      `${ENV.ipMode}=hash needs ${ENV.ipHashSecret} of at least ${MIN_IP_HASH_SECRET_LENGTH} characters`,
    );
  }
  const hasJwt =
    optional(env, ENV.jwksUrl) !== undefined || optional(env, ENV.jwtSecret) !== undefined;
  return {
    storage: storageConfig(env),
    eventBusName: required(env, ENV.eventBusName),
    eventBridgeEndpoint: optional(env, ENV.eventBridgeEndpoint),
    writeKeyCacheSeconds: integer(env, ENV.writeKeyCacheSeconds, 60, 0, 60),
    jwt: hasJwt ? jwtConfig(env) : undefined,
    privacy: { ipMode, ipHashSecret, botMode: oneOf(env, ENV.botMode, BOT_MODES, 'flag') },
  };
}

export interface IngestConfig {
  readonly storage: StorageConfig;
  /** Where records that can never be stored go, with their reason. */
  readonly deadLetterQueueUrl: string | undefined;
  readonly sqsEndpoint: string | undefined;
  /** The queue's receive limit: on the last receive a failing record is dead-lettered with its reason. */
  readonly maxReceiveCount: number;
}

export function ingestConfig(env: Env): IngestConfig {
  return {
    storage: storageConfig(env),
    deadLetterQueueUrl: optional(env, ENV.deadLetterQueueUrl),
    sqsEndpoint: optional(env, ENV.sqsEndpoint),
    maxReceiveCount: integer(env, ENV.maxReceiveCount, 5, 1, 1000),
  };
}

export interface JwtConfig {
  /** Exactly one of `jwksUrl` and `secret` is set. */
  readonly jwksUrl: string | undefined;
  readonly secret: string | undefined;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  readonly roleClaim: string;
  readonly adminRole: string;
  readonly projectsClaim: string;
}

export function jwtConfig(env: Env): JwtConfig {
  const jwksUrl = optional(env, ENV.jwksUrl);
  const secret = optional(env, ENV.jwtSecret);
  if ((jwksUrl === undefined) === (secret === undefined)) {
    throw new ConfigError(`Set exactly one of ${ENV.jwksUrl} and ${ENV.jwtSecret}`);
  }
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError(`${ENV.jwtSecret} must be at least 32 characters`);
  }
  if (jwksUrl !== undefined && !/^https?:\/\//.test(jwksUrl)) {
    throw new ConfigError(`${ENV.jwksUrl} must be an http(s) URL, got ${JSON.stringify(jwksUrl)}`);
  }
  return {
    jwksUrl,
    secret,
    issuer: optional(env, ENV.jwtIssuer),
    audience: optional(env, ENV.jwtAudience),
    roleClaim: optional(env, ENV.jwtRoleClaim) ?? 'roles',
    adminRole: optional(env, ENV.jwtAdminRole) ?? 'admin',
    projectsClaim: optional(env, ENV.jwtProjectsClaim) ?? 'projects',
  };
}

export interface RollupConfig {
  readonly storage: StorageConfig;
  /**
   * How long after a live bucket ends it may still be written to; must exceed the ingest
   * function's timeout. Only buckets older than this are folded into a rebuild.
   */
  readonly settleSeconds: number;
  /** Days the nightly rebuild covers, to fold late events into closed days. */
  readonly nightlyDays: number;
  /**
   * What the hourly job does to today and yesterday: fold the live layer into the rollup
   * (`compact`, cheap: it reads facts, not raw events), or rebuild from raw events (`rebuild`).
   */
  readonly hourly: 'compact' | 'rebuild';
}

export function rollupConfig(env: Env): RollupConfig {
  return {
    storage: storageConfig(env),
    settleSeconds: integer(env, ENV.rollupSettleSeconds, 120, 0, 3600),
    nightlyDays: integer(env, ENV.rollupNightlyDays, 3, 1, 400),
    hourly: oneOf(env, ENV.rollupHourly, ['compact', 'rebuild'] as const, 'compact'),
  };
}

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

function tokenPrices(env: Env): Record<string, ModelPrice> {
  const raw = optional(env, ENV.tokenPrices);
  if (raw === undefined) return { ...DEFAULT_TOKEN_PRICES };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(
      `${ENV.tokenPrices} must be JSON like {"gpt-4o":{"input":2.5,"output":10}}`,
    );
  }
  if (!isRecord(parsed)) {
    throw new ConfigError(`${ENV.tokenPrices} must be an object of model → price`);
  }
  const out: Record<string, ModelPrice> = {};
  for (const [model, price] of Object.entries(parsed)) {
    const p = price as Record<string, unknown> | null;
    const ok = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0;
    if (!p || !ok(p.input) || !ok(p.output) || (p.total !== undefined && !ok(p.total))) {
      throw new ConfigError(
        `${ENV.tokenPrices}: ${model} needs non-negative numbers input and output (and optionally total), got ${JSON.stringify(price)}`,
      );
    }
    out[model] = {
      input: p.input as number,
      output: p.output as number,
      ...(p.total !== undefined ? { total: p.total as number } : {}),
    };
  }
  return out;
}

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

function intentRules(env: Env): readonly IntentRule[] {
  const raw = optional(env, ENV.intentRules);
  if (raw === undefined) return DEFAULT_INTENT_RULES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(
      `${ENV.intentRules} must be JSON like [{"intent":"refund","pattern":"refund"}]`,
    );
  }
  if (!Array.isArray(parsed)) throw new ConfigError(`${ENV.intentRules} must be an array of rules`);
  return parsed.map((r: unknown, i) => {
    const rule = r as Partial<IntentRule> | null;
    if (
      !rule ||
      typeof rule.intent !== 'string' ||
      !rule.intent ||
      typeof rule.pattern !== 'string'
    ) {
      throw new ConfigError(`${ENV.intentRules}[${i}] needs a string intent and pattern`);
    }
    try {
      new RegExp(rule.pattern, 'i');
    } catch {
      throw new ConfigError(
        `${ENV.intentRules}[${i}].pattern is not a valid regular expression: ${rule.pattern}`,
      );
    }
    return { intent: rule.intent, pattern: rule.pattern };
  });
}

export interface InsightsConfig {
  /** Lexicon-based sentiment in process, or Amazon Comprehend (AWS only). */
  readonly sentimentProvider: 'lexicon' | 'comprehend';
  readonly comprehendEndpoint: string | undefined;
  readonly intentRules: readonly IntentRule[];
}

export interface AdminConfig {
  readonly storage: StorageConfig;
  readonly jwt: JwtConfig;
  readonly rollup: RollupConfig;
  readonly tokenPrices: Readonly<Record<string, ModelPrice>>;
  readonly insights: InsightsConfig;
}

export function adminConfig(env: Env): AdminConfig {
  return {
    storage: storageConfig(env),
    jwt: jwtConfig(env),
    rollup: rollupConfig(env),
    tokenPrices: tokenPrices(env),
    insights: {
      sentimentProvider: oneOf(
        env,
        ENV.sentimentProvider,
        ['lexicon', 'comprehend'] as const,
        'lexicon',
      ),
      comprehendEndpoint: optional(env, ENV.comprehendEndpoint),
      intentRules: intentRules(env),
    },
  };
}
