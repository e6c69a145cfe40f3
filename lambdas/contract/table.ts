/**
 * The one DynamoDB table, described once. The CDK storage construct and the local twin's
 * `CreateTable` both read this, so they cannot drift. Key formats live in `keys.ts`.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes the item some time after. */
  ttlAttribute: 'ttl',
} as const;
