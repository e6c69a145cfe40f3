/**
 * The cost model: dollars per million events at a steady 100 events/s sent in batches of 50,
 * from the requests and units the benchmark counted and AWS's public on-demand prices
 * (us-east-1, arm64, as listed on the services' pricing pages; update them here when they change).
 */

export const PRICES = {
  /** API Gateway HTTP API, per request (first 300 million a month; 512 KB metering). */
  apiGatewayRequest: 1.0 / 1e6,
  /** Lambda requests, and GB-seconds on arm64. */
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  /** EventBridge custom events, per 64 KB chunk of an entry. */
  eventBridgeEvent: 1.0 / 1e6,
  /** SQS standard queue requests, per 64 KB chunk. */
  sqsRequest: 0.4 / 1e6,
  /** DynamoDB on-demand write and read request units. */
  dynamoWru: 0.625 / 1e6,
  dynamoRru: 0.125 / 1e6,
} as const;

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
}

export function costPerMillion(i: CostInputs) {
  const events = 1e6;
  const requests = events / i.eventsPerRequest;
  const entries = requests * i.entriesPerRequest;
  const invocations = entries / i.recordsPerInvocation;
  const seconds = events / i.eventsPerSecond;
  // Lambda's SQS pollers long-poll (20 s) even when idle: about 5 of them.
  const idlePolls = 5 * (seconds / 20);
  const lines = {
    apiGateway: requests * PRICES.apiGatewayRequest,
    trackLambda:
      requests * (PRICES.lambdaRequest + (i.trackMs / 1000) * i.trackGb * PRICES.lambdaGbSecondArm),
    eventBridge: entries * PRICES.eventBridgeEvent,
    // EventBridge's SendMessage per entry; a ReceiveMessage and a DeleteMessageBatch per invocation.
    sqs: (entries + 2 * invocations + idlePolls) * PRICES.sqsRequest,
    ingestLambda:
      invocations * PRICES.lambdaRequest +
      ((events * i.ingestMsPerEvent) / 1000) * i.ingestGb * PRICES.lambdaGbSecondArm,
    dynamoWrites: events * i.wcuPerEvent * PRICES.dynamoWru,
    dynamoReads: events * i.rcuPerEvent * PRICES.dynamoRru,
    rollupReads:
      events *
      (i.rollupRcuPerEvent * i.rebuildsPerEvent + i.compactionRcuPerEvent) *
      PRICES.dynamoRru,
    rollupLambda:
      ((events * i.rollupMsPerEvent * i.rebuildsPerEvent) / 1000) *
      i.rollupGb *
      PRICES.lambdaGbSecondArm,
  };
  const total = Object.values(lines).reduce((a, b) => a + b, 0);
  return { total, lines };
}

/**
 * How many rebuilds read an event's raw item: the nightly job rebuilds today and the
 * `nightlyDays` before, so each event in `nightlyDays` nights (plus its own night's run for events
 * before 02:37, about 0.1). With TALLY_ROLLUP_HOURLY=rebuild the hourly job adds every later run
 * of the event's day and the next (11.5 + 24 on average); compacting, it reads facts instead.
 */
export const rebuildsPerEvent = (nightlyDays: number, hourly: 'compact' | 'rebuild') =>
  nightlyDays + 0.1 + (hourly === 'rebuild' ? 11.5 + 24 : 0);
