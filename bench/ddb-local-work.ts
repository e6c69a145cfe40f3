/**
 * Where DynamoDB Local's work goes when the twin ingests the standard workload, and how it
 * compares with the raw BatchWriteItem reference: why ingest end to end reaches the ratio it does.
 *
 * The twin runs in this process on a DynamoDB Local of its own; every DynamoDB request is sent
 * one at a time (a lock around the document client's `send`), and the emulator's CPU time
 * (/proc, user + system) over each request is charged to the request's kind: the operation and
 * the kind of item it touches (its partition key's prefix, lambdas/contract/keys.ts). Sending one
 * at a time makes the attribution exact and the run slow; it measures work, not throughput. The
 * reference's work is measured the same way: the same number of raw-event items written by
 * bench/reference.ts into the same emulator. /proc counts in 10 ms ticks: over thousands of
 * requests the charge per kind is an unbiased sum, not exact per request. The reference is sent
 * through the same lock, after an uncounted run of it has warmed the emulator's JVM.
 * The handlers are module singletons bound to one table, so this runs in a process of its own:
 * `ddbLocalWorkProcess` spawns `npx tsx bench/ddb-local-work.ts [--events N]`, which also runs
 * this section alone.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { startLocalStack } from '../local/stack.ts';
import { basic } from '../test/helpers/http.ts';
import { tsxChild } from './child.ts';
import { rawBatchWriteItemsPerSec } from './reference.ts';
import { events as workload } from './workload.ts';

/** What the items of each key prefix are (lambdas/contract/keys.ts). */
const ITEM_KINDS: Record<string, string> = {
  E: 'raw event',
  CL: 'commit log',
  FL: 'fact log',
  U: 'user profile',
  UD: 'user-day marker',
  C: 'counter',
  LB: 'labels',
  RL: 'rate-limit window',
  WK: 'write key',
  P: 'project',
  SX: 'side chunk',
  RJ: 'rejection',
};

export interface WorkKind {
  /** Operation and the items it touches, e.g. `BatchWriteItem raw event`. */
  kind: string;
  requests: number;
  /** Emulator CPU per event ingested, µs. */
  usPerEvent: number;
  /** Emulator CPU per request, ms. */
  msPerRequest: number;
}

