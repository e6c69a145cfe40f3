/**
 * CDK app entry. The only place that reads the environment or context for infrastructure:
 *   -c jwksUrl=https://… [-c jwtIssuer=… -c jwtAudience=… -c jwtRoleClaim=… -c adminRole=…]
 * uses an existing token issuer instead of creating a Cognito user pool; -c jwtSecretName=<secret>
 * uses HS256 with a shared secret kept in Secrets Manager instead of a JWKS URL.
 */
import { App } from 'aws-cdk-lib';
import { TallyStack } from '../lib/tally-stack.ts';

const app = new App();
const ctx = (name: string): string | undefined => {
  const value = app.node.tryGetContext(name);
  return typeof value === 'string' && value !== '' ? value : undefined;
};

const jwksUrl = ctx('jwksUrl');
const jwtSecretName = ctx('jwtSecretName');
new TallyStack(app, ctx('stackName') ?? 'Tally', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
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
        },
      }
    : {}),
});
