/** Admin API Lambda: thin wiring of config, clients, the JWT verifier and the report routes. */
import middy from '@middy/core';
import { adminConfig } from '../contract/config/admin.ts';
import { documentClient } from '../http/clients.ts';
import { httpErrors } from '../http/error-handler.ts';
import type { HttpEvent, HttpResult } from '../http/json.ts';
import { createVerifier } from '../http/jwt.ts';
import { createLogger } from '../http/logger.ts';
import { routerFor } from '../http/router.ts';
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
    log: logger,
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

export const handler = middy<HttpEvent, HttpResult>()
  .use(logger.context())
  .use(httpErrors(logger))
  .handler(route);
