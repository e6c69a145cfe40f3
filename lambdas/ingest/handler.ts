/** Ingest Lambda: SQS batches from the bus rule; reports partial batch failures. */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ingestConfig } from '../contract/config/ingest.ts';
import { INGEST_METRICS, INGEST_SERVICE } from '../contract/telemetry.ts';
import { documentClient, withoutSdkLogging } from '../http/clients.ts';
import { createLogger } from '../http/logger.ts';
import { CaptureResolver } from '../store/captures.ts';
import { RetentionResolver } from '../store/settings.ts';
import { sqsDeadLetter, sqsRequeue } from './dead-letter.ts';
import type { IngestDeps } from './deps.ts';
import { ingest } from './ingest.ts';
import { sqsRejectedSink } from './rejections.ts';

const config = ingestConfig(process.env);
const log = createLogger('ingest');
const ddb = documentClient(config.storage);
const retention = new RetentionResolver(
  ddb,
  config.storage.tableName,
  config.storage.retentionDays,
);
const captures = new CaptureResolver(ddb, config.storage.tableName);
const sqs = withoutSdkLogging(
  new SQSClient(config.sqsEndpoint ? { endpoint: config.sqsEndpoint } : {}),
);
const deps: IngestDeps = {
  ddb,
  retentionOf: (projectId) => retention.daysOf(projectId),
  captureOf: (projectId) => captures.of(projectId),
  storage: config.storage,
  now: Date.now,
  log,
  maxReceiveCount: config.maxReceiveCount,
  lifetimeMs: config.timeoutSeconds * 1000,
  deadLetter: config.deadLetterQueueUrl ? sqsDeadLetter(sqs, config.deadLetterQueueUrl) : undefined,
  requeue: config.queueUrl ? sqsRequeue(sqs, config.queueUrl) : undefined,
  rejectedSink: config.rejectedQueueUrl ? sqsRejectedSink(sqs, config.rejectedQueueUrl) : undefined,
};

// Namespace from POWERTOOLS_METRICS_NAMESPACE (one per stack, set by lib/ingestion.ts).
const metrics = new Metrics({ serviceName: INGEST_SERVICE });

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(log.context())
  .handler(async (event): Promise<SQSBatchResponse> => {
    const { batchItemFailures, lagsMs } = await ingest(deps, event.Records);
    // One value per counted event (Powertools writes 100 values a line): CloudWatch's p50 and
    // p99 of IngestLag are then the events' own.
    for (const ms of lagsMs) metrics.addMetric(INGEST_METRICS.lag, MetricUnit.Milliseconds, ms);
    if (lagsMs.length) metrics.publishStoredMetrics();
    return { batchItemFailures };
  });
