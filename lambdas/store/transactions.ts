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