export interface DdbLocalWork {
  events: number;
  /** The emulator's CPU per event, µs, all kinds together. */
  usPerEvent: number;
  /** The reference's emulator CPU per raw-event item written, µs. */
  referenceUsPerItem: number;
  /** usPerEvent ÷ referenceUsPerItem: the emulator's work per event against the reference's. */
  ratio: number;
  kinds: WorkKind[];
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function cpuMs(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const prefixKind = (pk: unknown) => ITEM_KINDS[String(pk).split('#')[0] ?? ''] ?? 'other';

/** `BatchWriteItem raw event`: the operation and the kind of its (first) item. */
function kindOf(command: {
  constructor: { name: string };
  input: Record<string, unknown>;
}): string {
  const op = command.constructor.name.replace(/Command$/, '');
  const name =
    { BatchWrite: 'BatchWriteItem', BatchGet: 'BatchGetItem', Get: 'GetItem', Put: 'PutItem' }[
      op
    ] ??
    (op === 'Update' || op === 'Delete'
      ? `${op}Item`
      : op === 'TransactWrite'
        ? 'TransactWriteItems'
        : op);
  const input = command.input as {
    Key?: { pk?: unknown };
    Item?: { pk?: unknown };
    RequestItems?: Record<
      string,
      { Keys?: { pk?: unknown }[] } | { PutRequest?: { Item?: { pk?: unknown } } }[]
    >;
    TransactItems?: { Put?: { Item?: { pk?: unknown } }; Update?: { Key?: { pk?: unknown } } }[];
    ExpressionAttributeValues?: Record<string, unknown>;
  };
  let pk: unknown;
  if (input.Key) pk = input.Key.pk;
  else if (input.Item) pk = input.Item.pk;
  else if (input.RequestItems) {
    const first = Object.values(input.RequestItems)[0];
    pk = Array.isArray(first) ? first[0]?.PutRequest?.Item?.pk : first?.Keys?.[0]?.pk;
  } else if (input.TransactItems) {
    // A commit's first item is its commit-log entry; user creations put markers and profiles.
    const first = input.TransactItems[0];
    pk = first?.Put?.Item?.pk ?? first?.Update?.Key?.pk;
  } else pk = input.ExpressionAttributeValues?.[':pk'];
  return `${name} ${prefixKind(pk)}`;
}

/**
 * Runs `events` standard-workload events (4 clients, requests of 50) through the twin with every
 * DynamoDB request charged to its kind, then the reference.
 */
export async function ddbLocalWork(o: {
  events: number;
  log?: (line: string) => void;
}): Promise<DdbLocalWork> {
  const dynamo = await startDynamoDbLocal({ inMemory: true });
  const pid = dynamo.pid as number;
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-ddb-work-'));
  const proto = DynamoDBDocumentClient.prototype as unknown as {
    send: (...args: unknown[]) => Promise<unknown>;
  };
  const send = proto.send;
  const byKind = new Map<string, { requests: number; ms: number }>();
  let counting = false;
  let lock: Promise<void> = Promise.resolve();
  proto.send = async function (this: unknown, ...args: unknown[]) {
    const previous = lock;
    let release = () => {};
    lock = new Promise<void>((r) => {
      release = r;
    });
    await previous;
    const before = cpuMs(pid);
    try {
      return await send.apply(this, args);
    } finally {
      if (counting) {
        const kind = kindOf(args[0] as Parameters<typeof kindOf>[0]);
        const entry = byKind.get(kind) ?? { requests: 0, ms: 0 };
        entry.requests++;
        entry.ms += cpuMs(pid) - before;
        byKind.set(kind, entry);
      }
      release();
    }
  };
  try {
    // A fresh JVM is slow until its code is compiled: warm it with the reference's own writes
    // first, uncounted, so neither side pays the warm-up.
    await rawBatchWriteItemsPerSec(dynamo.endpoint, 'bench-work-warm-up', o.events, 30);
    const stack = await startLocalStack({
      port: 0,
      dataDir,
      dynamodbEndpoint: dynamo.endpoint,
      rollupIntervalMs: 0,
      log: () => undefined,
    });
    try {
      const events = workload(o.events, { seed: 31 });
      const auth = basic(stack.credentials.writeKey);
      counting = true;
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < events.length) {
            const batch = events.slice(next, next + 50);
            next += 50;
            const res = await fetch(`${stack.baseUrl}/v1/batch`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...auth },
              body: JSON.stringify({ batch }),
            });
            if (res.status !== 200) throw new Error(`track answered ${res.status}`);
          }
        }),
      );
      await stack.idle();
      counting = false;
    } finally {
      await stack.stop();
    }
    // The reference through the same lock: one request at a time, as the twin's were.
    const before = cpuMs(pid);
    await rawBatchWriteItemsPerSec(dynamo.endpoint, 'bench-work-reference', o.events, 31);
    const referenceUsPerItem = ((cpuMs(pid) - before) * 1000) / o.events;
    const kinds = [...byKind]
      .map(([kind, { requests, ms }]) => ({
        kind,
        requests,
        usPerEvent: round((ms * 1000) / o.events, 0),
        msPerRequest: round(ms / requests, 2),
      }))
      .sort((a, b) => b.usPerEvent - a.usPerEvent);
    const usPerEvent = round(
      ([...byKind.values()].reduce((n, k) => n + k.ms, 0) * 1000) / o.events,
      0,
    );
    const result: DdbLocalWork = {
      events: o.events,
      usPerEvent,
      referenceUsPerItem: round(referenceUsPerItem, 0),
      ratio: round(usPerEvent / Math.max(1, referenceUsPerItem), 2),
      kinds,
    };
    o.log?.(
      `DynamoDB Local's work: ${usPerEvent} µs per event ingested, ${result.referenceUsPerItem} per reference item (${result.ratio} ×)`,
    );
    return result;
  } finally {
    proto.send = send;
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `ddbLocalWork` in a child process (its own handlers and DynamoDB Local); resolves with its JSON. */
export function ddbLocalWorkProcess(events: number): Promise<DdbLocalWork> {
  // The handlers log JSON lines to stdout too: the result is the last, pretty-printed, object.
  return tsxChild(
    import.meta.filename,
    ['--events', String(events)],
    (out) => JSON.parse(out.slice(out.lastIndexOf('\n{\n'))) as DdbLocalWork,
    'ignore',
  );
}

// Run directly: this section alone.
if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '10000' } } });
  process.stdout.write(
    `\n${JSON.stringify(await ddbLocalWork({ events: Number(values.events) }), null, 2)}\n`,
  );
}
