import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPE, EVENT_SOURCE, MAX_DETAIL_BYTES } from '../../../lambdas/contract/bus.ts';
import { normalize } from '../../../lambdas/track/normalize.ts';
import { chunkEvents, publish } from '../../../lambdas/track/publish.ts';

const eb = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'us-east-1' });
const noSleep = async () => undefined;
const receivedAt = Date.parse('2026-11-22T12:00:00Z');

function events(n: number, propertyBytes = 10) {
  return Array.from({ length: n }, (_, i) =>
    normalize(
      'track',
      {
        event: 'x',
        userId: `u${i}`,
        messageId: `m${i}`,
        timestamp: '2026-11-22T11:00:00Z',
        properties: { pad: 'p'.repeat(propertyBytes) },
      },
      {
        projectId: 'p1',
        receivedAt,
        sourceIp: undefined,
        privacy: { ipMode: 'truncate', botMode: 'flag' },
      },
    ),
  );
}

beforeEach(() => eb.reset());

describe('publish', () => {
  it('sends one entry per chunk, not one per event, with the exact source and detail-type', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
    const result = await publish(client, 'p1', events(50), { busName: 'bus', sleep: noSleep });
    expect(result).toEqual({ failed: [], entries: 1 });
    const calls = eb.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const entries = calls[0]?.args[0].input.Entries ?? [];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      EventBusName: 'bus',
      Source: EVENT_SOURCE,
      DetailType: DETAIL_TYPE,
    });
    const detail = JSON.parse(entries[0]?.Detail as string);
    expect(detail.v).toBe(1);
    expect(detail.projectId).toBe('p1');
    expect(detail.events.map((e: { messageId: string }) => e.messageId)).toEqual(
      Array.from({ length: 50 }, (_, i) => `m${i}`),
    );
  });

  it('splits large requests into entries under the size limit, every event exactly once', async () => {
    eb.on(PutEventsCommand).callsFake((input) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_: unknown, i: number) => ({ EventId: `e${i}` })),
    }));
    const list = events(400, 2000); // ~ 2.4 KB each, ~ 1 MB in all
    const chunks = chunkEvents('p1', list);
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    for (const c of chunks)
      expect(Buffer.byteLength(c.detail)).toBeLessThanOrEqual(MAX_DETAIL_BYTES);
    const result = await publish(client, 'p1', list, { busName: 'bus', sleep: noSleep });
    expect(result.failed).toEqual([]);
    const sent = eb
      .commandCalls(PutEventsCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .flatMap((e) =>
        JSON.parse(e.Detail as string).events.map((x: { messageId: string }) => x.messageId),
      );
    expect(sent.sort()).toEqual(list.map((n) => n.event.messageId).sort());
    for (const call of eb.commandCalls(PutEventsCommand)) {
      const bytes = (call.args[0].input.Entries ?? []).reduce(
        (n, e) => n + Buffer.byteLength(e.Detail as string),
        0,
      );
      expect(bytes).toBeLessThanOrEqual(256 * 1024);
    }
  });

  it('retries only the entries EventBridge reported failed', async () => {
    const list = events(3);
    eb.on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e2' }] });
    const result = await publish(client, 'p1', list, { busName: 'bus', sleep: noSleep });
    expect(result.failed).toEqual([]);
    const calls = eb.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.Entries?.[0]?.Detail).toBe(
      calls[0]?.args[0].input.Entries?.[0]?.Detail,
    );
  });

  it('reports the events still refused after every attempt', async () => {
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }],
    });
    const delays: number[] = [];
    const result = await publish(client, 'p1', events(2), {
      busName: 'bus',
      attempts: 3,
      baseDelayMs: 10,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    expect(result).toEqual({ failed: [0, 1], entries: 1, lastErrorCode: 'InternalFailure' });
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(3);
    expect(delays).toEqual([10, 40]);
  });
});
