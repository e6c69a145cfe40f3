/**
 * The cost model: dollars per million events at a steady 100 events/s sent in batches of 50, from
 * what the benchmark counted (requests, capacity units, bytes stored, bytes logged, bytes put on
 * the bus) and AWS's public on-demand prices. Three parts:
 *
 *   requests   paid once per event: API Gateway, Lambda, EventBridge, SQS, DynamoDB units, the
 *              rollup, log and archive ingestion
 *   storage    paid per month an event is kept: the table (by table class), point-in-time
 *              recovery, the EventBridge archive, CloudWatch Logs; each over its own retention
 *   fixed      paid per month whatever the volume (alarms, dashboard, custom metrics, Cognito),
 *              spread over a month of events at the modelled rate
 *
 * Free tiers are left out (they belong to an account, not to Tally), and the first price tier is
 * used throughout (the dearest).
 */
import { COMMIT_TTL_DAYS } from '../lambdas/store/commit-log.ts';

/**
 * us-east-1, on-demand, arm64, taken on PRICES_TAKEN: DynamoDB (Standard and Standard-IA requests
 * and storage, PITR), Lambda and S3 from the AWS Price List (a public copy of its us-east-1 offer
 * files); API Gateway, EventBridge, SQS, CloudWatch and Cognito from the services' pricing pages.
 * This machine cannot reach AWS: check them there before relying on a figure.
 */
export const PRICES_TAKEN = '2026-12-01';

export const PRICES = {
  /** API Gateway HTTP API, per request (first 300 million a month; 512 KB metering). */
  apiGatewayRequest: 1.0 / 1e6,
  /** Lambda requests, and GB-seconds on arm64 (first tier). */
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  /** EventBridge custom events, per 64 KB chunk of an entry. */
  eventBridgeEvent: 1.0 / 1e6,
  /** EventBridge archive: per GB archived, and per GB-month stored. */
  archiveGb: 0.1,
  archiveGbMonth: 0.023,
  /** SQS standard queue requests, per 64 KB chunk. */
  sqsRequest: 0.4 / 1e6,
  /** DynamoDB on-demand request units and storage, by table class; PITR per GB-month of table. */
  dynamo: {
    standard: { wru: 0.625 / 1e6, rru: 0.125 / 1e6, gbMonth: 0.25 },
    standardIa: { wru: 0.78 / 1e6, rru: 0.155 / 1e6, gbMonth: 0.1 },
  },
  dynamoPitrGbMonth: 0.2,
  /** CloudWatch Logs (Standard class): per GB ingested, per GB-month stored (billed on the archived size; counted here uncompressed). */
  logsGb: 0.5,
  logsGbMonth: 0.03,
  /** CloudWatch: a standard alarm per metric it reads, a dashboard, a custom metric; a month each. */
  alarmMetricMonth: 0.1,
  dashboardMonth: 3,
  customMetricMonth: 0.3,
  /** Cognito Plus feature plan (threat protection), per monthly active user. */
  cognitoPlusMau: 0.02,
  /** S3 Standard, per GB-month. */
  s3GbMonth: 0.023,
} as const;

export type TableClassName = keyof typeof PRICES.dynamo;

/** What lib/ deploys by default; test/lib/stack.test.ts checks the template agrees. */
export const DEPLOYED = {
  tableClass: 'standardIa' as TableClassName,
  /** lib/ingestion.ts: the archive keeps every bus entry this long. */
  archiveDays: 30,
  /** lib/stage.ts: prod's log retention (dev keeps 7 days). */
  logDays: 90,
  /** lib/operations.ts: 9 alarms reading 12 metrics, one dashboard, and 5 custom metrics (2 log metric filters, 2 rollup metrics, ingest's IngestLag). */
  alarmMetrics: 12,
  dashboards: 1,
  customMetrics: 5,
} as const;

/** Admins assumed signing in to the Cognito pool each month. */
export const ASSUMED_ADMINS = 10;

const GB = 2 ** 30;
const DAYS_PER_MONTH = 365.25 / 12;

