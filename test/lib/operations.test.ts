/**
 * What an operator gets from the stack: alarms on everything that loses, delays or refuses events,
 * sent to one topic; a dashboard; access logs of the API, the bucket and CloudFront (no caller IP
 * in the API's); TLS 1.2 on a custom domain.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYED } from '../../bench/cost.ts';
import { ACCESS_LOG_FIELDS } from '../../lib/access-log.ts';
import { synthTally } from '../helpers/cdk.ts';

type Resource = { Properties: Record<string, unknown> };
type Props = Record<string, unknown>;
const props = (type: string) =>
  Object.values(template.findResources(type)).map((r) => (r as { Properties: Props }).Properties);
let template: Template;
const alarms = () =>
  Object.fromEntries(
    Object.entries(
      template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>,
    ).map(([id, r]) => [id.replace(/^Operations/, '').replace(/[0-9A-F]{8}$/, ''), r.Properties]),
  );
/** The metrics an alarm reads, as `namespace/name`. */
const metricsOf = (p: Record<string, unknown>) =>
  p.MetricName
    ? [`${p.Namespace}/${p.MetricName}`]
    : (p.Metrics as { MetricStat?: { Metric: { Namespace: string; MetricName: string } } }[])
        .filter((m) => m.MetricStat)
        .map((m) => `${m.MetricStat?.Metric.Namespace}/${m.MetricStat?.Metric.MetricName}`);

beforeAll(() => {
  template = synthTally();
}, 120_000);

describe('TallyOperations', () => {
  it('alarms on dead letters, ingest errors and backlog, API 5xx, throttles, the rollup and rejections', () => {
    const found = alarms();
    expect(Object.keys(found).sort()).toEqual(
      [
        'Api5xx',
        'DeadLetters',
        'DynamoThrottles',
        'IngestBacklog',
        'IngestErrors',
        'IngestLag',
        'RollupFailed',
        'RollupLate',
        'TrackingRejections',
      ].sort(),
    );
    const reads = Object.fromEntries(Object.entries(found).map(([k, p]) => [k, metricsOf(p)]));
    expect(reads).toEqual({
      DeadLetters: ['AWS/SQS/ApproximateNumberOfMessagesVisible'],
      IngestErrors: ['AWS/Lambda/Errors'],
      IngestBacklog: ['AWS/SQS/ApproximateAgeOfOldestMessage'],
      IngestLag: ['Tally/Test/IngestLag'],
      Api5xx: ['AWS/ApiGateway/Count', 'AWS/ApiGateway/5xx'],
      DynamoThrottles: ['AWS/DynamoDB/ReadThrottleEvents', 'AWS/DynamoDB/WriteThrottleEvents'],
      RollupFailed: ['Tally/Test/RollupFailedProjects'],
      RollupLate: ['Tally/Test/RollupRuns'],
      TrackingRejections: ['Tally/Test/TrackedEvents', 'Tally/Test/RejectedEvents'],
    });
    expect(found.DeadLetters).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(found.IngestBacklog).toMatchObject({ Threshold: 300, EvaluationPeriods: 2 });
    // The lag objective (docs/operations.md): p99 of the events' lag over 10 s (the metric is in
    // ms), three 5-minute periods in a row; no events, no lag, no alarm.
    expect(found.IngestLag).toMatchObject({
      ExtendedStatistic: 'p99',
      Threshold: 10_000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      Period: 300,
      Dimensions: [{ Name: 'service', Value: 'ingest' }],
      TreatMissingData: 'notBreaching',
    });
    // No finished job for two hourly periods counts as late, including when nothing is reported.
    expect(found.RollupLate).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 2,
      Period: 3600,
      TreatMissingData: 'breaching',
    });
  });

  it('sends every alarm and its recovery to one topic that accepts TLS only', () => {
    const [topic] = Object.keys(template.findResources('AWS::SNS::Topic'));
    for (const p of Object.values(alarms())) {
      expect(p).toMatchObject({ AlarmActions: [{ Ref: topic }], OKActions: [{ Ref: topic }] });
    }
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('mails the alarms to -c alarmEmail, and refuses something that is not an address', () => {
    synthTally({ alarmEmail: 'ops@example.com' }).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    expect(() => synthTally({ alarmEmail: 'ops' })).toThrow(
      /alarmEmail must be an e-mail address, got "ops"/,
    );
  });

  it("counts the track function's accepted and rejected items from its log lines", () => {
    for (const [name, value] of [
      ['TrackedEvents', '$.accepted'],
      ['RejectedEvents', '$.rejected'],
    ]) {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        FilterPattern: '{ $.message = "tracked" }',
        LogGroupName: { Ref: Match.stringLikeRegexp('^IngestionTrackLogs') },
        MetricTransformations: [
          { MetricName: name, MetricNamespace: 'Tally/Test', MetricValue: value },
        ],
      });
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Rebuilds exact daily statistics from raw events',
      Environment: { Variables: Match.objectLike({ POWERTOOLS_METRICS_NAMESPACE: 'Tally/Test' }) },
    });
  });

  it('draws a dashboard with every alarm and the figures they watch', () => {
    const [dashboard] = Object.values(
      template.findResources('AWS::CloudWatch::Dashboard'),
    ) as Resource[];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const metric of [
      'ApproximateAgeOfOldestMessage',
      '5xx',
      'WriteThrottleEvents',
      'RollupRuns',
      'RejectedEvents',
      'IngestLag',
    ]) {
      expect(body).toContain(metric);
    }
    // The alarm widget names each alarm by its ARN.
    for (const id of Object.keys(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(body).toContain(id);
    }
  });

  it('logs every API request as JSON, without the caller IP, for the stage log retention', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpAccessLogs'), 'Arn'] },
        Format: JSON.stringify(ACCESS_LOG_FIELDS),
      },
    });
    expect(JSON.stringify(ACCESS_LOG_FIELDS)).not.toMatch(/sourceIp|identity/);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('logs the dashboard bucket and CloudFront into a log bucket that expires them', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.stringLikeRegexp('^DashboardLogs') },
        LogFilePrefix: 's3/',
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })],
      },
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Logging: {
          Bucket: {
            'Fn::GetAtt': [Match.stringLikeRegexp('^DashboardLogs'), 'RegionalDomainName'],
          },
          Prefix: 'cloudfront/',
        },
      }),
    });
  });

  it('serves a custom domain with TLS 1.2 at least, from a us-east-1 certificate only', () => {
    const certificateArn = 'arn:aws:acm:us-east-1:111111111111:certificate/abc';
    synthTally({ domain: { name: 'analytics.example.com', certificateArn } }).hasResourceProperties(
      'AWS::CloudFront::Distribution',
      {
        DistributionConfig: Match.objectLike({
          Aliases: ['analytics.example.com'],
          ViewerCertificate: {
            AcmCertificateArn: certificateArn,
            MinimumProtocolVersion: 'TLSv1.2_2021',
            SslSupportMethod: 'sni-only',
          },
        }),
      },
    );
    expect(() =>
      synthTally({
        domain: {
          name: 'analytics.example.com',
          certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
        },
      }),
    ).toThrow(/certificateArn must be an ACM certificate in us-east-1/);
  });
});

