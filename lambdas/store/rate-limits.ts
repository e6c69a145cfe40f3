/**
 * The shared half of the write-key rate limit: one item per (key, fixed window) summing what every
 * container accepted. Containers add their local count at most once per second and read the
 * window's total back in the same write (lambdas/track/rate-limit.ts has the algorithm).
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../contract/keys.ts';
import { TABLE } from '../contract/table.ts';

/** Traffic of a window: requests and the events they carried. */
export interface Usage {
  requests: number;
  events: number;
}

/** Window items outlive their window by this much, then expire. */
const WINDOW_TTL_SECONDS = 3600;

/** Adds `add` to the window's totals and returns them (one UpdateItem, 1 WCU). */
export async function addUsage(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  window: { projectId: string; keyId: string; start: number; seconds: number },
  add: Usage,
): Promise<Usage> {
  const res = await ddb.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.rateWindow(window.projectId, window.keyId, window.start),
      UpdateExpression: 'ADD r :r, e :e SET #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute },
      ExpressionAttributeValues: {
        ':r': add.requests,
        ':e': add.events,
        ':ttl': window.start + window.seconds + WINDOW_TTL_SECONDS,
      },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return { requests: Number(res.Attributes?.r ?? 0), events: Number(res.Attributes?.e ?? 0) };
}
