/**
 * CDK app entry. The only place that reads the environment or context for infrastructure (the
 * context values are read in context.ts and documented in docs/operations.md):
 *   -c jwksUrl=https://… [-c jwtIssuer=… -c jwtAudience=… -c jwtRoleClaim=… -c adminRole=…]
 * uses an existing token issuer instead of creating a Cognito user pool; -c jwtSecretName=<secret>
 * uses HS256 with a shared secret kept in Secrets Manager instead of a JWKS URL;
 * -c sentimentProvider=comprehend scores message insights with Amazon Comprehend.
 */
import { App } from 'aws-cdk-lib';
import { stackFromContext } from './context.ts';

stackFromContext(new App(), {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
