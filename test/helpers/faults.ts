/**
 * Faults for the exactness tests, injected at the DynamoDB client the handler logic uses: a crash
 * (from some call on, nothing answers — as when the process dies) and jitter (every call delayed
 * at random, so concurrent invocations interleave in every order). Nothing in the product code
 * knows about them.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const never = new Promise<never>(() => {});

/** Where the crash happens: before call `at` is sent, or after it was applied but unanswered. */
export type CrashMode = 'before' | 'after';

export interface Crashing {
  client: DynamoDBDocumentClient;
  /** Resolves once the crash point is reached (the call is sent and applied, in `after` mode). */
  crashed: Promise<void>;
  /** Calls sent so far. */
  calls: () => number;
}

/**
 * A client that dies at its `at`-th call (1-based): that call and every later one never answers.
 * With `at` past the last call the run finishes; `calls()` tells how many a clean run makes.
 */
export function crashAt(ddb: DynamoDBDocumentClient, at: number, mode: CrashMode): Crashing {
  let n = 0;
  let reached: () => void = () => {};
  const crashed = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const send = async (command: never) => {
    n++;
    if (n < at) return ddb.send(command);
    if (n === at) {
      // Applied, whatever it answered; the answer never arrives.
      if (mode === 'after') await ddb.send(command).catch(() => undefined);
      reached();
    }
    return never;
  };
  return { client: wrap(ddb, send), crashed, calls: () => n };
}

/** A client that holds chosen calls until the test lets them go, to force one interleaving. */
export function stepped(ddb: DynamoDBDocumentClient, held: number[]) {
  let n = 0;
  const gates = new Map<
    number,
    { arrived: () => void; go: Promise<void>; release: () => void; at: Promise<void> }
  >();
  for (const call of held) {
    let arrived = () => {};
    let release = () => {};
    const at = new Promise<void>((r) => {
      arrived = r;
    });
    const go = new Promise<void>((r) => {
      release = r;
    });
    gates.set(call, { arrived, go, release, at });
  }
  const gate = (call: number) => {
    const g = gates.get(call);
    if (!g) throw new Error(`call ${call} is not held`);
    return g;
  };
  const client = wrap(ddb, async (command: never) => {
    const g = gates.get(++n);
    if (g) {
      g.arrived();
      await g.go;
    }
    return ddb.send(command);
  });
  return {
    client,
    /** Resolves when held call `call` is waiting to be sent. */
    reached: (call: number) => gate(call).at,
    /** Lets held call `call` go. */
    release: (call: number) => gate(call).release(),
    calls: () => n,
  };
}

/** A client whose every call waits 0–`maxMs` first, and then 0–`maxMs` before it answers. */
export function jittered(ddb: DynamoDBDocumentClient, maxMs: number, random: () => number) {
  return wrap(ddb, async (command: never) => {
    await sleep(random() * maxMs);
    const out = await ddb.send(command);
    await sleep(random() * maxMs);
    return out;
  });
}

/**
 * A client that calls `before(command)` ahead of each call and `after(command, error)` once it
 * answered (error undefined when it succeeded): to run something at a chosen point of an
 * invocation, or to watch what it sends.
 */
export function watched(
  ddb: DynamoDBDocumentClient,
  hooks: {
    before?: (command: { input: Record<string, unknown> }) => Promise<void> | void;
    after?: (command: { input: Record<string, unknown> }, error: unknown) => void;
  },
) {
  return wrap(ddb, async (command: never) => {
    await hooks.before?.(command);
    try {
      const out = await ddb.send(command);
      hooks.after?.(command, undefined);
      return out;
    } catch (error) {
      hooks.after?.(command, error);
      throw error;
    }
  });
}

function wrap(ddb: DynamoDBDocumentClient, send: (command: never) => Promise<unknown>) {
  return new Proxy(ddb, {
    get: (target, prop, receiver) => (prop === 'send' ? send : Reflect.get(target, prop, receiver)),
  }) as DynamoDBDocumentClient;
}

/** A seeded generator (mulberry32), so a failing interleaving can be run again. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
