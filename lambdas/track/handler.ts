/** Tracking API Lambda: thin wiring of config, clients and the route logic. */
import middy from '@middy/core';
import { trackConfig } from '../contract/config/track.ts';
import { documentClient, eventBridgeClient } from '../http/clients.ts';
import { httpErrors } from '../http/error-handler.ts';
import type { HttpEvent, HttpResult } from '../http/json.ts';
import { createVerifier } from '../http/jwt.ts';
import { createLogger } from '../http/logger.ts';
import { routerFor } from '../http/router.ts';
import { RATE_WINDOW_SECONDS } from '../model/limits.ts';
import { addUsage } from '../store/rate-limits.ts';
import { RateLimitResolver } from '../store/settings.ts';
import { DailySalts } from '../store/visitor-salts.ts';
import { WriteKeyResolver } from '../store/write-keys.ts';
import { trackCors } from './cors.ts';
import { RateLimiter } from './rate-limit.ts';
import { trackRoutes } from './routes.ts';

const config = trackConfig(process.env);
const logger = createLogger('track');
const ddb = documentClient(config.storage);
const { tableName } = config.storage;
const cacheMs = config.writeKeyCacheSeconds * 1000;
const resolver = new WriteKeyResolver(ddb, tableName, cacheMs);
const limits = new RateLimitResolver(
  ddb,
  tableName,
  { requestsPerSecond: config.rateLimitRequests, eventsPerSecond: config.rateLimitEvents },
  cacheMs,
);

const salts = new DailySalts(ddb, tableName);

const route = routerFor(
  'track',
  trackRoutes({
    auth: {
      resolveWriteKey: (secret) => resolver.grant(secret),
      verifyServiceToken: config.jwt ? createVerifier(config.jwt) : undefined,
    },
    privacy: config.privacy,
    limiter: new RateLimiter({
      addUsage: (window, add) => addUsage(ddb, tableName, window, add),
      limitOf: (projectId, keyId) => limits.limitOf(projectId, keyId),
      windowSeconds: RATE_WINDOW_SECONDS,
      now: Date.now,
      log: logger,
    }),
    eventBridge: eventBridgeClient(config.eventBridgeEndpoint),
    busName: config.eventBusName,
    visitorSalt: (day) => salts.of(day),
    now: Date.now,
    log: logger,
  }),
);

export const handler = middy<HttpEvent, HttpResult>()
  .use(logger.context())
  .use(trackCors())
  .use(httpErrors(logger))
  .handler(route);
