import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import {
  INGEST_METRICS,
  INGEST_SERVICE,
  ROLLUP_METRICS,
  ROLLUP_SERVICE,
  TRACKED_LOG,
} from '../lambdas/contract/telemetry.ts';
import type { TallyHttpApi } from './http-api.ts';
import type { TallyIngestion } from './ingestion.ts';
import { acknowledge } from './nag.ts';
import type { TallyRollup } from './rollup.ts';
import type { TallyStorage } from './storage.ts';

/** When each alarm fires (docs/operations.md "Alarms" says what each means and what to do). */
export const ALARM_THRESHOLDS = {
  /** Ingest invocations that failed, in each of three 5-minute periods in a row. */
  ingestErrorsPer5Min: 1,
  /** Age of the oldest message on the ingest queue, for 10 minutes. */
  ingestBacklogSeconds: 300,
  /**
   * p99 of the ingestion lag (receivedAt → counted), in each of three 5-minute periods in a row:
   * the objective of docs/operations.md "Ingestion lag" missed for 15 minutes.
   */
  ingestLagP99Seconds: 10,
  ingestLagPeriods: 3,
  /** Share of API requests answered 5xx over 10 minutes, from this many requests a period. */
  api5xxPercent: 1,
  api5xxMinRequests: 20,
  /** DynamoDB throttled reads or writes, in two 5-minute periods in a row. */
  dynamoThrottlesPer5Min: 1,
  /** Hours without a finished rollup job (the schedule runs one every hour). */
  rollupLateHours: 2,
  /** Share of tracked items rejected over 15 minutes, from this many items. */
  rejectedPercent: 5,
  rejectedMinItems: 100,
} as const;

export interface TallyOperationsProps {
  readonly storage: TallyStorage;
  readonly ingestion: TallyIngestion;
  readonly rollup: TallyRollup;
  readonly http: TallyHttpApi;
  /** Subscribes this address to the alarm topic (AWS sends a confirmation mail first). @default - no subscription */
  readonly alarmEmail?: string;
}

/**
 * What an operator watches: alarms on everything that loses, delays or refuses events, sent to
 * one SNS topic (alarm and recovery), and one CloudWatch dashboard of the same figures.
 */
