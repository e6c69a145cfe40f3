/** The ingest function's configuration. */
import { type Env, integer, readAll, text, type Values } from './setting.ts';
import { type StorageConfig, storageConfig } from './storage.ts';

export const INGEST = {
  /** Where records that can never be stored go, with their reason. */
  deadLetterQueueUrl: text('DEAD_LETTER_QUEUE_URL'),
  /** Where each item a tracking request rejected goes, with its reason (docs/tracking.md). */
  rejectedQueueUrl: text('REJECTED_QUEUE_URL'),
  /** The ingest queue itself: records not attempted for want of time are sent back to it. */
  queueUrl: text('INGEST_QUEUE_URL'),
  /** The local twin's SQS endpoint; unset in AWS. */
  sqsEndpoint: text('SQS_ENDPOINT'),
  /** The queue's receive limit: on the last receive a failing record is dead-lettered with its reason. */
  maxReceiveCount: integer('TALLY_MAX_RECEIVE_COUNT', 5, 1, 1000),
  /**
   * The function's timeout: no write is sent later than this after an invocation started, the
   * bound the exactness argument rests on (docs/data-model.md "Exactly once").
   */
  timeoutSeconds: integer('TALLY_INGEST_TIMEOUT_SECONDS', 60, 10, 900),
} as const;

export type IngestConfig = Values<typeof INGEST> & { readonly storage: StorageConfig };

export const ingestConfig = (env: Env): IngestConfig => ({
  storage: storageConfig(env),
  ...readAll(INGEST, env),
});
