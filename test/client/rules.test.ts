/**
 * The client's rules that need no network: what each answer means for a batch, how long to wait
 * before a retry, how big a message is, which template a path matches, what an LLM result says
 * it used.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushBudget } from '../../client/src/lambda.ts';
import { llmUsage } from '../../client/src/llm.ts';
import { buildApiUsage, nowIso } from '../../client/src/messages.ts';
import { routeMatcher } from '../../client/src/middleware/http.ts';
import { apiGatewayTemplate } from '../../client/src/middleware/middy.ts';
import { judgeAnswer, retryAfterMs, retryDelay } from '../../client/src/transport.ts';
import { utf8Length } from '../../client/src/utf8.ts';

describe('answers', () => {
  const report = [{ index: 1, messageId: 'm', code: 'invalid', reason: 'event: required' }];
  it.each([
    [200, { success: true, accepted: 2 }, false, { kind: 'accepted', rejected: [] }],
    [
      207,
      { success: false, rejected: report },
      false,
      { kind: 'accepted', rejected: [{ index: 1, code: 'invalid', reason: 'event: required' }] },
    ],
    // Every item judged and rejected: a verdict on items, even when the body was gzipped.
    [
      400,
      { error: { code: 'validation_failed', message: 'all', rejected: report } },
      true,
      { kind: 'accepted', rejected: [{ index: 1, code: 'invalid', reason: 'event: required' }] },
    ],
    // Gzipped bytes a server cannot read: the same batch again, uncompressed.
    [400, { error: { message: 'request body is not valid JSON' } }, true, { kind: 'gzip_refused' }],
    [415, { error: { message: 'unsupported' } }, true, { kind: 'gzip_refused' }],
    [400, { error: { message: 'request body is not valid JSON' } }, false, { kind: 'refused' }],
    [401, { error: { message: 'Missing or invalid credentials' } }, false, { kind: 'refused' }],
    [403, {}, false, { kind: 'refused' }],
    [404, 'Not Found', false, { kind: 'refused' }],
    [301, '', false, { kind: 'refused' }],
    [413, {}, false, { kind: 'split' }],
    [408, {}, false, { kind: 'retry' }],
    [429, {}, false, { kind: 'retry' }],
    [500, {}, false, { kind: 'retry' }],
    [503, { error: { code: 'unavailable', failed: [0] } }, false, { kind: 'retry' }],
  ] as const)('HTTP %i %j (gzipped: %s) → %j', (status, body, gzipped, expected) => {
    expect(judgeAnswer(status, body, null, gzipped)).toMatchObject(expected);
  });

  it('names the status and Tally’s message in the detail of a refusal', () => {
    expect(
      judgeAnswer(401, { error: { message: 'Missing or invalid credentials' } }, null, false),
    ).toEqual({ kind: 'refused', detail: 'HTTP 401: Missing or invalid credentials' });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    expect(retryAfterMs('5', now)).toBe(5000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Sun, 22 Nov 2026 12:00:03 GMT', now)).toBe(3000);
    expect(retryAfterMs('Sun, 22 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(judgeAnswer(429, {}, '2', false)).toMatchObject({ kind: 'retry', retryAfterMs: 2000 });
  });
});

describe('retry delays', () => {
  const options = { baseMs: 100, maxMs: 5000 };
  it('are full jitter: uniform in [0, base·2^attempt], capped', () => {
    expect(retryDelay(0, options, () => 0)).toBe(0);
    expect(retryDelay(0, options, () => 0.999)).toBeCloseTo(99.9);
    expect(retryDelay(3, options, () => 0.5)).toBe(400);
    expect(retryDelay(10, options, () => 0.999)).toBeCloseTo(4995);
    expect(retryDelay(1000, options, () => 1)).toBe(5000);
  });

  it('wait at least what Retry-After asks, up to the cap', () => {
    expect(retryDelay(0, { ...options, retryAfterMs: 2000 }, () => 0.1)).toBe(2000);
    expect(retryDelay(0, { ...options, retryAfterMs: 60_000 }, () => 0.1)).toBe(5000);
  });
});

describe('sizes', () => {
  it('counts UTF-8 bytes as Buffer does, for any mix of characters', () => {
    const samples = ['', 'ascii', 'é', '€', '😀', 'a😀b', '\ud800', 'x\udc00y', '日本語テキスト'];
    let seed = 7;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 200; i++) {
      samples.push(
        Array.from({ length: 1 + Math.floor(rand() * 40) }, () =>
          String.fromCharCode(Math.floor(rand() * 0xffff)),
        ).join(''),
      );
    }
    for (const s of samples) expect([s, utf8Length(s)]).toEqual([s, Buffer.byteLength(s)]);
  });
});

describe('route templates', () => {
  const match = routeMatcher(['/users/:id', '/users/:id/posts/{postId}', '/files/*', '/']);
  it.each([
    ['/users/42', '/users/:id'],
    ['/users/42/', '/users/:id'],
    ['/users/42/posts/7', '/users/:id/posts/{postId}'],
    ['/files/a/b/c.txt', '/files/*'],
    ['/', '/'],
    ['/users', undefined],
    ['/users/42/posts', undefined],
    ['/usersX42', undefined],
  ])('%s → %s', (path, template) => {
    expect(match(path)).toBe(template);
  });

  it('reads API Gateway’s own template, never the raw path', () => {
    expect(apiGatewayTemplate({ routeKey: 'GET /users/{id}', rawPath: '/users/42' })).toBe(
      '/users/{id}',
    );
    expect(apiGatewayTemplate({ resource: '/orders/{orderId}', path: '/orders/9' })).toBe(
      '/orders/{orderId}',
    );
    expect(apiGatewayTemplate({ routeKey: '$default', rawPath: '/x' })).toBeUndefined();
  });
});

describe('LLM usage', () => {
  it('reads OpenAI chat completions: prompt tokens include the cached ones', () => {
    expect(
      llmUsage({
        id: 'chatcmpl-1',
        model: 'gpt-4o-2024-08-06',
        usage: {
          prompt_tokens: 1200,
          completion_tokens: 300,
          total_tokens: 1500,
          prompt_tokens_details: { cached_tokens: 1024 },
        },
      }),
    ).toEqual({
      id: 'chatcmpl-1',
      model: 'gpt-4o-2024-08-06',
      inputTokens: 1200,
      outputTokens: 300,
      cachedTokens: 1024,
    });
  });

  it('reads OpenAI responses: input tokens include the cached ones', () => {
    expect(
      llmUsage({
        id: 'resp_1',
        model: 'gpt-4.1',
        usage: {
          input_tokens: 500,
          output_tokens: 20,
          input_tokens_details: { cached_tokens: 128 },
        },
      }),
    ).toEqual({
      id: 'resp_1',
      model: 'gpt-4.1',
      inputTokens: 500,
      outputTokens: 20,
      cachedTokens: 128,
    });
  });

  it('reads Anthropic messages: cache reads and writes are added to the uncached input', () => {
    expect(
      llmUsage({
        id: 'msg_01',
        type: 'message',
        model: 'claude-sonnet-4-5',
        usage: {
          input_tokens: 20,
          output_tokens: 80,
          cache_read_input_tokens: 1000,
          cache_creation_input_tokens: 200,
        },
      }),
    ).toEqual({
      id: 'msg_01',
      model: 'claude-sonnet-4-5',
      inputTokens: 1220,
      outputTokens: 80,
      cachedTokens: 1000,
    });
    expect(llmUsage({ usage: { input_tokens: 7, output_tokens: 3 } })).toEqual({
      inputTokens: 7,
      outputTokens: 3,
    });
  });

  it('reads nothing from what is not a result', () => {
    expect(llmUsage(undefined)).toEqual({});
    expect(llmUsage('text')).toEqual({});
    expect(llmUsage({ usage: { prompt_tokens: -1, completion_tokens: 'x' } })).toEqual({});
  });
});

describe('Lambda flush budget', () => {
  it('never runs past the invocation: remaining time minus 500 ms, at most the option', () => {
    expect(flushBudget({ getRemainingTimeInMillis: () => 10_000 }, 2000)).toBe(2000);
    expect(flushBudget({ getRemainingTimeInMillis: () => 1200 }, 2000)).toBe(700);
    expect(flushBudget({ getRemainingTimeInMillis: () => 100 }, 2000)).toBe(0);
    expect(flushBudget(undefined, 2000)).toBe(2000);
  });
});

describe('the time of a call', () => {
  afterEach(() => vi.useRealTimers());
  it('is the ISO time new Date() gives, to the millisecond, across seconds, days and years', () => {
    vi.useFakeTimers();
    for (const at of [
      Date.UTC(2026, 11, 2, 16, 45, 3, 0),
      Date.UTC(2026, 11, 2, 16, 45, 3, 7),
      Date.UTC(2026, 11, 2, 16, 45, 3, 42),
      Date.UTC(2026, 11, 2, 16, 45, 3, 999),
      Date.UTC(2026, 11, 2, 16, 45, 4, 1),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1, 0, 0, 0, 0),
      Date.UTC(1969, 11, 31, 23, 59, 59, 500),
    ]) {
      vi.setSystemTime(at);
      expect(nowIso()).toBe(new Date(at).toISOString());
      const built = buildApiUsage({ endpoint: '/x', method: 'get', statusCode: 200 });
      expect(built.message.timestamp).toBe(new Date(at).toISOString());
    }
  });
});
