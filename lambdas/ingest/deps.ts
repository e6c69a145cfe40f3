/** What ingest needs from its environment: the handler builds it at cold start, tests their own. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import type { StorageConfig } from '../contract/config/storage.ts';
import type { Log } from '../http/logger.ts';
import type { Capture } from '../store/properties.ts';
import type { RejectionRecord } from '../store/rejections.ts';

export interface IngestDeps {
  ddb: DynamoDBDocumentClient;
  storage: StorageConfig;
  now: () => number;
  log: Log;
  /**
   * Sends a record to the dead-letter queue with its reason. Without it, failing records are
   * only reported failed and SQS moves them after `maxReceiveCount` receives, reason unknown.
   */
  deadLetter?: ((record: SQSRecord, reason: string) => Promise<void>) | undefined;
  /**
   * Sends a record back to the ingest queue as a new message (receive count 1). Used for records
   * an invocation did not attempt for want of time; without it they are reported failed, and the
   * wait spends one of their receives.
   */
  requeue?: ((record: SQSRecord) => Promise<void>) | undefined;
  /**
   * The rejections sink: each rejected item not counted before, with its reason (AWS: an SQS
   * queue of its own; locally `rejected.jsonl`). Without it, rejections are only counted.
   */
  rejectedSink?: ((records: readonly RejectionRecord[]) => Promise<void>) | undefined;
  /** The queue's receive limit: the receive on which a failing record is dead-lettered. */
  maxReceiveCount: number;
  /**
   * The longest an invocation runs (the function's timeout). No write is sent later than this
   * after it started, which bounds where a crashed writer's competitors can have committed.
   */
  lifetimeMs: number;
  /**
   * Days a project's new raw events and facts are kept (its setting, else
   * `storage.retentionDays`). @default storage.retentionDays for every project
   */
  retentionOf?: ((projectId: string) => Promise<number>) | undefined;
  /**
   * The event properties a project's feature and funnel declarations name (store/captures.ts),
   * kept in its facts. @default read from the declarations at every group, uncached
   */
  captureOf?: ((projectId: string) => Promise<Capture>) | undefined;
}
