/** The track function's configuration. */

import { RATE_LIMIT_BOUNDS } from '../../model/limits.ts';
import { hasJwt, type JwtConfig, jwtConfig } from './jwt.ts';
import { ConfigError, type Env, integer, oneOf, readAll, text, type Values } from './setting.ts';
import { type StorageConfig, storageConfig } from './storage.ts';

export const IP_MODES = ['truncate', 'hash', 'drop'] as const;
export type IpMode = (typeof IP_MODES)[number];
export const BOT_MODES = ['flag', 'drop'] as const;
export type BotMode = (typeof BOT_MODES)[number];
/** Shorter secrets make the daily salts guessable, and with them every hashed address. */
export const MIN_IP_HASH_SECRET_LENGTH = 32;

export const TRACK = {
  eventBusName: text('EVENT_BUS_NAME', { required: true }),
  /** The local twin's bus; unset in AWS. */
  eventBridgeEndpoint: text('EVENTBRIDGE_ENDPOINT'),
  /** How long a write-key lookup is trusted; revocation takes effect within this. */
  writeKeyCacheSeconds: integer('TALLY_WRITE_KEY_CACHE_SECONDS', 60, 0, 60),
  /** Requests per second a write key may send, unless its project or the key sets its own. */
  rateLimitRequests: integer(
    'TALLY_RATE_LIMIT_REQUESTS',
    500,
    RATE_LIMIT_BOUNDS.requestsPerSecond.min,
    RATE_LIMIT_BOUNDS.requestsPerSecond.max,
  ),
  /** Events per second a write key may send (a batch counts each of its events). */
  rateLimitEvents: integer(
    'TALLY_RATE_LIMIT_EVENTS',
    20_000,
    RATE_LIMIT_BOUNDS.eventsPerSecond.min,
    RATE_LIMIT_BOUNDS.eventsPerSecond.max,
  ),
} as const;

/** How the track function treats addresses and bots. */
export const PRIVACY = {
  /** What is stored of a caller's IP: truncated (/24, /48), a daily-salted hash, or nothing. */
  ipMode: oneOf('TALLY_IP_MODE', IP_MODES, 'truncate'),
  /** Required when ipMode is 'hash': the secret the daily salts derive from. */
  ipHashSecret: text('TALLY_IP_HASH_SECRET', { secret: true }),
  /** Events from known bots are kept and flagged, or refused (and reported as such). */
  botMode: oneOf('TALLY_BOT_MODE', BOT_MODES, 'flag'),
} as const;

export type PrivacyConfig = Values<typeof PRIVACY>;

export type TrackConfig = Values<typeof TRACK> & {
  readonly storage: StorageConfig;
  /** Verifies service tokens (`scope: track`); undefined when only write keys are accepted. */
  readonly jwt: JwtConfig | undefined;
  readonly privacy: PrivacyConfig;
};

export function trackConfig(env: Env): TrackConfig {
  const privacy = readAll(PRIVACY, env);
  if (
    privacy.ipMode === 'hash' &&
    (privacy.ipHashSecret === undefined || privacy.ipHashSecret.length < MIN_IP_HASH_SECRET_LENGTH)
  ) {
    throw new ConfigError(
      `${PRIVACY.ipMode.env}=hash needs ${PRIVACY.ipHashSecret.env} of at least ${MIN_IP_HASH_SECRET_LENGTH} characters`,
    );
  }
  return {
    storage: storageConfig(env),
    ...readAll(TRACK, env),
    jwt: hasJwt(env) ? jwtConfig(env) : undefined,
    privacy,
  };
}
