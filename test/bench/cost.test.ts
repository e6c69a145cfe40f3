/**
 * The cost model prices what the stack deploys: its constants agree with the synthesized template,
 * and its arithmetic does what docs/performance.md says (storage grows with the days kept, a
 * table class changes request and storage prices, fixed costs spread over a month of events).
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CostInputs, costPerMillion, DEPLOYED, PRICES } from '../../bench/cost.ts';
import { synthTally } from '../helpers/cdk.ts';

type Props = Record<string, unknown>;
let template: Template;
const props = (type: string) =>
  Object.values(template.findResources(type)).map((r) => (r as { Properties: Props }).Properties);

beforeAll(() => {
  template = synthTally();
}, 120_000);

describe('the cost model', () => {
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

describe('costPerMillion', () => {
  const inputs: CostInputs = {
    eventsPerRequest: 50,
    eventsPerSecond: 100,
    entriesPerRequest: 1,
    trackMs: 5,
    trackGb: 0.25,
    ingestMsPerEvent: 1,
    ingestGb: 0.5,
    recordsPerInvocation: 2,
    wcuPerEvent: 1,
    rcuPerEvent: 1,
    rollupRcuPerEvent: 0.1,
    rollupMsPerEvent: 0.1,
    rollupGb: 1,
    rebuildsPerEvent: 3.1,
    compactionRcuPerEvent: 0,
    storedBytesPerEvent: { raw: 2 ** 30 / 1e6, facts: 0, kept: 0 },
    archiveBytesPerEvent: 0,
    logBytes: { perTrackRequest: 0, perIngestInvocation: 0, perInvocation: 0 },
    dashboardBytes: 0,
  };
  const retention = (rawDays: number) => ({
    rawDays,
    factDays: rawDays,
    archiveDays: 30,
    logDays: 90,
  });

  it('prices a GiB per million events kept a month at the class price plus PITR', () => {
    const month = 365.25 / 12;
    for (const tableClass of ['standard', 'standardIa'] as const) {
      const c = costPerMillion(inputs, { tableClass, retention: retention(month) });
      expect(c.perMonthKept.lines.table).toBeCloseTo(PRICES.dynamo[tableClass].gbMonth, 10);
      expect(c.perMonthKept.lines.pointInTimeRecovery).toBeCloseTo(PRICES.dynamoPitrGbMonth, 10);
      expect(c.overRetention.total).toBeCloseTo(
        PRICES.dynamo[tableClass].gbMonth + PRICES.dynamoPitrGbMonth,
        10,
      );
      expect(c.requests.lines.dynamoWrites).toBeCloseTo(PRICES.dynamo[tableClass].wru * 1e6, 10);
    }
  });

  it('grows storage with the days kept, and keeps requests and the fixed share as they are', () => {
    const short = costPerMillion(inputs, { tableClass: 'standard', retention: retention(30) });
    const long = costPerMillion(inputs, { tableClass: 'standard', retention: retention(395) });
    expect(long.overRetention.lines.table / short.overRetention.lines.table).toBeCloseTo(395 / 30);
    expect(long.requests.total).toBe(short.requests.total);
    expect(long.fixed.perMillionEvents).toBe(short.fixed.perMillionEvents);
    // $5.50 a month over 100 events/s for a month (263 million events).
    expect(short.fixed.perMillionEvents).toBeCloseTo(5.5 / 262.98, 3);
    expect(short.total).toBeCloseTo(
      short.requests.total + short.overRetention.total + short.fixed.perMillionEvents,
      10,
    );
  });
});
