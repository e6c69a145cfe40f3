/**
 * The user-agent parser (bowser, isbot) is not loaded at module init but with the first request
 * that has an event carrying a user agent; that request is enriched as if it had been loaded all
 * along. Each test starts from fresh modules, as a cold start does.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const GOOGLEBOT =
  'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.6778.69 Safari/537.36';

const req = (botMode: 'flag' | 'drop') => ({
  projectId: 'p1',
  receivedAt: Date.parse('2026-11-22T12:00:00Z'),
  sourceIp: undefined,
  privacy: { ipMode: 'truncate' as const, botMode },
});

const fresh = async () => ({
  ...(await import('../../../lambdas/track/accept.ts')),
  ...(await import('../../../lambdas/track/enrich.ts')),
});

describe('the user-agent parser', () => {
  beforeEach(() => {
    vi.resetModules();
  });

  it('is not loaded by a request whose events carry no user agent', async () => {
    const { judge, userAgentParserLoaded } = await fresh();
    const { accepted } = await judge([{ userId: 'u', event: 'x' }], { type: 'track' }, req('flag'));
    expect(accepted).toHaveLength(1);
    expect(userAgentParserLoaded()).toBe(false);
  });

  it('loads with the first event carrying one, which is enriched with it', async () => {
    const { judge, userAgentParserLoaded } = await fresh();
    const items = [
      { userId: 'u', event: 'no agent' },
      { userId: 'u', event: 'x', context: { userAgent: CHROME } },
    ];
    const { accepted } = await judge(items, { type: 'track' }, req('flag'));
    expect(userAgentParserLoaded()).toBe(true);
    expect(accepted.map((a) => a.index)).toEqual([0, 1]);
    expect(accepted[1]?.event.context).toMatchObject({
      browser: { name: 'Chrome', version: '131.0.0.0' },
      os: { name: 'Windows' },
      device: { type: 'desktop' },
    });
    expect(accepted[0]?.event.context).not.toHaveProperty('browser');
  });

  it('loads for the request header a browser sends, and drops a bot on that first request', async () => {
    const { judge } = await fresh();
    const { accepted, rejected } = await judge(
      [{ anonymousId: 'a', event: 'x' }],
      { type: 'track' },
      { ...req('drop'), browserUserAgent: GOOGLEBOT },
    );
    expect(accepted).toEqual([]);
    expect(rejected).toMatchObject([{ index: 0, code: 'bot' }]);
  });

  it('loads once when concurrent first requests all need it', async () => {
    const { judge } = await fresh();
    const item = { userId: 'u', event: 'x', context: { userAgent: CHROME } };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => judge([item], { type: 'track' }, req('flag'))),
    );
    for (const { accepted } of results) {
      expect(accepted[0]?.event.context).toMatchObject({ browser: { name: 'Chrome' } });
    }
  });

  it('is tried again by the next request when loading it failed', async () => {
    let failures = 1;
    vi.doMock('../../../lambdas/track/user-agent.ts', async (original) => {
      if (failures-- > 0) throw new Error('chunk unreadable');
      return original();
    });
    const { judge } = await fresh();
    const item = { userId: 'u', event: 'x', context: { userAgent: CHROME } };
    await expect(judge([item], { type: 'track' }, req('flag'))).rejects.toThrow();
    const { accepted } = await judge([item], { type: 'track' }, req('flag'));
    expect(accepted[0]?.event.context).toMatchObject({ browser: { name: 'Chrome' } });
    vi.doUnmock('../../../lambdas/track/user-agent.ts');
  });
});
