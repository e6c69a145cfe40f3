/**
 * Property-based (fast-check) over every tracking route: whatever body a client sends — any JSON,
 * text that is not JSON, nesting thousands deep, events with poison dates, numbers and names —
 * the answer is a 2xx or a 4xx with a JSON body, never a 5xx; and in a batch mixing valid events
 * with hostile ones, every valid event is published, exactly once. Bounded: a fixed number of
 * runs per route, EventBridge mocked (the exact commands asserted elsewhere, in publish.test.ts).
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { ROUTES, routeKey } from '../../../lambdas/contract/routes.ts';
import { httpEvent } from '../../helpers/events.ts';
import { basic } from '../../helpers/http.ts';
import { respond, trackTestRouter } from '../../helpers/route.ts';

const eb = mockClient(EventBridgeClient);
const route = trackTestRouter(new EventBridgeClient({ region: 'us-east-1' }));

/** Runs per route; every route gets them, so a new route is covered the day it lands. */
const RUNS = 120;
let published: Record<string, unknown>[] = [];

beforeEach(() => {
  eb.reset();
  published = [];
  eb.on(PutEventsCommand).callsFake((input) => {
    for (const entry of input.Entries ?? []) {
      published.push(...(JSON.parse(entry.Detail as string).events as Record<string, unknown>[]));
    }
    return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map(() => ({ EventId: 'e' })) };
  });
});

async function post(key: string, body: unknown) {
  const res = await respond(route, httpEvent(key, { headers: basic('tk_good'), body }));
  return { status: res.statusCode ?? 0, body: JSON.parse(res.body ?? 'null') };
}

/** Values that broke Tally before (issue 9) or sit on an edge of a limit. */
const poison = fc.oneof(
  fc.constantFrom(
    1e200,
    -1,
    2 ** 53 + 2,
    1.5,
    Number.MAX_VALUE,
    '1e200',
    '2026-02-30T00:00:00Z',
    '1',
    '0000-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '__proto__',
    'constructor',
    'toString',
    '',
    'x'.repeat(9000),
    null,
    true,
    [],
    {},
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Nesting `depth` deep, as text (the JSON parser reads it; nothing else may recurse on it). */
const deep = fc
  .integer({ min: 5, max: 6000 })
  .map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

/** An event as some client would send it, with a few of its fields replaced by poison. */
const mutatedEvent = fc
  .record(
    {
      type: fc.oneof(
        fc.constantFrom('track', 'identify', 'page', 'screen', 'group', 'alias'),
        poison,
      ),
      event: fc.oneof(fc.constantFrom('message.sent', 'api.request', 'Signed Up'), poison),
      userId: fc.oneof(fc.string({ maxLength: 20 }), poison),
      anonymousId: poison,
      messageId: fc.oneof(fc.string({ maxLength: 20 }), poison),
      timestamp: poison,
      sentAt: poison,
      properties: fc.oneof(
        fc.record(
          {
            tokens: poison,
            durationMs: poison,
            statusCode: poison,
            rating: poison,
            model: poison,
            endpoint: poison,
            conversationId: poison,
          },
          { requiredKeys: [] },
        ),
        poison,
      ),
      traits: poison,
      context: poison,
      name: poison,
      groupId: poison,
      previousId: poison,
    },
    { requiredKeys: [] },
  )
  .map((e) => e as Record<string, unknown>);

/** Any body: JSON of any shape, hostile events, a batch of them, or text that is not JSON. */
const anyBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  mutatedEvent,
  fc.record({ batch: fc.array(mutatedEvent, { maxLength: 8 }), context: poison, sentAt: poison }),
  fc.record({ events: fc.array(mutatedEvent, { maxLength: 8 }) }),
  fc.string({ maxLength: 200 }),
  deep,
);

const tracking = ROUTES.filter((r) => r.fn === 'track' && r.method === 'POST').map(routeKey);

describe('every tracking route, under any body (fast-check)', () => {
  it('has routes to test', () => {
    expect(tracking.length).toBeGreaterThanOrEqual(13);
  });

  it.each(tracking)('%s answers 2xx or a JSON 4xx, never a 5xx', async (key) => {
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        const res = await post(key, body);
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
        expect(res.status).toBeGreaterThanOrEqual(200);
        if (res.status >= 400) expect(typeof res.body?.error?.message).toBe('string');
      }),
      { numRuns: RUNS },
    );
  });
});

/** A valid track event, `valid-<i>`. */
const valid = (i: number) => ({
  type: 'track',
  event: 'message.sent',
  userId: `u${i}`,
  messageId: `valid-${i}`,
  properties: { tokens: i, model: 'gpt-4o' },
});

describe('a batch mixing valid and hostile events (fast-check)', () => {
  it('publishes every valid event once and names each refused one', async () => {
    const hostile = mutatedEvent.map((e) => ({ ...e, messageId: `h-${String(e.messageId)}` }));
    const items = fc.array(fc.oneof(fc.nat({ max: 10_000 }), hostile), {
      minLength: 1,
      maxLength: 40,
    });
    await fc.assert(
      fc.asyncProperty(items, fc.option(poison, { nil: undefined }), async (list, context) => {
        published = [];
        const ids = new Set<number>();
        const batch = list
          .filter((x) => typeof x !== 'number' || !ids.has(x))
          .map((x) => {
            if (typeof x !== 'number') return x;
            ids.add(x);
            return valid(x);
          });
        const res = await post(
          'POST /v1/batch',
          context === undefined ? { batch } : { batch, context },
        );
        // A 400 is a context no event could carry (the request's fault), or a batch with no
        // valid event at all; otherwise every item is judged on its own.
        if (res.status === 400) {
          expect(published).toEqual([]);
          if (ids.size > 0) expect(res.body.error.message).toMatch(/^invalid batch: /);
          return;
        }
        expect([200, 207]).toContain(res.status);
        const sent = published.map((e) => e.messageId);
        for (const i of ids) expect(sent.filter((m) => m === `valid-${i}`)).toHaveLength(1);
        const rejected = (res.body.rejected ?? []) as { index: number }[];
        for (const r of rejected) {
          expect(
            typeof batch[r.index]?.messageId === 'string' &&
              String(batch[r.index]?.messageId).startsWith('valid-'),
          ).toBe(false);
        }
        expect(new Set(sent).size).toBe(sent.length);
      }),
      { numRuns: 150 },
    );
  });
});
