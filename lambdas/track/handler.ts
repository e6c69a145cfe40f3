/** Tracking API Lambda: thin wiring of config, clients and the route logic. */
import middy from '@middy/core';
import { documentClient, eventBridgeClient } from '../shared/clients.ts';
import { trackConfig } from '../shared/config.ts';
import { type HttpEvent, type HttpResult, httpErrors } from '../shared/http.ts';
import { createVerifier } from '../shared/jwt.ts';
import { createLogger } from '../shared/logger.ts';
import { routerFor } from '../shared/router.ts';
import { WriteKeyResolver } from '../shared/write-keys.ts';
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
  }),
);

export const handler = middy<HttpEvent, HttpResult>().use(httpErrors(logger)).handler(route);
