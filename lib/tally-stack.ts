import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { SentimentProviderName } from '../lambdas/contract/config/admin.ts';
import { TallyAdminApi } from './admin-api.ts';
import { type ExternalIssuer, TallyAuth } from './auth.ts';
import { TallyDashboardSite } from './dashboard-site.ts';
import { TallyHttpApi } from './http-api.ts';
import { TallyIngestion } from './ingestion.ts';
import { TallyRollup } from './rollup.ts';
import { TallyStorage } from './storage.ts';

export interface TallyStackProps extends StackProps {
  /** @default - a Cognito user pool issues admin tokens */
  readonly externalIssuer?: ExternalIssuer;
  /** Sentiment of message insights. @default 'lexicon' */
  readonly sentimentProvider?: SentimentProviderName;
  /** The longest token lifetime accepted, in seconds. @default 86400 */
  readonly maxTokenLifetimeSeconds?: number;
}

/** The whole service. The stack only composes; each construct owns its resources. */
export class TallyStack extends Stack {
  constructor(scope: Construct, id: string, props: TallyStackProps = {}) {
    super(scope, id, props);
    const storage = new TallyStorage(this, 'Storage');
    const auth = new TallyAuth(this, 'Auth', {
      ...(props.externalIssuer ? { external: props.externalIssuer } : {}),
      ...(props.maxTokenLifetimeSeconds === undefined
        ? {}
        : { maxTokenLifetimeSeconds: props.maxTokenLifetimeSeconds }),
    });
    const ingestion = new TallyIngestion(this, 'Ingestion', { storage, serviceTokens: auth });
    const rollup = new TallyRollup(this, 'Rollup', { storage });
    const admin = new TallyAdminApi(this, 'Admin', {
      storage,
      auth,
      rollup,
      ...(props.sentimentProvider ? { sentimentProvider: props.sentimentProvider } : {}),
    });
    const http = new TallyHttpApi(this, 'Http', {
      functions: { track: ingestion.trackFunction, admin: admin.adminFunction },
    });
    const site = new TallyDashboardSite(this, 'Dashboard', { api: http.api });

    new CfnOutput(this, 'ApiUrl', {
      value: http.api.apiEndpoint,
      description: 'Tracking and admin API',
    });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${site.distribution.distributionDomainName}`,
      description: 'Dashboard (and the API on the same origin)',
    });
    new CfnOutput(this, 'TableName', { value: storage.table.tableName });
    new CfnOutput(this, 'RollupFunctionName', { value: rollup.rollupFunction.functionName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: ingestion.deadLetterQueue.queueUrl });
    if (auth.userPool) new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId });
  }
}