describe('what bench/cost.ts prices', () => {
  it('prices the table class, archive and log retention the stack deploys', () => {
    const [table] = props('AWS::DynamoDB::GlobalTable');
    const classes = { standard: 'STANDARD', standardIa: 'STANDARD_INFREQUENT_ACCESS' };
    expect(table?.Replicas).toEqual([
      expect.objectContaining({ TableClass: classes[DEPLOYED.tableClass] }),
    ]);
    expect(props('AWS::Events::Archive')).toEqual([
      expect.objectContaining({ RetentionDays: DEPLOYED.archiveDays }),
    ]);
    for (const g of props('AWS::Logs::LogGroup')) expect(g.RetentionInDays).toBe(DEPLOYED.logDays);
  });

  it('counts the alarms, dashboards and custom metrics the stack deploys', () => {
    const alarms = props('AWS::CloudWatch::Alarm');
    const metricsRead = alarms.flatMap((a) =>
      a.MetricName
        ? [`${a.Namespace}/${a.MetricName}`]
        : (a.Metrics as { MetricStat?: { Metric: { Namespace: string; MetricName: string } } }[])
            .filter((m) => m.MetricStat)
            .map((m) => `${m.MetricStat?.Metric.Namespace}/${m.MetricStat?.Metric.MetricName}`),
    );
    expect(metricsRead).toHaveLength(DEPLOYED.alarmMetrics);
    expect(props('AWS::CloudWatch::Dashboard')).toHaveLength(DEPLOYED.dashboards);
    const custom = new Set(metricsRead.filter((m) => !m.startsWith('AWS/')));
    for (const f of props('AWS::Logs::MetricFilter')) {
      const [t] = f.MetricTransformations as { MetricNamespace: string; MetricName: string }[];
      custom.add(`${t?.MetricNamespace}/${t?.MetricName}`);
    }
    expect(custom.size).toBe(DEPLOYED.customMetrics);
  });
});
