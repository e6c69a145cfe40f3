import { describe, expect, it } from 'vitest';
import { normalize } from '../../../lambdas/track/normalize.ts';
import { anonymizeIp } from '../../../lambdas/track/privacy.ts';

const receivedAt = Date.parse('2026-11-22T12:00:00.000Z');
const req = {
  projectId: 'p1',
  receivedAt,
  sourceIp: '198.51.100.23',
  privacy: { ipMode: 'truncate' as const, botMode: 'flag' as const },
};

describe('normalize', () => {
  it('corrects client clock skew with sentAt', () => {
    // The client clock is 10 minutes fast: it stamped the event 5 s before sending.
    const { event } = normalize(
      'track',
      {
        event: 'x',
        userId: 'u',
        timestamp: '2026-11-22T12:09:55.000Z',
        sentAt: '2026-11-22T12:10:00.000Z',
      },
      req,
    );
    expect(event.timestamp).toBe('2026-11-22T11:59:55.000Z');
    expect(event.originalTimestamp).toBe('2026-11-22T12:09:55.000Z');
    expect(event.receivedAt).toBe('2026-11-22T12:00:00.000Z');
  });

  it('applies a batch-level sentAt when the message has none', () => {
    const { event } = normalize(
      'track',
      { event: 'x', userId: 'u', timestamp: '2026-11-22T11:00:00.000Z' },
      { ...req, sentAt: '2026-11-22T11:00:10.000Z' },
    );
    expect(event.timestamp).toBe('2026-11-22T11:59:50.000Z');
  });

  it('clamps timestamps more than 24 h in the future to the receive time', () => {
    const { event } = normalize(
      'track',
      { event: 'x', userId: 'u', timestamp: '2026-11-24T12:00:01.000Z' },
      req,
    );
    expect(event.timestamp).toBe('2026-11-22T12:00:00.000Z');
  });

  it('keeps a near-future timestamp (within 24 h) as sent', () => {
    const { event } = normalize(
      'track',
      { event: 'x', userId: 'u', timestamp: '2026-11-23T11:00:00.000Z' },
      req,
    );
    expect(event.timestamp).toBe('2026-11-23T11:00:00.000Z');
  });

  it('uses the receive time without a client timestamp and generates a messageId', () => {
    const a = normalize('track', { event: 'x', userId: 'u' }, req);
    const b = normalize('track', { event: 'x', userId: 'u' }, req);
    expect(a.event.timestamp).toBe('2026-11-22T12:00:00.000Z');
    expect(a.event.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.event.messageId).not.toBe(b.event.messageId);
  });

  it('never stores the raw IP', () => {
    const { event } = normalize(
      'track',
      { event: 'x', userId: 'u', context: { ip: '203.0.113.77' } },
      req,
    );
    expect(event.context.ip).toBe('203.0.113.0');
    const fromRequest = normalize('track', { event: 'x', userId: 'u' }, req);
    expect(fromRequest.event.context.ip).toBe('198.51.100.0');
  });

  it('refuses a skew correction that lands before 1970, and a time that is no real date', () => {
    expect(() =>
      normalize(
        'track',
        {
          event: 'x',
          userId: 'u',
          timestamp: '1970-01-01T00:00:00.000Z',
          sentAt: '9999-12-31T23:59:59.000Z',
        },
        req,
      ),
    ).toThrow(/corrected for the client's clock .* before 1970-01-01T00:00:00.000Z/);
    expect(() =>
      normalize('track', { event: 'x', userId: 'u', timestamp: '2026-02-30T00:00:00Z' }, req),
    ).toThrow('timestamp: must be an ISO 8601 date-time on a real date, from 1970 to 9999');
  });
});

describe('anonymizeIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:db8::1', '2001:db8::'],
    ['::ffff:192.0.2.128', '192.0.2.0'],
  ])('%s becomes %s', (ip, expected) => {
    expect(anonymizeIp(ip)).toBe(expected);
  });

  it('drops what is not an address', () => {
    expect(anonymizeIp('not-an-ip')).toBeUndefined();
  });
});
