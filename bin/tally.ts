/**
 * CDK app entry. The only place that reads the environment or context for infrastructure (the
 * context values are read in context.ts and documented in docs/operations.md):
 *   -c jwksUrl=https://… [-c jwtIssuer=… -c jwtAudience=… -c jwtRoleClaim=… -c adminRole=…]
 * uses an existing token issuer instead of creating a Cognito user pool; -c jwtSecretName=<secret>
 * uses HS256 with a shared secret kept in Secrets Manager instead of a JWKS URL;
 * -c sentimentProvider=comprehend scores message insights with Amazon Comprehend.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackFromContext } from './context.ts';

const app = new App();
// Synthesis fails on any AwsSolutions finding not acknowledged, with its reason, in lib/.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
stackFromContext(app, {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
