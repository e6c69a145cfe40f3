import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../lambdas/model/limits.ts';
import { judge } from '../../../lambdas/track/accept.ts';

const req = {
  projectId: 'p1',
  receivedAt: Date.parse('2026-11-22T12:00:00Z'),
  sourceIp: undefined,
  privacy: { ipMode: 'truncate' as const, botMode: 'flag' as const },
};

describe('judge', () => {
  it('accepts valid items and names each rejected one with its index and reason', () => {
    const items = [
      { type: 'track', userId: 'u1', event: 'A' },
      { type: 'track', userId: 'u1' },
      { type: 'identify', anonymousId: 'a1', traits: { plan: 'pro' } },
      { type: 'track', event: 'no user' },
      'not an object',
      { type: 'bogus', userId: 'u' },
    ];
    const { accepted, rejected } = judge(items, {}, req);
    expect(accepted.map((a) => a.index)).toEqual([0, 2]);
    expect(rejected.map((r) => r.index)).toEqual([1, 3, 4, 5]);
    expect(rejected[0]?.reason).toMatch(/^event: /);
    expect(rejected[1]?.reason).toBe('userId or anonymousId is required');
    expect(rejected[2]?.reason).toBe('each event must be a JSON object');
    expect(rejected[3]?.reason).toMatch(/^type must be one of track, identify/);
  });

  it('refuses prototype-polluting property names', () => {
    const item = JSON.parse('{"userId":"u","event":"x","properties":{"__proto__":{"admin":true}}}');
    const { rejected } = judge([item], { type: 'track' }, req);
    expect(rejected).toEqual([
      {
        index: 0,
        code: 'invalid',
        reason: '$.properties: property name "__proto__" is not allowed',
      },
    ]);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('refuses an event over 32 KB and keeps its messageId in the report', () => {
    const big = {
      userId: 'u',
      event: 'x',
      messageId: 'm-big',
      properties: { blob: 'x'.repeat(LIMITS.eventBytes) },
    };
    const { rejected } = judge([big], { type: 'track' }, req);
    expect(rejected[0]).toMatchObject({ index: 0, messageId: 'm-big', code: 'too_large' });
    expect(rejected[0]?.reason).toMatch(/limit is 32768/);
  });

  it('refuses nesting deeper than the limit', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < LIMITS.depth + 1; i++) deep = { d: deep };
    const { rejected } = judge(
      [{ userId: 'u', event: 'x', properties: deep }],
      { type: 'track' },
      req,
    );
    expect(rejected[0]?.reason).toMatch(/nested deeper than 10 levels/);
  });

  it('refuses a type that contradicts the endpoint', () => {
    const { rejected } = judge(
      [{ type: 'identify', userId: 'u', event: 'x' }],
      { type: 'track' },
      req,
    );
    expect(rejected[0]?.reason).toBe('type must be "track" on this endpoint');
  });

  it('accepts numeric user ids as strings', () => {
    const { accepted } = judge([{ userId: 42, event: 'x' }], { type: 'track' }, req);
    expect(accepted[0]?.event.userId).toBe('42');
  });
});
