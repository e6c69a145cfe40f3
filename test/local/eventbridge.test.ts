import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETAIL_TYPE, EVENT_SOURCE, INGEST_PATTERN } from '../../lambdas/contract/bus.ts';
import { type LocalEventBus, startEventBus } from '../../local/eventbridge.ts';
import { BacklogFullError } from '../../local/queue.ts';

let bus: LocalEventBus;
const delivered: string[] = [];
let client: EventBridgeClient;
/** The target refuses entries while this is set, as a full queue does. */
let full = false;

beforeAll(async () => {
  bus = await startEventBus({
    busName: 'b',
    rules: [
      {
        name: 'ingest',
        pattern: INGEST_PATTERN,
        target: async (json) => {
          // Accepted only once the target has it (the queue: once it is on disk).
          await new Promise((r) => setTimeout(r, 5));
          if (full) throw new BacklogFullError({ entries: 1, bytes: 1 }, { entries: 1, bytes: 1 });
          delivered.push(json);
        },
      },
    ],
  });
  client = new EventBridgeClient({
    endpoint: bus.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});
afterAll(() => bus.stop());

describe('local EventBridge (PutEvents over the real SDK client)', () => {
  it('passes the detail on exactly as sent, hostile keys and text included', async () => {
    delivered.length = 0;
    const detail =
      '{"v":1,"__proto__":{"admin":true},"constructor":"x","s":"\\u2028<img src=x>\\ud800é","n":[1e300,-0.0]}';
    const res = await client.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'b', Source: EVENT_SOURCE, DetailType: DETAIL_TYPE, Detail: detail },
        ],
      }),
    );
    expect(res.FailedEntryCount).toBe(0);
    expect(delivered).toHaveLength(1);
    const event = JSON.parse(delivered[0] as string);
    expect(JSON.stringify(event.detail)).toBe(JSON.stringify(JSON.parse(detail)));
    expect(Object.hasOwn(event.detail, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(event).toMatchObject({ version: '0', source: EVENT_SOURCE, 'detail-type': DETAIL_TYPE });
    expect(Object.keys(event)).toEqual([
      'version',
      'id',
      'detail-type',
      'source',
      'account',
      'time',
      'region',
      'resources',
      'detail',
    ]);
  });

  it('accepts entries and routes matching ones to the rule target as EventBridge events', async () => {
    delivered.length = 0;
    const res = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'b',
            Source: EVENT_SOURCE,
            DetailType: DETAIL_TYPE,
            Detail: JSON.stringify({ v: 1, n: 1 }),
          },
          { EventBusName: 'b', Source: 'other', DetailType: DETAIL_TYPE, Detail: '{}' },
        ],
      }),
    );
    expect(res.FailedEntryCount).toBe(0);
    expect(res.Entries?.every((e) => e.EventId)).toBe(true);
    expect(delivered).toHaveLength(1);
    expect(JSON.parse(delivered[0] as string)).toMatchObject({
      source: EVENT_SOURCE,
      'detail-type': DETAIL_TYPE,
      detail: { v: 1, n: 1 },
    });
  });

  it('reports injected failures per entry, as EventBridge does', async () => {
    delivered.length = 0;
    bus.failNextEntries(1, 'ThrottlingException');
    const res = await client.send(
      new PutEventsCommand({
        Entries: [1, 2].map((n) => ({
          EventBusName: 'b',
          Source: EVENT_SOURCE,
          DetailType: DETAIL_TYPE,
          Detail: JSON.stringify({ n }),
        })),
      }),
    );
    expect(res.FailedEntryCount).toBe(1);
    expect(res.Entries?.[0]).toMatchObject({ ErrorCode: 'ThrottlingException' });
    expect(res.Entries?.[1]?.EventId).toBeTruthy();
    expect(delivered.map((d) => JSON.parse(d).detail.n)).toEqual([2]);
  });

  it('fails the entries a full queue refuses with ThrottlingException, as EventBridge throttles', async () => {
    delivered.length = 0;
    full = true;
    const entries = [1, 2].map((n) => ({
      EventBusName: 'b',
      Source: EVENT_SOURCE,
      DetailType: DETAIL_TYPE,
      Detail: JSON.stringify({ n }),
    }));
    const res = await client.send(new PutEventsCommand({ Entries: entries }));
    full = false;
    expect(res.FailedEntryCount).toBe(2);
    expect(res.Entries).toEqual([
      { ErrorCode: 'ThrottlingException', ErrorMessage: expect.stringMatching(/queue is full/) },
      { ErrorCode: 'ThrottlingException', ErrorMessage: expect.stringMatching(/queue is full/) },
    ]);
    expect(delivered).toEqual([]);
    const again = await client.send(new PutEventsCommand({ Entries: entries }));
    expect(again.FailedEntryCount).toBe(0);
    expect(delivered).toHaveLength(2);
  });

  it('refuses a request over 256 KiB', async () => {
    await expect(
      client.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: EVENT_SOURCE,
              DetailType: DETAIL_TYPE,
              Detail: JSON.stringify({ b: 'x'.repeat(270_000) }),
            },
          ],
        }),
      ),
    ).rejects.toThrow(/over the limit/);
  });
});