export interface CostInputs {
  eventsPerRequest: number;
  eventsPerSecond: number;
  /** Bus entries (each ≤ 64 KB) per tracking request. */
  entriesPerRequest: number;
  /** track handler time per request of `eventsPerRequest` events, ms; memory GB. */
  trackMs: number;
  trackGb: number;
  /** ingest handler time per event, ms; memory GB. */
  ingestMsPerEvent: number;
  ingestGb: number;
  /** SQS records per ingest invocation at this rate (the 1 s batching window). */
  recordsPerInvocation: number;
  /** Write and read units per event of ingest. */
  wcuPerEvent: number;
  rcuPerEvent: number;
  /** Read units, and rollup time, per event per rebuild; how many rebuilds read each event. */
  rollupRcuPerEvent: number;
  rollupMsPerEvent: number;
  rollupGb: number;
  rebuildsPerEvent: number;
  /** Read units per event of the hourly compaction (it reads each event's facts once). */
  compactionRcuPerEvent: number;
  /**
   * Bytes the table bills per event (item sizes plus 100 bytes per item): raw events and their
   * fact log, which expire with the raw-event retention; the commit log, which expires after
   * COMMIT_TTL_DAYS; and what has no expiry (user profiles and day markers, day rollups and their
   * side chunks, totals).
   */
  storedBytesPerEvent: { raw: number; facts: number; commitLog: number; kept: number };
  /** Bytes archived per event: the EventBridge events (envelope and detail) per event. */
  archiveBytesPerEvent: number;
  /** Log bytes: per tracking request (the track function's lines and the API access log line), per ingest invocation, and Lambda's START/END/REPORT lines per invocation. */
  logBytes: { perTrackRequest: number; perIngestInvocation: number; perInvocation: number };
  /** Bytes of the dashboard in its bucket. */
  dashboardBytes: number;
}

/** How long each kind of data is kept, in days. */
export interface Retention {
  /** Raw events (TALLY_RETENTION_DAYS). */
  rawDays: number;
  /** The fact log and everything reports read (same as raw today). */
  factDays: number;
  archiveDays: number;
  logDays: number;
}

