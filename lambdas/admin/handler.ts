/** Admin API Lambda: thin wiring of config, clients, the JWT verifier and the report routes. */
import middy from '@middy/core';
import { documentClient } from '../shared/clients.ts';
import { adminConfig } from '../shared/config.ts';
import { type HttpEvent, type HttpResult, httpErrors } from '../shared/http.ts';
import { createVerifier } from '../shared/jwt.ts';
import { createLogger } from '../shared/logger.ts';
import { routerFor } from '../shared/router.ts';
import { adminRoutes } from './routes.ts';

const config = adminConfig(process.env);
const logger = createLogger('admin');

const route = routerFor(
  'admin',
  adminRoutes({
    ddb: documentClient(config.storage),
    tableName: config.storage.tableName,
    storage: config.storage,
    now: Date.now,
    verify: createVerifier(config.jwt),
    adminRole: config.jwt.adminRole,
    rollup: {
      settleMs: config.rollup.settleSeconds * 1000,
      nightlyDays: config.rollup.nightlyDays,
    },
    tokenPrices: config.tokenPrices,
    insights: config.insights,
  }),
);

export const handler = middy<HttpEvent, HttpResult>().use(httpErrors(logger)).handler(route);
