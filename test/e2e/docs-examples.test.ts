/**
 * The curl examples of docs/tracking.md, run as a reader would run them against the local twin.
 * A doc example that stops working fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/contract/routes.ts';
import type { LocalStack } from '../../local/stack.ts';
import { type CurlReply, curlExamples, runCurlExample } from '../helpers/docs.ts';
import { bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

const examples = curlExamples('docs/tracking.md');

let stack: LocalStack;
/** Each example's reply: every example is run once, in the doc's order, before any check. */
const replies = new Map<string, Promise<CurlReply>>();
beforeAll(async () => {
  stack = await startTestStack('docs');
  for (const example of examples) {
    const reply = runCurlExample(example, stack.baseUrl, { WRITE_KEY: stack.credentials.writeKey });
    replies.set(example, reply);
    // A run that fails fails its own check below, not the whole file.
    await reply.catch(() => undefined);
  }
});
afterAll(() => stack?.stop());

describe('docs/tracking.md examples', () => {
  it('has an example for every tracking endpoint', () => {
    const paths = examples.map((e) => /http:\/\/127\.0\.0\.1:3000(\S+)/.exec(e)?.[1]);
    // Tally's own routes; the seed services' are in docs/migrating.md and seed-endpoints.test.ts.
    const tracking = ROUTES.filter((r) => r.auth === 'writeKey' && !('compat' in r)).map(
      (r) => r.path,
    );
    expect(tracking.length).toBeGreaterThan(0);
    for (const path of tracking) {
      expect(paths).toContain(path);
    }
  });

  it.each(examples.map((e) => [/http:\/\/127\.0\.0\.1:3000(\S+)/.exec(e)?.[1], e]))(
    '%s works as documented',
    async (path, example) => {
      const { status, body } = (await replies.get(example as string)) as CurlReply;
      // The batch example shows a partial accept on purpose.
      if (path === '/v1/batch') {
        expect(status).toBe(200);
        expect((body as { rejected: unknown[] }).rejected).toHaveLength(1);
      } else {
        expect([status, body]).toEqual([200, { success: true, accepted: expect.any(Number) }]);
        expect((body as { accepted: number }).accepted).toBeGreaterThan(0);
      }
    },
  );

  it('stored what the examples sent', async () => {
    await stack.idle();
    const res = await request(`${stack.baseUrl}/api/v1/analytics/summary`, {
      headers: bearer(stack.credentials.adminToken),
    });
    expect((res.body as { totalEvents: number }).totalEvents).toBeGreaterThanOrEqual(
      examples.length,
    );
    // Exactly the events the examples' replies say were accepted (repeats within a request once).
    const stored = (await Promise.all(replies.values())).map(({ body }) => {
      const { accepted, duplicates = 0 } = body as { accepted: number; duplicates?: number };
      return accepted - duplicates;
    });
    expect(stored).toHaveLength(examples.length);
    expect((res.body as { totalEvents: number }).totalEvents).toBe(
      stored.reduce((a, b) => a + b, 0),
    );
  });
});
