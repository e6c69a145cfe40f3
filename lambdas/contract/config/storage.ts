/** Where and how data is laid out in the table: every function reads these. */
import { type Env, integer, readAll, text, type Values } from './setting.ts';

/** Changing the shard counts of a live table splits its history. */
export const STORAGE = {
  tableName: text('TABLE_NAME', { required: true }),
  /** DynamoDB Local's endpoint in the local twin; unset in AWS. */
  dynamodbEndpoint: text('DYNAMODB_ENDPOINT'),
  /** Write shards per raw-event day partition (each takes up to 1,000 writes/s). */
  eventShards: integer('TALLY_EVENT_SHARDS', 8, 1, 256),
  /** Shards for user profiles and user-day markers. */
  userShards: integer('TALLY_USER_SHARDS', 8, 1, 256),
  /** Width of a live counter bucket, whole minutes (60 to 3600 s); the rollup folds whole buckets. */
  bucketSeconds: integer('TALLY_BUCKET_SECONDS', 300, 60, 3600),
  /** Raw events expire this many days after they were received; a resend is recognised as long (docs/data-model.md "Exactly once"). */
  retentionDays: integer('TALLY_RETENTION_DAYS', 395, 8, 3650),
} as const;

export type StorageConfig = Values<typeof STORAGE>;

export const storageConfig = (env: Env): StorageConfig => readAll(STORAGE, env);