export interface CostSetup {
  tableClass: TableClassName;
  retention: Retention;
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

/** Dollars per million events: what requests cost, storage per month kept and over the retention, the fixed share, and the total. */
export function costPerMillion(i: CostInputs, setup: CostSetup) {
  const events = 1e6;
  const dynamo = PRICES.dynamo[setup.tableClass];
  const requests = events / i.eventsPerRequest;
  const entries = requests * i.entriesPerRequest;
  const invocations = entries / i.recordsPerInvocation;
  const seconds = events / i.eventsPerSecond;
  // Lambda's SQS pollers long-poll (20 s) even when idle: about 5 of them.
  const idlePolls = 5 * (seconds / 20);
  const logBytes =
    requests * i.logBytes.perTrackRequest +
    invocations * i.logBytes.perIngestInvocation +
    (requests + invocations) * i.logBytes.perInvocation;
  const archiveBytes = events * i.archiveBytesPerEvent;
  const stored = i.storedBytesPerEvent;

  const once = {
    apiGateway: requests * PRICES.apiGatewayRequest,
    trackLambda:
      requests * (PRICES.lambdaRequest + (i.trackMs / 1000) * i.trackGb * PRICES.lambdaGbSecondArm),
    eventBridge: entries * PRICES.eventBridgeEvent,
    // EventBridge's SendMessage per entry; a ReceiveMessage and a DeleteMessageBatch per invocation.
    sqs: (entries + 2 * invocations + idlePolls) * PRICES.sqsRequest,
    ingestLambda:
      invocations * PRICES.lambdaRequest +
      ((events * i.ingestMsPerEvent) / 1000) * i.ingestGb * PRICES.lambdaGbSecondArm,
    dynamoWrites: events * i.wcuPerEvent * dynamo.wru,
    dynamoReads: events * i.rcuPerEvent * dynamo.rru,
    rollupReads:
      events * (i.rollupRcuPerEvent * i.rebuildsPerEvent + i.compactionRcuPerEvent) * dynamo.rru,
    rollupLambda:
      ((events * i.rollupMsPerEvent * i.rebuildsPerEvent) / 1000) *
      i.rollupGb *
      PRICES.lambdaGbSecondArm,
    logIngestion: (logBytes / GB) * PRICES.logsGb,
    archiveIngestion: (archiveBytes / GB) * PRICES.archiveGb,
  };

  const tableBytes = events * (stored.raw + stored.facts + stored.commitLog + stored.kept);
  const perMonthKept = {
    table: (tableBytes / GB) * dynamo.gbMonth,
    pointInTimeRecovery: (tableBytes / GB) * PRICES.dynamoPitrGbMonth,
    archive: (archiveBytes / GB) * PRICES.archiveGbMonth,
    logs: (logBytes / GB) * PRICES.logsGbMonth,
  };

  const { rawDays, factDays, archiveDays, logDays } = setup.retention;
  const tableGbMonths =
    (events *
      (stored.raw * rawDays +
        (stored.facts + stored.kept) * factDays +
        stored.commitLog * Math.min(COMMIT_TTL_DAYS, factDays))) /
    GB /
    DAYS_PER_MONTH;
  const overRetention = {
    table: tableGbMonths * dynamo.gbMonth,
    pointInTimeRecovery: tableGbMonths * PRICES.dynamoPitrGbMonth,
    archive: perMonthKept.archive * (archiveDays / DAYS_PER_MONTH),
    logs: perMonthKept.logs * (logDays / DAYS_PER_MONTH),
  };

  const eventsPerMonth = i.eventsPerSecond * 86_400 * DAYS_PER_MONTH;
  const fixedPerMonth = {
    alarms: DEPLOYED.alarmMetrics * PRICES.alarmMetricMonth,
    dashboard: DEPLOYED.dashboards * PRICES.dashboardMonth,
    customMetrics: DEPLOYED.customMetrics * PRICES.customMetricMonth,
    cognito: ASSUMED_ADMINS * PRICES.cognitoPlusMau,
    dashboardBucket: (i.dashboardBytes / GB) * PRICES.s3GbMonth,
  };
  const fixed = (sum(fixedPerMonth) / eventsPerMonth) * events;

  const requestsTotal = sum(once);
  const storageTotal = sum(overRetention);
  return {
    requests: { lines: once, total: requestsTotal },
    perMonthKept: { lines: perMonthKept, total: sum(perMonthKept) },
    overRetention: { lines: overRetention, total: storageTotal },
    fixed: { perMonth: fixedPerMonth, perMillionEvents: fixed, eventsPerMonth },
    total: requestsTotal + storageTotal + fixed,
  };
}

export type Cost = ReturnType<typeof costPerMillion>;

/**
 * How many rebuilds read an event's raw item: the nightly job rebuilds today and the
 * `nightlyDays` before, so each event in `nightlyDays` nights (plus its own night's run for events
 * before 02:37, about 0.1). With TALLY_ROLLUP_HOURLY=rebuild the hourly job adds every later run
 * of the event's day and the next (11.5 + 24 on average); compacting, it reads facts instead.
 */
export const rebuildsPerEvent = (nightlyDays: number, hourly: 'compact' | 'rebuild') =>
  nightlyDays + 0.1 + (hourly === 'rebuild' ? 11.5 + 24 : 0);

/** The retentions the benchmark reports (days of raw events, and of everything else with them). */
export const REPORTED_RETENTIONS = [30, 90, 395] as const;

/** Every table class at every reported retention, and a shorter raw-event retention with the rest kept `keepDays`. */
export function costScenarios(i: CostInputs, keepDays: number) {
  const retention = (rawDays: number, factDays: number): Retention => ({
    rawDays,
    factDays,
    archiveDays: DEPLOYED.archiveDays,
    logDays: DEPLOYED.logDays,
  });
  const classes = Object.keys(PRICES.dynamo) as TableClassName[];
  const at = (rawDays: number, factDays: number) =>
    Object.fromEntries(
      classes.map((tableClass) => [
        tableClass,
        costPerMillion(i, { tableClass, retention: retention(rawDays, factDays) }),
      ]),
    ) as Record<TableClassName, Cost>;
  return {
    byRetention: Object.fromEntries(REPORTED_RETENTIONS.map((d) => [d, at(d, d)])),
    /** Raw events kept 8 days (the shortest retention: a day over the 7-day dedupe promise) or 30, facts and aggregates `keepDays`. */
    shorterRaw: Object.fromEntries([8, 30].map((d) => [d, at(d, keepDays)])),
  };
}
