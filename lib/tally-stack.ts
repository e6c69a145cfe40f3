import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { TableClass } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { SentimentProviderName } from '../lambdas/contract/config/admin.ts';
import { TallyAdminApi } from './admin-api.ts';
import { type ExternalIssuer, TallyAuth } from './auth.ts';
import { type DashboardDomain, TallyDashboardSite } from './dashboard-site.ts';
import { TallyHttpApi } from './http-api.ts';
import { TallyIngestion } from './ingestion.ts';
import { TallyOperations } from './operations.ts';
import { TallyRollup } from './rollup.ts';
import { DEFAULT_STAGE, type StageName, stageSettings } from './stage.ts';
import { TallyStorage } from './storage.ts';

export interface TallyStackProps extends StackProps {
  /** What the stack keeps when deleted, and how long logs live (lib/stage.ts). @default 'prod' */
  readonly stage?: StageName;
  /** @default - a Cognito user pool issues admin tokens */
  readonly externalIssuer?: ExternalIssuer;
  /** Origins whose pages may call the API (an embedded `<tally-panel>`). @default - none */
  readonly corsOrigins?: readonly string[];
  /** Sentiment of message insights. @default 'lexicon' */
  readonly sentimentProvider?: SentimentProviderName;
  /** The longest token lifetime accepted, in seconds. @default 86400 */
  readonly maxTokenLifetimeSeconds?: number;
  /** Where alarms are mailed. @default - alarms go to the SNS topic only */
  readonly alarmEmail?: string;
  /** The dashboard's own domain and certificate (TLS 1.2 at least). @default - the CloudFront domain */
  readonly domain?: DashboardDomain;
  /** @default - TallyStorage's default, Standard-IA */
  readonly tableClass?: TableClass;
  /** API Gateway stage throttling, requests/s. @default 5,000 */
  readonly apiThrottleRate?: number;
  /** API Gateway stage burst. @default 2,500 */
  readonly apiThrottleBurst?: number;
}

/** The whole service. The stack only composes; each construct owns its resources. */
export class TallyStack extends Stack {
  constructor(scope: Construct, id: string, props: TallyStackProps = {}) {
    super(scope, id, props);
    const stage = stageSettings(props.stage ?? DEFAULT_STAGE);
    const { logs } = stage;
    const storage = new TallyStorage(this, 'Storage', {
      removalPolicy: stage.removalPolicy,
      deletionProtection: stage.deletionProtection,
      ...(props.tableClass ? { tableClass: props.tableClass } : {}),
    });
    const auth = new TallyAuth(this, 'Auth', {
      removalPolicy: stage.removalPolicy,
      deletionProtection: stage.deletionProtection,
      ...(props.externalIssuer ? { external: props.externalIssuer } : {}),
      ...(props.maxTokenLifetimeSeconds === undefined
        ? {}
        : { maxTokenLifetimeSeconds: props.maxTokenLifetimeSeconds }),
    });
    const ingestion = new TallyIngestion(this, 'Ingestion', {
      storage,
      serviceTokens: auth,
      logs,
    });
    const rollup = new TallyRollup(this, 'Rollup', { storage, logs });
    const admin = new TallyAdminApi(this, 'Admin', {
      storage,
      auth,
      rollup,
      logs,
      ...(props.sentimentProvider ? { sentimentProvider: props.sentimentProvider } : {}),
    });
    const http = new TallyHttpApi(this, 'Http', {
      functions: { track: ingestion.trackFunction, admin: admin.adminFunction },
      ...(props.apiThrottleRate === undefined ? {} : { throttleRate: props.apiThrottleRate }),
      ...(props.apiThrottleBurst === undefined ? {} : { throttleBurst: props.apiThrottleBurst }),
      ...(props.corsOrigins ? { corsOrigins: props.corsOrigins } : {}),
      logs,
    });
    const site = new TallyDashboardSite(this, 'Dashboard', {
      api: http.api,
      logs,
      ...(props.domain ? { domain: props.domain } : {}),
      runtimeConfig: { auth: auth.dashboardConfig },
    });
    const dashboardUrl = `https://${props.domain?.name ?? site.distribution.distributionDomainName}`;
    auth.allowDashboard(`${dashboardUrl}/`);
    const operations = new TallyOperations(this, 'Operations', {
      storage,
      ingestion,
      rollup,
      http,
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });

    new CfnOutput(this, 'ApiUrl', {
      value: http.api.apiEndpoint,
      description: 'Tracking and admin API',
    });
    new CfnOutput(this, 'DashboardUrl', {
      value: dashboardUrl,
      description: 'Dashboard (and the API on the same origin)',
    });
    if (props.domain) {
      new CfnOutput(this, 'DistributionDomainName', {
        value: site.distribution.distributionDomainName,
        description: `Point ${props.domain.name} here (CNAME or alias)`,
      });
    }
    new CfnOutput(this, 'TableName', { value: storage.table.tableName });
    new CfnOutput(this, 'RollupFunctionName', { value: rollup.rollupFunction.functionName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: ingestion.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'RejectedQueueUrl', { value: ingestion.rejectedQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: operations.topic.topicArn });
    new CfnOutput(this, 'OperationsDashboard', {
      value: operations.dashboard.dashboardName,
      description: 'CloudWatch dashboard',
    });
    if (auth.userPool) new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId });
  }
}
