/**
 * The CDK app's context values (`-c name=value`), read into the stack's props. Each documented
 * value (README, docs/operations.md) is read here, and checked where it is used, with the same
 * configuration schema the function reads its environment with (lambdas/contract/config/).
 */
import type { App } from 'aws-cdk-lib';
import { INSIGHTS, type SentimentProviderName } from '../lambdas/contract/config/admin.ts';
import { API_STAGE } from '../lambdas/contract/config/api.ts';
import { JWT } from '../lambdas/contract/config/jwt.ts';
import { resolve } from '../lambdas/contract/config/setting.ts';
import { parseOrigins } from '../lambdas/contract/cors.ts';
import { DEFAULT_STAGE, stageSettings } from '../lib/stage.ts';
import { TallyStack } from '../lib/tally-stack.ts';

/** Every context value the app reads. */
export const CONTEXT_VALUES = [
  'stackName',
  'jwksUrl',
  'jwtSecretName',
  'jwtIssuer',
  'jwtAudience',
  'jwtRoleClaim',
  'adminRole',
  'jwtProjectsClaim',
  'sentimentProvider',
  'jwtMaxTokenLifetime',
  'stage',
  'alarmEmail',
  'domainName',
  'certificateArn',
  'apiThrottleRate',
  'apiThrottleBurst',
  'corsOrigins',
  'oidcIssuer',
  'oidcClientId',
] as const;
export type ContextValue = (typeof CONTEXT_VALUES)[number];

/** The stack `app`'s context describes, added to the app. */
export function stackFromContext(app: App, env: { account?: string; region?: string } = {}) {
  const ctx = (name: ContextValue): string | undefined => {
    const value = app.node.tryGetContext(name);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const jwksUrl = ctx('jwksUrl');
  const jwtSecretName = ctx('jwtSecretName');
  const sentimentProvider = ctx('sentimentProvider');
  const lifetime = ctx('jwtMaxTokenLifetime');
  const alarmEmail = ctx('alarmEmail');
  const domainName = ctx('domainName');
  const certificateArn = ctx('certificateArn');
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new Error('-c domainName and -c certificateArn go together: give both, or neither');
  }
  const throttleRate = ctx('apiThrottleRate');
  const throttleBurst = ctx('apiThrottleBurst');
  const corsOrigins = parseOrigins(ctx('corsOrigins'), '-c corsOrigins');
  const oidcIssuer = ctx('oidcIssuer');
  const oidcClientId = ctx('oidcClientId');
  if ((oidcIssuer === undefined) !== (oidcClientId === undefined))
    throw new Error('-c oidcIssuer and -c oidcClientId go together (the dashboard needs both)');
  return new TallyStack(app, ctx('stackName') ?? 'Tally', {
    env,
    stage: stageSettings(ctx('stage') ?? DEFAULT_STAGE, '-c stage').name,
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(domainName && certificateArn ? { domain: { name: domainName, certificateArn } } : {}),
    description:
      'Tally: serverless analytics (tracking API, event bus, ingest, rollups, admin API, dashboard)',
    ...(jwksUrl || jwtSecretName
      ? {
          externalIssuer: {
            ...(jwksUrl ? { jwksUrl } : { hs256SecretName: jwtSecretName }),
            issuer: ctx('jwtIssuer'),
            audience: ctx('jwtAudience'),
            roleClaim: ctx('jwtRoleClaim'),
            adminRole: ctx('adminRole'),
            projectsClaim: ctx('jwtProjectsClaim'),
            ...(oidcIssuer && oidcClientId
              ? { oidc: { issuer: oidcIssuer, clientId: oidcClientId } }
              : {}),
          },
        }
      : {}),
    ...(lifetime === undefined
      ? {}
      : {
          // Text that is no integer is checked as sent, so the error quotes it.
          maxTokenLifetimeSeconds: resolve(
            JWT.maxLifetimeSeconds,
            (Number.isNaN(JWT.maxLifetimeSeconds.parse(lifetime))
              ? lifetime
              : JWT.maxLifetimeSeconds.parse(lifetime)) as number,
            '-c jwtMaxTokenLifetime',
          ),
        }),
    ...(throttleRate === undefined
      ? {}
      : {
          apiThrottleRate: resolve(
            API_STAGE.throttleRate,
            Number(throttleRate),
            '-c apiThrottleRate',
          ),
        }),
    ...(throttleBurst === undefined
      ? {}
      : {
          apiThrottleBurst: resolve(
            API_STAGE.throttleBurst,
            Number(throttleBurst),
            '-c apiThrottleBurst',
          ),
        }),
    ...(corsOrigins.length ? { corsOrigins } : {}),
    ...(sentimentProvider
      ? {
          sentimentProvider: resolve(
            INSIGHTS.sentimentProvider,
            sentimentProvider as SentimentProviderName,
            '-c sentimentProvider',
          ),
        }
      : {}),
  });
}
