/** Ingest Lambda: SQS batches from the bus rule; reports partial batch failures. */
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ingestConfig } from '../contract/config/ingest.ts';
import { documentClient } from '../http/clients.ts';
import { createLogger } from '../http/logger.ts';
import { sqsDeadLetter } from './dead-letter.ts';
import type { IngestDeps } from './deps.ts';
import { ingest } from './ingest.ts';

const config = ingestConfig(process.env);
const log = createLogger('ingest');
const deps: IngestDeps = {
  ddb: documentClient(config.storage),
  storage: config.storage,
  now: Date.now,
  log,
  maxReceiveCount: config.maxReceiveCount,
  lifetimeMs: config.timeoutSeconds * 1000,
  deadLetter: config.deadLetterQueueUrl
    ? sqsDeadLetter(
        new SQSClient(config.sqsEndpoint ? { endpoint: config.sqsEndpoint } : {}),
        config.deadLetterQueueUrl,
      )
    : undefined,
};

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(log.context())
  .handler(async (event): Promise<SQSBatchResponse> => {
    const { batchItemFailures } = await ingest(deps, event.Records);
    return { batchItemFailures };
  });
