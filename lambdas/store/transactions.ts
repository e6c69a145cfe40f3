import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';

/**
 * What a cancelled DynamoDB transaction says about each of its items. The document client does
 * not unmarshal these, and the SDK gives them only on `TransactionCanceledException`.
 */

export interface CancellationReason {
  Code?: string;
  Message?: string;
}

/** The per-item reasons of a cancelled transaction, or undefined for any other error. */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  const e = error as { name?: string; CancellationReasons?: CancellationReason[] } | undefined;
  if (e?.name !== 'TransactionCanceledException') return undefined;
  return e.CancellationReasons ?? [];
}

/** True when only concurrency (another transaction on the same items) cancelled it: retry. */
export const onlyConflicts = (reasons: CancellationReason[]) =>
  reasons.some((r) => r.Code === 'TransactionConflict') &&
  reasons.every((r) => r.Code === 'TransactionConflict' || r.Code === 'None' || !r.Code);

/** DynamoDB's limit on items per TransactWriteItems call. */
export const MAX_TRANSACTION_ITEMS = 100;

/**
 * Writes each of `items` once, in one transaction with the updates that count them.
 * `transactItems(pending)` gives the transaction: the pending items' conditional puts first, in
 * order, then the counter updates for exactly those items. A cancellation by another transaction
 * is retried after a jittered pause; a put that failed its condition was written (and counted)
 * before, so it is left out and the rest sent again. Returns the items this call wrote; throws any
 * other error, or after `attempts` tries. `beforeSend` runs before each try (a deadline check).
 */
export async function createOnce<T>(
  ddb: DynamoDBDocumentClient,
  items: T[],
  transactItems: (pending: T[]) => NonNullable<TransactWriteCommandInput['TransactItems']>,
  { attempts = 8, beforeSend }: { attempts?: number; beforeSend?: () => void } = {},
): Promise<T[]> {
  let pending = items;
  for (let attempt = 1; pending.length; attempt++) {
    beforeSend?.();
    try {
      await ddb.send(new TransactWriteCommand({ TransactItems: transactItems(pending) }));
      return pending;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons || attempt >= attempts) throw error;
      if (onlyConflicts(reasons)) {
        await sleep(10 * 2 ** attempt * Math.random());
        continue;
      }
      const exists = new Set(
        reasons.flatMap((r, i) =>
          r.Code === 'ConditionalCheckFailed' && i < pending.length ? [i] : [],
        ),
      );
      if (!exists.size) throw error;
      pending = pending.filter((_, i) => !exists.has(i));
    }
  }
  return [];
}
