/**
 * Counts DynamoDB requests and the capacity they consume, process-wide, by asking every request
 * for `ReturnConsumedCapacity` (a benchmark-only patch of the SDK client's `send`). DynamoDB Local
 * charges nothing for keys a BatchGetItem does not find, where AWS charges them like found items:
 * reads are therefore also counted by AWS's rule for that operation.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface CapacityTotals {
  wcu: number;
  rcu: number;
  /** RCU by AWS's rules for BatchGetItem (each key ≤ 4 KB: 0.5 eventually, 1 strongly consistent). */
  rcuAws: number;
  requests: Record<string, number>;
}

let totals: CapacityTotals = { wcu: 0, rcu: 0, rcuAws: 0, requests: {} };
const READS = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'GetCommand',
  'BatchGetCommand',
]);
const BATCH_GETS = new Set(['BatchGetItemCommand', 'BatchGetCommand']);
const UNMETERED = new Set([
  'CreateTableCommand',
  'DescribeTableCommand',
  'UpdateTimeToLiveCommand',
  'ListTablesCommand',
]);

/** Patches `send` of both the low-level and the document client (they do not share it). */
export function installMeter(): void {
  for (const cls of [DynamoDBClient, DynamoDBDocumentClient]) patch(cls.prototype);
}

function patch(target: object): void {
  const proto = target as { send: (...args: unknown[]) => Promise<unknown>; __metered?: boolean };
  if (Object.hasOwn(proto, '__metered')) return;
  const send = proto.send;
  proto.send = async function (this: unknown, ...args: unknown[]) {
    const command = args[0] as { constructor: { name: string }; input: Record<string, unknown> };
    const name = command.constructor.name;
    if (!command.input.ReturnConsumedCapacity && !UNMETERED.has(name)) {
      command.input.ReturnConsumedCapacity = 'TOTAL';
    }
    const out = (await send.apply(this, args)) as { ConsumedCapacity?: unknown };
    totals.requests[name] = (totals.requests[name] ?? 0) + 1;
    const consumed = ([] as { CapacityUnits?: number }[]).concat(
      (out.ConsumedCapacity ?? []) as never,
    );
    const units = consumed.reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
    if (READS.has(name)) totals.rcu += units;
    else totals.wcu += units;
    if (BATCH_GETS.has(name)) {
      for (const table of Object.values(
        (command.input.RequestItems ?? {}) as Record<
          string,
          { Keys?: unknown[]; ConsistentRead?: boolean }
        >,
      )) {
        totals.rcuAws += (table.Keys?.length ?? 0) * (table.ConsistentRead ? 1 : 0.5);
      }
    } else if (READS.has(name)) {
      totals.rcuAws += units;
    }
    return out;
  };
  proto.__metered = true;
}

/** Starts a new measurement; returns what the previous one counted. */
export function resetMeter(): CapacityTotals {
  const previous = totals;
  totals = { wcu: 0, rcu: 0, rcuAws: 0, requests: {} };
  return previous;
}

export const meter = () => ({ ...totals, requests: { ...totals.requests } });
