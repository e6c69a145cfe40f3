/** Ingest Lambda: SQS batches from the bus rule; reports partial batch failures. */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { documentClient } from '../shared/clients.ts';
import { storageConfig } from '../shared/config.ts';
import { createLogger } from '../shared/logger.ts';
import { ingest } from './ingest.ts';

const storage = storageConfig(process.env);
const logger = createLogger('ingest');
const deps = { ddb: documentClient(storage), storage, now: Date.now, log: logger };

export const handler = middy<SQSEvent, SQSBatchResponse>().handler(
  async (event): Promise<SQSBatchResponse> => {
    const { batchItemFailures } = await ingest(deps, event.Records);
    return { batchItemFailures };
  },
);
