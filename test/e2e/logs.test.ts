/**
 * What the functions log, read from their JSON lines in the local twin (which calls the handlers
 * as Lambda does: a context per invocation, invocations overlapping): every line logged during
 * an invocation carries that invocation's request id and the function's name, and no line holds
 * a write key, a token or an event's contents.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../../local/stack.ts';
import { basic, bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
const written: string[] = [];
/** A value only the tracked events carry: it must never appear in a log line. */
const SECRET_PROPERTY = `do-not-log-${Date.now()}`;

beforeAll(async () => {
  // The handlers read the level once, when the twin imports them.
  process.env.LOG_LEVEL = 'INFO';
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk, ...rest) => {
    const text = String(chunk);
    if (text.startsWith('{"level"')) {
      written.push(text);
      return true;
    }
    return write(chunk as never, ...(rest as []));
  });
  stack = await startTestStack('logs');
});
afterAll(async () => {
  await stack?.stop();
  vi.restoreAllMocks();
});

type Line = Record<string, unknown>;
const lines = (): Line[] =>
  written.flatMap((w) => w.split('\n').filter(Boolean)).map((l) => JSON.parse(l) as Line);

describe('log lines', () => {
  it('carry the request id and the function name, one invocation apart from another', async () => {
    const refresh = () =>
      request(`${stack.baseUrl}/api/v1/analytics/metrics/refresh`, {
        method: 'POST',
        headers: bearer(stack.credentials.adminToken),
      });
    // Two refreshes at once: each logs `rollup done` while the other is in flight.
    const replies = await Promise.all([refresh(), refresh()]);
    expect(replies.map((r) => r.status)).toEqual([200, 200]);
    const done = lines().filter((l) => l.message === 'rollup done');
    expect(done).toHaveLength(2);
    for (const l of done) {
      expect(l).toMatchObject({
        service: 'admin',
        function_name: 'tally-admin',
        function_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
    }
    expect(new Set(done.map((l) => l.function_request_id)).size).toBe(2);

    const sent = await request(`${stack.baseUrl}/v1/batch`, {
      headers: basic(stack.credentials.writeKey),
      body: {
        batch: [1, 2, 3].map((i) => ({
          type: 'track',
          userId: `u${i}`,
          event: 'Clicked',
          properties: { note: SECRET_PROPERTY },
        })),
      },
    });
    expect(sent.status).toBe(200);
    await stack.idle();
    const ingested = lines().filter((l) => l.message === 'ingested');
    expect(ingested.length).toBeGreaterThan(0);
    for (const l of ingested) {
      expect(l).toMatchObject({
        service: 'ingest',
        function_name: 'tally-ingest',
        function_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
    }
  });

  it('hold no write key, token or event contents', () => {
    const all = written.join('');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of [
      stack.credentials.writeKey,
      stack.credentials.adminToken,
      SECRET_PROPERTY,
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});
