/** Tracking API Lambda: thin wiring of config, clients and the route logic. */
import middy from '@middy/core';
import { trackConfig } from '../contract/config/track.ts';
import { documentClient, eventBridgeClient } from '../http/clients.ts';
import { httpErrors } from '../http/error-handler.ts';
import type { HttpEvent, HttpResult } from '../http/json.ts';
import { createVerifier } from '../http/jwt.ts';
import { createLogger } from '../http/logger.ts';
import { routerFor } from '../http/router.ts';
import { WriteKeyResolver } from '../store/write-keys.ts';
import { trackRoutes } from './routes.ts';

const config = trackConfig(process.env);
const logger = createLogger('track');
const resolver = new WriteKeyResolver(
  documentClient(config.storage),
  config.storage.tableName,
  config.writeKeyCacheSeconds * 1000,
);

const route = routerFor(
  'track',
  trackRoutes({
    auth: {
      resolveWriteKey: (secret) => resolver.resolve(secret),
      verifyServiceToken: config.jwt ? createVerifier(config.jwt) : undefined,
    },
    privacy: config.privacy,
    eventBridge: eventBridgeClient(config.eventBridgeEndpoint),
    busName: config.eventBusName,
    now: Date.now,
    log: logger,
  }),
);

export const handler = middy<HttpEvent, HttpResult>()
  .use(logger.context())
  .use(httpErrors(logger))
  .handler(route);
