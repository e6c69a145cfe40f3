/**
 * The curl examples of docs/tracking.md, run as a reader would run them against the local twin.
 * A doc example that stops working fails here.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/shared/routes.ts';
import type { LocalStack } from '../../local/stack.ts';
import { bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

const DOC_BASE_URL = 'http://127.0.0.1:3000';
const examples = readFileSync('docs/tracking.md', 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('curl '));

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack('docs');
});
afterAll(() => stack?.stop());

describe('docs/tracking.md examples', () => {
  it('has an example for every tracking endpoint', () => {
    const paths = examples.map((e) => /http:\/\/127\.0\.0\.1:3000(\S+)/.exec(e)?.[1]);
    const tracking = ROUTES.filter((r) => r.auth === 'writeKey').map((r) => r.path);
    expect(tracking.length).toBeGreaterThan(0);
    for (const path of tracking) {
      expect(paths).toContain(path);
    }
  });

  it.each(examples.map((e) => [/http:\/\/127\.0\.0\.1:3000(\S+)/.exec(e)?.[1], e]))(
    '%s works as documented',
    async (path, example) => {
      const command = `${(example as string).replaceAll(DOC_BASE_URL, stack.baseUrl).replace(/^curl /, 'curl -s -w "\\n%{http_code}" ')}`;
      const { stdout } = await promisify(execFile)('sh', ['-c', command], {
        env: { ...process.env, WRITE_KEY: stack.credentials.writeKey },
      });
      const status = Number(stdout.trim().split('\n').pop());
      const body = JSON.parse(stdout.trim().split('\n').slice(0, -1).join('\n'));
      // The batch example shows a partial accept on purpose.
      if (path === '/v1/batch') {
        expect(status).toBe(207);
        expect(body.rejected).toHaveLength(1);
      } else {
        expect([status, body]).toEqual([200, { success: true, accepted: expect.any(Number) }]);
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
  });
});