export class TallyOperations extends Construct {
  readonly topic: Topic;
  readonly alarms: Record<string, Alarm>;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: TallyOperationsProps) {
    super(scope, id);
    const { storage, ingestion, rollup, http } = props;
    if (props.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) {
      throw new Error(
        `alarmEmail must be an e-mail address, got ${JSON.stringify(props.alarmEmail)}`,
      );
    }
    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'Tally alarms', enforceSSL: true });
    acknowledge(
      this.topic,
      'Alarm notifications carry only alarm names and states; CloudWatch cannot publish to a topic under the AWS-managed key, and a customer key costs $1/month',
      'SNS2',
    );
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const namespace = rollup.metricsNamespace;
    const minutes = (n: number) => Duration.minutes(n);
    const sum = (metric: Metric, period: Duration) => metric.with({ statistic: Stats.SUM, period });

    // The track function's per-request line, counted.
    const trackedFilter = (metricName: string, field: string) =>
      new MetricFilter(this, metricName, {
        logGroup: ingestion.trackFunction.logGroup,
        filterPattern: FilterPattern.stringValue('$.message', '=', TRACKED_LOG.message),
        metricNamespace: namespace,
        metricName,
        metricValue: `$.${field}`,
      }).metric({ statistic: Stats.SUM, period: minutes(15) });
    const trackedEvents = trackedFilter('TrackedEvents', TRACKED_LOG.accepted);
    const rejectedEvents = trackedFilter('RejectedEvents', TRACKED_LOG.rejected);
    const rollupMetric = (metricName: string, period: Duration) =>
      new Metric({
        namespace,
        metricName,
        dimensionsMap: { service: ROLLUP_SERVICE },
        statistic: Stats.SUM,
        period,
      });

    // One value per counted event (lambdas/ingest/handler.ts), so its percentiles are the events'.
    const ingestLag = (statistic: string) =>
      new Metric({
        namespace,
        metricName: INGEST_METRICS.lag,
        dimensionsMap: { service: INGEST_SERVICE },
        statistic,
        period: minutes(5),
      });

    const apiRequests = http.api.metricCount({ period: minutes(5), statistic: Stats.SUM });
    const api5xx = http.api.metricServerError({ period: minutes(5), statistic: Stats.SUM });
    const readThrottles = sum(storage.table.metric('ReadThrottleEvents'), minutes(5));
    const writeThrottles = sum(storage.table.metric('WriteThrottleEvents'), minutes(5));

    /** `part` in percent of `total` (expressions over `metrics`), 0 while `total` is under `least`. */
    const percent = (
      label: string,
      part: string,
      total: string,
      least: number,
      metrics: Record<string, IMetric>,
      period: Duration,
    ) =>
      new MathExpression({
        expression: `IF(${total} >= ${least}, 100 * ${part} / (${total}), 0)`,
        usingMetrics: metrics,
        label,
        period,
      });

    const alarm = (
      name: string,
      description: string,
      metric: IMetric,
      threshold: number,
      evaluationPeriods: number,
      options: { comparison?: ComparisonOperator; missing?: TreatMissingData } = {},
    ) => {
      const a = new Alarm(this, name, {
        alarmDescription: `${description} (docs/operations.md, "Alarms": ${name})`,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator:
          options.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: options.missing ?? TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(new SnsAction(this.topic));
      a.addOkAction(new SnsAction(this.topic));
      return a;
    };

    this.alarms = {
      DeadLetters: alarm(
        'DeadLetters',
        'Events could not be stored and wait in the dead-letter queue',
        ingestion.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: minutes(1),
          statistic: Stats.MAXIMUM,
        }),
        0,
        1,
        { comparison: ComparisonOperator.GREATER_THAN_THRESHOLD },
      ),
      IngestErrors: alarm(
        'IngestErrors',
        'Ingest invocations keep failing (SQS retries them; after 5 receives they are dead-lettered)',
        ingestion.ingestFunction.metricErrors({ period: minutes(5), statistic: Stats.SUM }),
        ALARM_THRESHOLDS.ingestErrorsPer5Min,
        3,
      ),
      IngestBacklog: alarm(
        'IngestBacklog',
        'Ingest is falling behind: the oldest queued chunk of events is minutes old',
        ingestion.queue.metricApproximateAgeOfOldestMessage({
          period: minutes(5),
          statistic: Stats.MAXIMUM,
        }),
        ALARM_THRESHOLDS.ingestBacklogSeconds,
        2,
      ),
      IngestLag: alarm(
        'IngestLag',
        'Events take more than 10 s from the tracking API to being counted, for 1 in 100 or more',
        ingestLag(Stats.p(99)),
        ALARM_THRESHOLDS.ingestLagP99Seconds * 1000,
        ALARM_THRESHOLDS.ingestLagPeriods,
        { comparison: ComparisonOperator.GREATER_THAN_THRESHOLD },
      ),
      Api5xx: alarm(
        'Api5xx',
        'The API answers 5xx to more than 1 % of requests',
        percent(
          '5xx %',
          'errors',
          'requests',
          ALARM_THRESHOLDS.api5xxMinRequests,
          { requests: apiRequests, errors: api5xx },
          minutes(5),
        ),
        ALARM_THRESHOLDS.api5xxPercent,
        2,
        { comparison: ComparisonOperator.GREATER_THAN_THRESHOLD },
      ),
      DynamoThrottles: alarm(
        'DynamoThrottles',
        'DynamoDB throttles reads or writes of the table',
        new MathExpression({
          expression: 'reads + writes',
          usingMetrics: { reads: readThrottles, writes: writeThrottles },
          label: 'throttled requests',
          period: minutes(5),
        }),
        ALARM_THRESHOLDS.dynamoThrottlesPer5Min,
        2,
      ),
      RollupFailed: alarm(
        'RollupFailed',
        "A project's rollup failed; ProjectRollupFailed by project says which",
        rollupMetric(ROLLUP_METRICS.failedProjects, minutes(5)),
        1,
        1,
      ),
      RollupLate: alarm(
        'RollupLate',
        'No rollup job has finished for two hours: figures stop being rebuilt',
        rollupMetric(ROLLUP_METRICS.runs, Duration.hours(1)),
        1,
        ALARM_THRESHOLDS.rollupLateHours,
        {
          comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
          missing: TreatMissingData.BREACHING,
        },
      ),
      TrackingRejections: alarm(
        'TrackingRejections',
        'The tracking API rejects more than 5 % of the items it is sent',
        percent(
          'rejected %',
          'rejected',
          'accepted + rejected',
          ALARM_THRESHOLDS.rejectedMinItems,
          { accepted: trackedEvents, rejected: rejectedEvents },
          minutes(15),
        ),
        ALARM_THRESHOLDS.rejectedPercent,
        1,
        { comparison: ComparisonOperator.GREATER_THAN_THRESHOLD },
      ),
    };

    const fns = [ingestion.trackFunction, ingestion.ingestFunction, rollup.rollupFunction];
    const graph = (title: string, left: IMetric[], right: IMetric[] = []) =>
      new GraphWidget({ title, left, right, width: 8, height: 6 });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
      widgets: [
        [new AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24 })],
        [
          graph('API requests and errors (5 min)', [
            apiRequests.with({ label: 'requests' }),
            http.api.metricClientError({ period: minutes(5), statistic: Stats.SUM, label: '4xx' }),
            api5xx.with({ label: '5xx' }),
          ]),
          graph('Tracked and rejected items (15 min)', [
            trackedEvents.with({ label: 'accepted' }),
            rejectedEvents.with({ label: 'rejected' }),
          ]),
          graph('API latency p50 / p99 (ms)', [
            http.api.metricLatency({ statistic: 'p50' }),
            http.api.metricLatency({ statistic: 'p99' }),
          ]),
        ],
        [
          graph(
            'Ingest queue',
            [
              ingestion.queue.metricApproximateNumberOfMessagesVisible({ label: 'queued' }),
              ingestion.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
                label: 'dead letters',
              }),
            ],
            [ingestion.queue.metricApproximateAgeOfOldestMessage({ label: 'oldest (s)' })],
          ),
          graph(
            'Function errors and throttles',
            fns.map((fn) =>
              fn.metricErrors({ label: `${fn.node.id} errors`, statistic: Stats.SUM }),
            ),
            fns.map((fn) =>
              fn.metricThrottles({ label: `${fn.node.id} throttles`, statistic: Stats.SUM }),
            ),
          ),
          graph(
            'Function duration p99 (ms)',
            fns.map((fn) => fn.metricDuration({ label: fn.node.id, statistic: 'p99' })),
          ),
        ],
        [
          graph(
            'DynamoDB consumed units (sum per 5 min)',
            [
              sum(storage.table.metricConsumedWriteCapacityUnits(), minutes(5)).with({
                label: 'write units',
              }),
              sum(storage.table.metricConsumedReadCapacityUnits(), minutes(5)).with({
                label: 'read units',
              }),
            ],
            [
              readThrottles.with({ label: 'read throttles' }),
              writeThrottles.with({ label: 'write throttles' }),
            ],
          ),
          graph('Ingestion lag, receivedAt to counted (ms)', [
            ingestLag(Stats.p(50)).with({ label: 'p50' }),
            ingestLag(Stats.p(99)).with({ label: 'p99' }),
          ]),
          graph('Rollup jobs (per hour)', [
            rollupMetric(ROLLUP_METRICS.runs, Duration.hours(1)).with({ label: 'finished' }),
            rollupMetric(ROLLUP_METRICS.failedProjects, Duration.hours(1)).with({
              label: 'failed projects',
            }),
          ]),
        ],
      ],
    });
  }
}
